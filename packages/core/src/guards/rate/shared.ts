import { sql } from 'kysely';
import { BridleError, describeError } from '../../errors.js';
import type { Store } from '../../store/open.js';
import { RateLimiter, type Limit, type RateVerdict } from './bucket.js';

type Window = 'per_second' | 'per_minute' | 'per_hour';
const WINDOW_MS: Record<Window, number> = { per_second: 1000, per_minute: 60_000, per_hour: 3_600_000 };

class Refused extends Error {
  constructor(readonly verdict: Extract<RateVerdict, { ok: false }>) {
    super('refused');
  }
}

/**
 * Rate limits shared through Postgres: each bucket's refill-and-take and each day quota's
 * count-and-check is one conditional UPDATE, all of an action's limits in one transaction, so N
 * replicas enforce one limit, not N. Concurrency stays per instance: a shared in-flight count
 * would leak slots whenever an instance died mid-action.
 */
export class SharedRateLimiter {
  private readonly local = new RateLimiter();

  constructor(private readonly store: Store) {}

  async take(limits: readonly Limit[], now: number, day: string, msToNextDay: () => number): Promise<RateVerdict> {
    const inflight = limits.filter((l) => l.concurrency !== undefined).map((l) => ({ key: l.key, concurrency: l.concurrency! }));
    // Concurrency first and locally: cheap, and nothing shared is spent if it refuses.
    const held = inflight.length > 0 ? this.local.take(inflight, now, day, msToNextDay) : { ok: true as const, held: [] as string[], numbers: [] };
    if (!held.ok) return held;
    try {
      const numbers = await this.store.db.transaction().execute(async (trx) => {
        const out: Record<string, number>[] = [];
        for (const l of limits) {
          const n: Record<string, number> = {};
          for (const w of ['per_second', 'per_minute', 'per_hour'] as const) {
            const cap = l[w];
            if (cap === undefined) continue;
            const key = `${l.key}|${w}`;
            const per = cap / WINDOW_MS[w];
            await trx.insertInto('rate_state').values({ key, tokens: cap, at: now }).onConflict((oc) => oc.column('key').doNothing()).execute();
            const refill = sql<number>`least(${cap}::double precision, tokens + greatest(0, ${now} - at) * ${per}::double precision)`;
            const r = await trx.updateTable('rate_state').set({ tokens: sql`${refill} - 1`, at: sql`greatest(at, ${now})` }).where('key', '=', key).where(sql<boolean>`${refill} >= 1`).returning('tokens').executeTakeFirst();
            if (!r) {
              const s = await trx.selectFrom('rate_state').select(['tokens', 'at']).where('key', '=', key).executeTakeFirstOrThrow();
              const have = Math.min(cap, s.tokens + Math.max(0, now - s.at) * per);
              throw new Refused({ ok: false, key: l.key, window: w, limit: cap, retryAfterMs: Math.max(1, Math.ceil((1 - have) / per)) });
            }
            n[`${w}Remaining`] = Math.floor(r.tokens);
          }
          if (l.per_day !== undefined) {
            const key = `${l.key}|${day}`;
            await trx.insertInto('rate_state').values({ key, tokens: 0, at: now }).onConflict((oc) => oc.column('key').doNothing()).execute();
            const r = await trx.updateTable('rate_state').set({ tokens: sql`tokens + 1`, at: now }).where('key', '=', key).where('tokens', '<', l.per_day).returning('tokens').executeTakeFirst();
            if (!r) throw new Refused({ ok: false, key: l.key, window: 'per_day', limit: l.per_day, retryAfterMs: msToNextDay() });
            n.perDayRemaining = l.per_day - r.tokens;
          }
          out.push(n);
        }
        return out;
      });
      return { ok: true, held: held.held, numbers: numbers.map((n, i) => ({ ...n, ...(limits[i]!.concurrency !== undefined ? { inFlight: 1 } : {}) })) };
    } catch (e) {
      this.local.release(held.held);
      if (e instanceof Refused) return e.verdict;
      // A guard whose state store is unreachable denies.
      throw new BridleError('BRIDLE_E_STORE', `Rate-limit store unreachable: ${describeError(e)}`);
    }
  }

  release(held: readonly string[]): void {
    this.local.release(held);
  }
}
