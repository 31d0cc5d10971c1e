import type { RateOptions } from './limits.js';

/** One limit as applied to one action: the bucket key and the numbers. */
export interface Limit extends Partial<RateOptions> {
  key: string;
}

type Window = 'per_second' | 'per_minute' | 'per_hour';
const WINDOW_MS: Record<Window, number> = { per_second: 1000, per_minute: 60_000, per_hour: 3_600_000 };

export type RateVerdict =
  | { ok: true; held: string[]; numbers: Record<string, number>[] }
  | { ok: false; key: string; window: Window | 'per_day' | 'concurrency'; limit: number; retryAfterMs: number };

/**
 * Token buckets (per second, minute, hour: refilled continuously, so a burst up to the limit is
 * allowed and then the steady rate), a quota per day, and a count of actions in flight, all per
 * key. An action takes from every limit that applies or from none. Held in memory per instance:
 * on shared Postgres each instance enforces its own share (see docs/configuration.md).
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly days = new Map<string, { period: string; count: number }>();
  private readonly inflight = new Map<string, number>();

  private bucket(key: string, limit: number, windowMs: number, now: number) {
    let b = this.buckets.get(key);
    if (!b) this.buckets.set(key, (b = { tokens: limit, at: now }));
    b.tokens = Math.min(limit, b.tokens + ((now - b.at) * limit) / windowMs);
    b.at = now;
    return b;
  }

  /** Checks every limit, then takes from all of them; `retryAt(day)` says when a day quota resets. */
  take(limits: readonly Limit[], now: number, day: string, msToNextDay: () => number): RateVerdict {
    for (const l of limits) {
      for (const w of ['per_second', 'per_minute', 'per_hour'] as const) {
        const n = l[w];
        if (n === undefined) continue;
        const b = this.bucket(`${l.key}|${w}`, n, WINDOW_MS[w], now);
        if (b.tokens < 1) return { ok: false, key: l.key, window: w, limit: n, retryAfterMs: Math.ceil(((1 - b.tokens) * WINDOW_MS[w]) / n) };
      }
      if (l.per_day !== undefined) {
        const d = this.days.get(l.key);
        if (d && d.period === day && d.count >= l.per_day) return { ok: false, key: l.key, window: 'per_day', limit: l.per_day, retryAfterMs: msToNextDay() };
      }
      if (l.concurrency !== undefined && (this.inflight.get(l.key) ?? 0) >= l.concurrency) {
        return { ok: false, key: l.key, window: 'concurrency', limit: l.concurrency, retryAfterMs: 1000 };
      }
    }
    const held: string[] = [];
    const numbers: Record<string, number>[] = [];
    for (const l of limits) {
      const n: Record<string, number> = {};
      for (const w of ['per_second', 'per_minute', 'per_hour'] as const) {
        if (l[w] === undefined) continue;
        const b = this.buckets.get(`${l.key}|${w}`)!;
        b.tokens -= 1;
        n[`${w}Remaining`] = Math.floor(b.tokens);
      }
      if (l.per_day !== undefined) {
        const d = this.days.get(l.key);
        const count = d && d.period === day ? d.count + 1 : 1;
        this.days.set(l.key, { period: day, count });
        n.perDayRemaining = l.per_day - count;
      }
      if (l.concurrency !== undefined) {
        this.inflight.set(l.key, (this.inflight.get(l.key) ?? 0) + 1);
        held.push(l.key);
        n.inFlight = this.inflight.get(l.key)!;
      }
      numbers.push(n);
    }
    return { ok: true, held, numbers };
  }

  /** Gives back concurrency slots when the action finishes, or will not run. */
  release(held: readonly string[]): void {
    for (const k of held) {
      const n = (this.inflight.get(k) ?? 0) - 1;
      if (n <= 0) this.inflight.delete(k);
      else this.inflight.set(k, n);
    }
  }
}
