import { z } from 'zod';
import { usdToMicro } from '../../util/money.js';
import { usd } from '../../policy/usd.js';
import type { CounterSpec } from './ledger.js';

/**
 * Caps for one scope (an agent, an action type, a campaign, or everything). Hard caps block;
 * soft thresholds (fractions of a cap) raise an alert once per period as spend crosses them.
 */
export const budgetLimits = z
  .object({
    daily_usd: usd.optional(),
    monthly_usd: usd.optional(),
    lifetime_usd: usd.optional(),
    /** Fractions of each cap at which to alert, e.g. [0.5, 0.8, 1]. */
    alert_at: z.array(z.number().gt(0, { error: 'thresholds are fractions above 0' }).max(1, { error: 'thresholds are fractions up to 1 (100 %)' })).max(10).default([0.5, 0.8, 1]),
    /** At the cap: block the action (default), or block it and pause the agent until an operator resumes it. */
    on_cap: z.enum(['block', 'pause']).default('block'),
    /** When less than this fraction of a cap is left, decisions carry `degrade: true` (e.g. switch to a cheaper model). */
    degrade_below: z.number().min(0).max(1).default(0.1),
  })
  .strict();
export type BudgetLimits = z.output<typeof budgetLimits>;

/** A scope's caps, in micro-USD, ready to turn into counters. */
export interface CompiledBudget {
  scope: string;
  daily: number | null;
  monthly: number | null;
  lifetime: number | null;
  alertAt: number[];
  onCap: 'block' | 'pause';
  degradeBelow: number;
}

export function compileBudget(scope: string, l: BudgetLimits | undefined): CompiledBudget {
  const m = (v: number | undefined) => (v === undefined ? null : usdToMicro(v));
  return { scope, daily: m(l?.daily_usd), monthly: m(l?.monthly_usd), lifetime: m(l?.lifetime_usd), alertAt: [...(l?.alert_at ?? [0.5, 0.8, 1])].sort((a, b) => a - b), onCap: l?.on_cap ?? 'block', degradeBelow: l?.degrade_below ?? 0.1 };
}

/** Is this an IANA time zone the runtime knows? */
export function isTimeZone(tz: string): boolean {
  if (tz === 'UTC') return true;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/**
 * Day and month keys in a time zone. Formatting a date in a zone costs microseconds, so the
 * result is kept for the rest of the minute (no zone changes offset mid-minute).
 */
export class Periods {
  /** YYYY-MM-DD of an instant in the zone. */
  private readonly ymd: (ms: number) => string;
  private minute = -1;
  private cached = { day: '', month: '' };

  constructor(readonly timeZone: string) {
    if (timeZone === 'UTC') {
      // The default zone needs no Intl: an ICU date formatter pages about 3 MB of the node
      // binary's locale data into every server's memory.
      this.ymd = (ms) => new Date(ms).toISOString().slice(0, 10);
    } else {
      // en-CA formats as YYYY-MM-DD.
      const fmt = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
      this.ymd = (ms) => fmt.format(ms);
    }
  }

  at(ms: number): { day: string; month: string } {
    const minute = Math.floor(ms / 60_000);
    if (minute !== this.minute) {
      const ymd = this.ymd(ms);
      this.cached = { day: `d:${ymd}`, month: `m:${ymd.slice(0, 7)}` };
      this.minute = minute;
    }
    return this.cached;
  }
}

/** The counters one budget needs at a moment: one per window it caps; a daily one at least, so spend is always tracked. */
export function countersOf(b: CompiledBudget, p: { day: string; month: string }): CounterSpec[] {
  const out: CounterSpec[] = [{ scope: b.scope, period: p.day, capMicro: b.daily }];
  if (b.monthly !== null) out.push({ scope: b.scope, period: p.month, capMicro: b.monthly });
  if (b.lifetime !== null) out.push({ scope: b.scope, period: 'life', capMicro: b.lifetime });
  return out;
}

/** How long until the day key changes in the zone (a day quota's retry-after). Only on denial, so a plain search is fine. */
export function msToNextDay(p: Periods, now: number): number {
  const today = p.at(now).day;
  const fresh = new Periods(p.timeZone);
  let lo = now;
  let hi = now + 3_600_000;
  while (fresh.at(hi).day === today) {
    lo = hi;
    hi += 3_600_000;
  }
  // Narrow to the minute in which the day turns.
  while (hi - lo > 60_000) {
    const mid = lo + Math.floor((hi - lo) / 2 / 60_000) * 60_000;
    if (fresh.at(mid).day === today) lo = mid;
    else hi = mid;
  }
  return hi - (hi % 60_000) - now;
}
