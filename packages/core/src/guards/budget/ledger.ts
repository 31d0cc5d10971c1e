import { sql } from 'kysely';
import { BridleError, describeError } from '../../errors.js';
import type { Store } from '../../store/open.js';
import type { BudgetUsageTable } from '../../store/schema.js';
import { byCodeUnit } from '../../util/compare.js';

/** One counter to reserve on: what it covers, which period, and its cap (null: tracked, not capped). */
export interface CounterSpec {
  scope: string;
  period: string;
  capMicro: number | null;
}

export const counterKey = (c: { scope: string; period: string }): string => `${c.scope}|${c.period}`;
const splitKey = (k: string): { scope: string; period: string } => {
  const i = k.lastIndexOf('|');
  return { scope: k.slice(0, i), period: k.slice(i + 1) };
};

export interface Usage {
  spentMicro: number;
  reservedMicro: number;
}

export type ReserveResult =
  | { ok: true; usage: Usage[]; rows?: BudgetUsageTable[] }
  | { ok: false; blocked: CounterSpec; usage: Usage };

/**
 * Reserve-then-settle accounting over any number of counters at once (invariant 4): a
 * reservation takes the amount from every counter or from none. `rows`, when returned, are the
 * snapshots to make durable in the same group commit as the decision that used them.
 */
export interface BudgetLedger {
  reserve(actionId: string, counters: readonly CounterSpec[], amount: number, now: number): Promise<ReserveResult>;
  /** Turns a reservation into actual spend (actual may be 0: a release; negative: an undo). */
  settle(actionId: string, keys: readonly string[], reserved: number, actual: number): Promise<BudgetUsageTable[] | undefined>;
  usage(key: string): Promise<Usage>;
  /** Gives back reservations whose action never got recorded (a crash in between); returns how many. */
  reconcile(now: number, graceMs: number): Promise<number>;
}

/**
 * The embedded store has one owner process (the data-directory lock), so counters in memory are
 * the truth and check-and-add is atomic on the event loop: no race can pass a cap. A crash loses
 * only what was never committed, and the counters reload from the last commit, which holds the
 * reservations of exactly the actions it recorded: nothing can leak.
 */
export async function memoryLedger(store: Store): Promise<BudgetLedger> {
  const rows = new Map<string, BudgetUsageTable>();
  for (const r of await store.db.selectFrom('budget_usage').selectAll().execute()) rows.set(counterKey(r), r);
  const get = (key: string) => {
    let r = rows.get(key);
    if (!r) rows.set(key, (r = { ...splitKey(key), spent_micro: 0, reserved_micro: 0 }));
    return r;
  };
  return {
    async reserve(_actionId, counters, amount) {
      const found = counters.map((c) => get(counterKey(c)));
      for (let i = 0; i < counters.length; i++) {
        const c = counters[i]!;
        const r = found[i]!;
        if (c.capMicro !== null && r.spent_micro + r.reserved_micro + amount > c.capMicro) return { ok: false, blocked: c, usage: { spentMicro: r.spent_micro, reservedMicro: r.reserved_micro } };
      }
      for (const r of found) r.reserved_micro += amount;
      return { ok: true, usage: found.map((r) => ({ spentMicro: r.spent_micro, reservedMicro: r.reserved_micro })), rows: found };
    },
    async settle(_actionId, keys, reserved, actual) {
      return keys.map((k) => {
        const r = get(k);
        r.reserved_micro = Math.max(0, r.reserved_micro - reserved);
        r.spent_micro += actual;
        return r;
      });
    },
    async usage(key) {
      const r = get(key);
      return { spentMicro: r.spent_micro, reservedMicro: r.reserved_micro };
    },
    async reconcile() {
      return 0;
    },
  };
}

class CapReached extends Error {
  constructor(readonly blocked: CounterSpec) {
    super('cap reached');
  }
}

/**
 * Shared PostgreSQL: each cap check and its reservation is one conditional UPDATE, all counters
 * in one transaction (locked in key order, so two instances cannot deadlock), so any number of
 * instances racing for the last dollar cannot overspend it. The reservation row commits with
 * the counters: if the process dies before the action is recorded, `reconcile` finds it.
 */
