import type { ActionRecord, ActionStatus, Bridle, PipelineObserver } from '@bridle/core';

/** One durable status change: `from` is null for `received`, which has no predecessor. */
export interface Transition {
  rec: ActionRecord;
  from: ActionStatus | null;
  to: ActionStatus;
}

export type TransitionListener = (t: Transition) => void;

/** Transitions made but never committed (a failed write, a crash-recovery sweep) are dropped past this. */
const MAX_PENDING = 10_000;

/**
 * Turns the engine's two signals into one stream of durable transitions. The observer's
 * `transition` hook sees every status change but before it is committed; `onAction` fires after
 * the commit but once per commit, with only the final status. Holding the former until the
 * latter arrives gives every transition exactly once, and only when it is on disk, so metrics
 * and logs never report something the store does not hold.
 *
 * @example
 *   const feed = new TransitionFeed(bridle);
 *   feed.on((t) => console.log(t.rec.id, t.from, '→', t.to));
 */
export class TransitionFeed {
  private readonly pending = new Map<string, ActionStatus[]>();
  private readonly listeners: TransitionListener[] = [];
  private readonly unsubscribe: () => void;

  constructor(bridle: Bridle) {
    this.unsubscribe = bridle.onAction((rec) => this.committed(rec));
  }

  /** The hook to compose into the engine's observer. */
  readonly transition: NonNullable<PipelineObserver['transition']> = (rec, from, to) => {
    let list = this.pending.get(rec.id);
    if (!list) {
      if (this.pending.size >= MAX_PENDING) {
        // Maps iterate in insertion order: the oldest entry is the likeliest to be orphaned.
        const oldest = this.pending.keys().next();
        if (!oldest.done) this.pending.delete(oldest.value);
      }
      list = [];
      this.pending.set(rec.id, list);
    }
    list.push(from, to);
  };

  on(fn: TransitionListener): void {
    this.listeners.push(fn);
  }

  close(): void {
    this.unsubscribe();
    this.pending.clear();
  }

  private committed(rec: ActionRecord): void {
    const list = this.pending.get(rec.id);
    this.pending.delete(rec.id);
    if (!list) {
      // A change this observer did not see (installed mid-flight): report what is known.
      this.publish({ rec, from: null, to: rec.status });
      return;
    }
    for (let i = 0; i < list.length; i += 2) {
      const from = list[i]!;
      if (from === 'received') this.publish({ rec, from: null, to: 'received' });
      this.publish({ rec, from, to: list[i + 1]! });
    }
  }

  private publish(t: Transition): void {
    for (const fn of this.listeners) {
      try {
        fn(t);
      } catch {
        // Observability must never break the engine's event delivery.
      }
    }
  }
}
