import { BridleError } from '@bridle/core';
import type { Brand } from './brand.js';
import { expandCalendar, type Calendar, type Slot } from './calendar.js';
import type { ActionView, BridleClient, Feedback } from './client.js';
import { type AgentState, type Draft, type SlotState, type SlotStatus } from './state.js';
import type { Writer } from './writer/types.js';

/*
 * One run of the growth agent: plan the calendar's slots, draft each new one, submit it to
 * Bridle as `social.post` with `notBefore` = the slot, and act on the decision. Bridle owns the
 * schedule from there: an approved or allowed post waits in Bridle's store and is published at
 * its slot, exactly once, even if Bridle or this agent restarts in between.
 */

export interface AgentOptions {
  client: BridleClient;
  writer: Writer;
  brand: Brand;
  calendar: Calendar;
  state: AgentState;
  /** How far ahead to plan. */
  days: number;
  now?: () => number;
  log?: (line: string) => void;
  /** Revisions after needs_revision decisions, per slot (Bridle has its own cap, `defaults.max_retries`). */
  maxRevisions?: number;
  /** Fresh submissions after a rate-limit refusal, per slot. */
  maxAttempts?: number;
  /** A slot up to this far in the past is still posted (late); older ones are left alone. */
  graceMs?: number;
  actionType?: string;
  /** At most this many actions are refreshed per run, so a long history never floods Bridle. */
  maxRefresh?: number;
}

export interface RunSummary {
  planned: number;
  submitted: number;
  revised: number;
  refreshed: number;
  draftFailures: number;
  /** Each planned slot's status after the run. */
  byStatus: Partial<Record<SlotStatus, number>>;
}

/** Statuses that Bridle may still change: worth asking about on the next run. */
const LIVE: ReadonlySet<string> = new Set(['received', 'awaiting_approval', 'approved', 'allowed', 'executing', 'succeeded']);
const RETRYABLE = new Set(['rate_limited']);

/** `growth:<slot>`, with suffixes for fresh attempts and revisions so each is a new action. */
export function keyFor(slotId: string, attempt: number, revision: number): string {
  return `growth:${slotId}${attempt ? `#a${attempt}` : ''}${revision ? `#r${revision}` : ''}`;
}

const ICON: Record<string, string> = {
  awaiting_approval: '⏸ awaiting approval',
  approved: '⏱ scheduled',
  allowed: '⏱ scheduled',
  executing: '▶ publishing',
  succeeded: '✔ published',
  blocked: '✖ blocked',
  rejected: '✖ rejected',
  expired: '✖ expired',
  failed: '✖ failed',
  undone: '↩ undone',
  draft_failed: '✖ draft failed',
  conflict: '✖ key conflict',
  drafted: '… drafted',
};

export class GrowthAgent {
  private readonly now: () => number;
  private readonly log: (line: string) => void;

  constructor(private readonly o: AgentOptions) {
    this.now = o.now ?? Date.now;
    this.log = o.log ?? (() => {});
  }

  /** Plans, drafts, submits and refreshes once. Throws when Bridle cannot be used at all (down, bad key). */
  async runOnce(): Promise<RunSummary> {
    const sum: RunSummary = { planned: 0, submitted: 0, revised: 0, refreshed: 0, draftFailures: 0, byStatus: {} };
    await this.refresh(sum);
    const now = this.now();
    const slots = expandCalendar(this.o.calendar, now - (this.o.graceMs ?? 10 * 60_000), this.o.days);
    sum.planned = slots.length;
    for (const slot of slots) {
      await this.advance(slot, sum);
      const s = this.o.state.get(slot.id);
      if (s) sum.byStatus[s.status] = (sum.byStatus[s.status] ?? 0) + 1;
    }
    return sum;
  }