export function postgresLedger(store: Store): BudgetLedger {
  const db = store.db;
  // A guard whose state store is unreachable denies: the error is a BRIDLE_E_STORE, never a raw driver error.
  const guarded =
    <A extends unknown[], R>(fn: (...a: A) => Promise<R>) =>
    async (...a: A): Promise<R> => {
      try {
        return await fn(...a);
      } catch (e) {
        if (e instanceof CapReached) throw e;
        throw new BridleError('BRIDLE_E_STORE', `Budget store unreachable: ${describeError(e)}`);
      }
    };
  const usage = async (key: string): Promise<Usage> => {
    const { scope, period } = splitKey(key);
    const r = await db.selectFrom('budget_usage').select(['spent_micro', 'reserved_micro']).where('scope', '=', scope).where('period', '=', period).executeTakeFirst();
    return { spentMicro: r?.spent_micro ?? 0, reservedMicro: r?.reserved_micro ?? 0 };
  };
  const reserve = guarded(async (actionId: string, counters: readonly CounterSpec[], amount: number, now: number): Promise<ReserveResult> => {
    const sorted = [...counters].sort((a, b) => byCodeUnit(counterKey(a), counterKey(b)));
    try {
      return await db.transaction().execute(async (trx) => {
        await trx
          .insertInto('budget_usage')
          .values(sorted.map((c) => ({ scope: c.scope, period: c.period, spent_micro: 0, reserved_micro: 0 })))
          .onConflict((oc) => oc.columns(['scope', 'period']).doNothing())
          .execute();
        const out = new Map<string, Usage>();
        for (const c of sorted) {
          let q = trx.updateTable('budget_usage').set({ reserved_micro: sql`reserved_micro + ${amount}` }).where('scope', '=', c.scope).where('period', '=', c.period);
          if (c.capMicro !== null) q = q.where(sql<boolean>`spent_micro + reserved_micro + ${amount} <= ${c.capMicro}`);
          const r = await q.returning(['spent_micro', 'reserved_micro']).executeTakeFirst();
          if (!r) throw new CapReached(c);
          out.set(counterKey(c), { spentMicro: r.spent_micro, reservedMicro: r.reserved_micro });
        }
        await trx.insertInto('budget_reservations').values({ action_id: actionId, keys: sorted.map(counterKey).join('\n'), amount, created_at: now }).execute();
        return { ok: true as const, usage: counters.map((c) => out.get(counterKey(c))!) };
      });
    } catch (e) {
      if (e instanceof CapReached) return { ok: false, blocked: e.blocked, usage: await usage(counterKey(e.blocked)) };
      throw e;
    }
  });
  return {
    usage: guarded(usage),
    reserve,
    settle: guarded(async (actionId: string, keys: readonly string[], reserved: number, actual: number): Promise<undefined> => {
      await db.transaction().execute(async (trx) => {
        for (const k of [...keys].sort()) {
          const { scope, period } = splitKey(k);
          await trx
            .updateTable('budget_usage')
            .set({ reserved_micro: sql`greatest(0, reserved_micro - ${reserved})`, spent_micro: sql`spent_micro + ${actual}` })
            .where('scope', '=', scope)
            .where('period', '=', period)
            .execute();
        }
        await trx.deleteFrom('budget_reservations').where('action_id', '=', actionId).execute();
      });
      return undefined;
    }),
    reconcile: guarded(async (now: number, graceMs: number): Promise<number> => {
      // Only reservations older than the grace: a live instance records its decision within ms.
      const orphans = await db
        .selectFrom('budget_reservations as r')
        .leftJoin('actions as a', 'a.id', 'r.action_id')
        .select(['r.action_id', 'r.keys', 'r.amount'])
        .where('r.created_at', '<', now - graceMs)
        .where('a.id', 'is', null)
        .execute();
      let given = 0;
      for (const o of orphans) {
        await db.transaction().execute(async (trx) => {
          const gone = await trx.deleteFrom('budget_reservations').where('action_id', '=', o.action_id).executeTakeFirst();
          // Another instance reconciled it first.
          if (Number(gone.numDeletedRows) !== 1) return;
          for (const k of o.keys.split('\n').sort()) {
            const { scope, period } = splitKey(k);
            await trx.updateTable('budget_usage').set({ reserved_micro: sql`greatest(0, reserved_micro - ${o.amount})` }).where('scope', '=', scope).where('period', '=', period).execute();
          }
          given++;
        });
      }
      return given;
    }),
  };
}
