import { z } from 'zod';
import type { BreakersTable } from '../../store/schema.js';
import { SlidingCounts } from './window.js';
import { byCodeUnit } from '../../util/compare.js';

/** `guards.breaker` in bridle.yaml. The defaults are the issue's: > 5 % errors over 5 minutes with ≥ 20 calls. */
export const breakerOptions = z
  .object({
    enabled: z.boolean().default(true),
    /** Trips when errors / calls in the window is above this. */
    error_rate: z.number().gt(0, { error: 'error_rate is a fraction above 0, e.g. 0.05 for 5 %' }).lt(1, { error: 'error_rate is a fraction below 1, e.g. 0.05 for 5 %' }).default(0.05),
    window_s: z.number().int().min(10).max(86_400).default(300),
    /** Fewer calls than this in the window never trip: 1 error in 2 calls is not a trend. */
    min_calls: z.number().int().min(1).max(1_000_000).default(20),
    /** How long an open breaker blocks before letting probes through (half-open). */
    cooldown_s: z.number().int().min(1).max(86_400).default(60),
    /** Probes in flight while half-open; all must succeed to close, one failure re-opens. */
    half_open_probes: z.number().int().min(1).max(100).default(3),
    /** What a breaker covers: the agent (all its actions) and/or the connector (every agent using it). */
    scopes: z.array(z.enum(['agent', 'connector'])).min(1).default(['agent', 'connector']),
  })
  .strict();
export type BreakerOptions = z.output<typeof breakerOptions>;

export type BreakerState = 'closed' | 'open' | 'half_open';

export interface BreakerView {
  scope: string;
  state: BreakerState;
  calls: number;
  errors: number;
  errorRate: number;
  reason: string | null;
  openedAt: number | null;
  /** When an open breaker starts letting probes through. */
  retryAt: number | null;
}

/** A state change to persist, audit and alert on. */
export interface BreakerTransition {
  scope: string;
  from: BreakerState;
  to: BreakerState;
  reason: string;
  calls: number;
  errors: number;
  at: number;
}

interface Entry {
  counts: SlidingCounts;
  state: BreakerState;
  openedAt: number | null;
  reason: string | null;
  probes: number;
  probeOk: number;
  updatedAt: number;
}

export type Admission = { ok: true; probe: string[] } | { ok: false; scope: string; state: BreakerState; retryAfterMs: number; reason: string };

/**
 * Circuit breakers per scope (`agent:<id>`, `connector:<name>`). Closed: count outcomes and trip
 * on the error rate. Open: refuse until the cooldown ends. Half-open: let a few probes through;
 * all succeed → closed, any fails → open again. An operator can close one by hand at any time.
 */
export class Breakers {
  private readonly entries = new Map<string, Entry>();

  constructor(private options: BreakerOptions) {}

  configure(options: BreakerOptions): void {
    this.options = options;
  }

  get enabled(): boolean {
    return this.options.enabled;
  }

  scopesFor(agentId: string, connector: string): string[] {
    return this.options.scopes.map((s) => (s === 'agent' ? `agent:${agentId}` : `connector:${connector}`));
  }

  private entry(scope: string, now: number): Entry {
    let e = this.entries.get(scope);
    if (!e) this.entries.set(scope, (e = { counts: new SlidingCounts(this.options.window_s * 1000), state: 'closed', openedAt: null, reason: null, probes: 0, probeOk: 0, updatedAt: now }));
    return e;
  }

  /** May an action covered by these scopes run now? Half-open scopes hand out probe slots. */
  admit(scopes: readonly string[], now: number): Admission {
    if (!this.options.enabled || this.entries.size === 0) return { ok: true, probe: [] };
    const probe: string[] = [];
    for (const scope of scopes) {
      const e = this.entries.get(scope);
      if (!e || e.state === 'closed') continue;
      const retryAt = (e.openedAt ?? now) + this.options.cooldown_s * 1000;
      if (e.state === 'open' && now < retryAt) return { ok: false, scope, state: 'open', retryAfterMs: retryAt - now, reason: e.reason ?? 'error rate too high' };
      if (e.state === 'open') e.state = 'half_open';
      if (e.probes >= this.options.half_open_probes) return { ok: false, scope, state: 'half_open', retryAfterMs: 1000, reason: `probing after ${e.reason ?? 'errors'}; ${e.probes} probe(s) in flight` };
      probe.push(scope);
    }
    for (const scope of probe) this.entry(scope, now).probes++;
    return { ok: true, probe };
  }