  /** Asks Bridle about every slot whose action may still change (approval, publication, undo). */
  private async refresh(sum: RunSummary): Promise<void> {
    const live = this.o.state.all().filter((s) => s.actionId && LIVE.has(s.status)).slice(0, this.o.maxRefresh ?? 500);
    for (const s of live) {
      let view: ActionView;
      try {
        view = await this.o.client.get(s.actionId!);
      } catch (e) {
        if (!(e instanceof BridleError && e.code === 'BRIDLE_E_ACTION_NOT_FOUND')) throw e;
        // Bridle's data was reset, or this is another Bridle: never resubmit (it may have been published).
        const gone = this.save({ id: s.slotId, platform: s.platform, at: s.at }, s, { status: 'failed', code: e.code, reason: `Bridle no longer knows action ${s.actionId} (was its data reset?); not resubmitting` });
        this.line(gone, s, gone.reason ?? undefined);
        continue;
      }
      sum.refreshed++;
      if (view.status !== s.status) this.record(s, view, 'now');
    }
  }

  /** Moves one slot forward as far as it can go in this run. */
  private async advance(slot: Slot, sum: RunSummary): Promise<void> {
    let s = this.o.state.get(slot.id);
    const now = this.now();
    if (!s || s.status === 'draft_failed') {
      if (slot.at < now - (this.o.graceMs ?? 10 * 60_000)) return;
      const draft = await this.write(slot, s, undefined, sum);
      if (!draft) return;
      s = this.save(slot, s, { status: 'drafted', draft, key: keyFor(slot.id, s?.attempts ?? 0, 0), revisionOf: null });
    } else if (s.status === 'blocked' && s.code && RETRYABLE.has(s.code) && s.attempts + 1 < (this.o.maxAttempts ?? 3) && slot.at > now) {
      const attempts = s.attempts + 1;
      s = this.save(slot, s, { status: 'drafted', attempts, key: keyFor(slot.id, attempts, s.revisions), revisionOf: null });
    } else if (s.status === 'blocked' && s.code === 'needs_revision' && s.actionId && s.revisions < (this.o.maxRevisions ?? 2)) {
      // A revision interrupted by a restart: fetch the feedback again and carry on.
      const view = await this.o.client.get(s.actionId);
      s = await this.revise(slot, s, view, sum);
      if (!s) return;
    }
    // Bounded: each pass either ends or submits a revision, and revisions are capped.
    for (let i = 0; s && s.status === 'drafted' && i <= (this.o.maxRevisions ?? 2) + 1; i++) {
      const view = await this.submit(slot, s);
      if (!view) return;
      sum.submitted++;
      s = this.record(s, view, 'submit');
      if (view.status === 'blocked' && view.decision?.code === 'needs_revision') s = await this.revise(slot, s, view, sum);
    }
  }

  private async write(slot: Slot, s: SlotState | undefined, revise: { previous: Draft; feedback: Feedback } | undefined, sum: RunSummary): Promise<Draft | undefined> {
    try {
      return await this.o.writer.draft({ brand: this.o.brand, slot, ...(revise ? { revise } : {}) });
    } catch (e) {
      // A bad key or a missing agent affects every slot: stop the run rather than fail each one.
      if (e instanceof BridleError && (e.code === 'BRIDLE_E_UNAUTHENTICATED' || e.code === 'BRIDLE_E_FORBIDDEN' || e.code === 'BRIDLE_E_UNKNOWN_AGENT')) throw e;
      sum.draftFailures++;
      const reason = e instanceof Error ? e.message : String(e);
      const saved = this.save(slot, s, { status: 'draft_failed', code: e instanceof BridleError ? e.code : 'writer_error', reason });
      this.line(saved, slot, `${this.o.writer.name}: ${reason}`);
      return undefined;
    }
  }

  /** Redrafts with the decision's feedback, bounded by both our cap and Bridle's. */
  private async revise(slot: Slot, s: SlotState, view: ActionView, sum: RunSummary): Promise<SlotState | undefined> {
    const feedback = view.decision?.feedback;
    if (!feedback || feedback.revisionsLeft <= 0 || s.revisions >= (this.o.maxRevisions ?? 2) || !s.draft) return s;
    const draft = await this.write(slot, s, { previous: s.draft, feedback }, sum);
    if (!draft) return undefined;
    sum.revised++;
    const revisions = s.revisions + 1;
    return this.save(slot, s, { status: 'drafted', draft, revisions, key: keyFor(slot.id, s.attempts, revisions), revisionOf: view.id });
  }