  /** Gives back probe slots of an action that was admitted but will not run (blocked later, or waiting for a human). */
  release(probe: readonly string[]): void {
    for (const scope of probe) {
      const e = this.entries.get(scope);
      if (e && e.probes > 0) e.probes--;
    }
  }

  /** Records an outcome; returns the state changes it caused. */
  record(scopes: readonly string[], probe: readonly string[], ok: boolean, now: number): BreakerTransition[] {
    if (!this.options.enabled) return [];
    const out: BreakerTransition[] = [];
    for (const scope of scopes) {
      const e = this.entry(scope, now);
      e.counts.add(ok, now);
      const { calls, errors } = e.counts.read(now);
      if (probe.includes(scope) && e.state === 'half_open') {
        e.probes = Math.max(0, e.probes - 1);
        if (!ok) out.push(this.move(scope, e, 'open', `probe failed while half-open`, calls, errors, now));
        else if (++e.probeOk >= this.options.half_open_probes) out.push(this.move(scope, e, 'closed', `${e.probeOk} probe(s) succeeded`, calls, errors, now));
        continue;
      }
      if (e.state !== 'closed' || ok) continue;
      const rate = errors / calls;
      if (calls >= this.options.min_calls && rate > this.options.error_rate) {
        const why = `${errors} errors in ${calls} calls (${(rate * 100).toFixed(1)} %) over ${this.options.window_s} s, above ${(this.options.error_rate * 100).toFixed(1)} %`;
        out.push(this.move(scope, e, 'open', why, calls, errors, now));
      }
    }
    return out;
  }

  /** Closes a breaker by hand (an operator's resume). */
  reset(scope: string, now: number): BreakerTransition | null {
    const e = this.entries.get(scope);
    if (!e || e.state === 'closed') return null;
    const { calls, errors } = e.counts.read(now);
    return this.move(scope, e, 'closed', 'closed by an operator', calls, errors, now);
  }

  private move(scope: string, e: Entry, to: BreakerState, reason: string, calls: number, errors: number, now: number): BreakerTransition {
    const from = e.state;
    e.state = to;
    e.updatedAt = now;
    e.probes = 0;
    e.probeOk = 0;
    if (to === 'open') {
      e.openedAt = now;
      e.reason = reason;
    }
    // A closed breaker starts counting afresh, or the errors that tripped it would trip it again.
    if (to === 'closed') {
      e.openedAt = null;
      e.reason = null;
      e.counts.reset();
    }
    return { scope, from, to, reason, calls, errors, at: now };
  }

  /** Adopts persisted state: after a restart, or a change made by another instance. */
  adopt(rows: readonly BreakersTable[], now: number): void {
    for (const r of rows) {
      const e = this.entry(r.scope, now);
      if (r.updated_at <= e.updatedAt && e.state === r.state) continue;
      if (r.updated_at < e.updatedAt) continue;
      e.state = r.state;
      e.openedAt = r.opened_at;
      e.reason = r.reason;
      e.updatedAt = r.updated_at;
      e.probes = 0;
      e.probeOk = 0;
      if (r.state === 'closed') e.counts.reset();
    }
  }

  view(now: number): BreakerView[] {
    const out: BreakerView[] = [];
    for (const [scope, e] of this.entries) {
      const { calls, errors } = e.counts.read(now);
      out.push({ scope, state: e.state, calls, errors, errorRate: calls ? errors / calls : 0, reason: e.reason, openedAt: e.openedAt, retryAt: e.state === 'open' && e.openedAt !== null ? e.openedAt + this.options.cooldown_s * 1000 : null });
    }
    return out.sort((a, b) => byCodeUnit(a.scope, b.scope));
  }
}