  private async submit(slot: Slot, s: SlotState): Promise<ActionView | undefined> {
    const d = s.draft!;
    const params: Record<string, unknown> = { platform: slot.platform, text: d.text, confidence: Math.round(d.confidence * 100) / 100 };
    if (d.title !== undefined) params.title = d.title;
    if (slot.platform === 'reddit' && this.o.brand.reddit) params.subreddit = this.o.brand.reddit.subreddit;
    if (slot.mediaUrl) params.media_url = slot.mediaUrl;
    const rationale = `${d.rationale} Confidence ${d.confidence.toFixed(2)}; written by ${d.writer}; slot ${slot.id}.`.slice(0, 4000);
    try {
      return await this.o.client.submit({
        type: this.o.actionType ?? 'social.post',
        params,
        rationale,
        idempotencyKey: s.key,
        notBefore: new Date(slot.at).toISOString(),
        ...(slot.campaign ? { campaign: slot.campaign } : {}),
        ...(s.revisionOf ? { revisionOf: s.revisionOf } : {}),
      });
    } catch (e) {
      if (!(e instanceof BridleError && e.code === 'BRIDLE_E_IDEMPOTENCY_CONFLICT')) throw e;
      const saved = this.save(slot, s, { status: 'conflict', code: e.code, reason: e.message });
      this.line(saved, slot, 'Bridle already has a different draft for this slot (was the state file lost?); not posting twice');
      return undefined;
    }
  }

  /** Stores what Bridle said about a slot's action, and prints it. */
  private record(s: SlotState, view: ActionView, why: 'submit' | 'now'): SlotState {
    const status = (view.status as SlotStatus) ?? 'received';
    const history = s.history.some((h) => h.actionId === view.id)
      ? s.history.map((h) => (h.actionId === view.id ? { ...h, status: view.status, code: view.decision?.code ?? null } : h))
      : [...s.history, { actionId: view.id, status: view.status, code: view.decision?.code ?? null }];
    const next: SlotState = { ...s, status, actionId: view.id, revisionOf: null, code: view.decision?.code ?? view.error?.code ?? null, reason: view.error?.message ?? view.decision?.reason ?? null, history, updatedAt: this.now() };
    this.o.state.put(next);
    const detail = status === 'blocked' || status === 'awaiting_approval' || status === 'failed' ? `${next.code}: ${next.reason}` : why === 'now' ? 'changed since the last run' : undefined;
    this.line(next, { at: s.at, platform: s.platform }, detail);
    return next;
  }

  private save(slot: Pick<Slot, 'id' | 'platform' | 'at'>, s: SlotState | undefined, change: Partial<SlotState>): SlotState {
    const base: SlotState = s ?? { slotId: slot.id, platform: slot.platform, at: slot.at, status: 'drafted', key: keyFor(slot.id, 0, 0), actionId: null, revisionOf: null, draft: null, revisions: 0, attempts: 0, history: [], code: null, reason: null, updatedAt: 0 };
    const next: SlotState = { ...base, ...change, updatedAt: this.now() };
    this.o.state.put(next);
    return next;
  }

  private line(s: SlotState, slot: Pick<Slot, 'at' | 'platform'>, detail?: string): void {
    const when = new Date(slot.at).toISOString().slice(0, 16).replace('T', ' ');
    const full = (s.draft?.title ?? s.draft?.text ?? '').replace(/\s+/g, ' ');
    const preview = full.length > 44 ? `${full.slice(0, 44)}…` : full;
    this.log(`  ${(ICON[s.status] ?? s.status).padEnd(20)} ${slot.platform.padEnd(9)} ${when}Z  “${preview}”${s.actionId ? `  ${s.actionId}` : ''}`);
    if (detail) this.log(`      ${detail}`);
  }
}
