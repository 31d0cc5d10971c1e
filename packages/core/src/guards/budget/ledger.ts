import { sql } from 'kysely';
import { BridleError, describeError } from '../../errors.js';
import type { Store } from '../../store/open.js';
import type { BudgetUsageTable } from '../../store/schema.js';

export interface Usage {
  spentMicro: number;
  reservedMicro: number;
}

export type ReserveResult = ({ ok: true } | { ok: false }) & Usage & { row?: BudgetUsageTable };

/**
 * Reserve-then-settle accounting per agent and day (invariant 4). `row`, when returned, is the
 * snapshot to make durable in the same group commit as the decision that used it.
 */
export interface BudgetLedger {
  reserve(agentId: string, day: string, amount: number, capMicro: number | null): Promise<ReserveResult>;
  settle(agentId: string, day: string, reserved: number, actual: number): Promise<BudgetUsageTable | undefined>;
  usage(agentId: string, day: string): Promise<Usage>;
}

/**
 * The embedded store has one owner process (the data-directory lock), so counters in memory are
 * the truth and a check-and-add is atomic on the event loop: no race can pass a cap.
 */
export async function memoryLedger(store: Store): Promise<BudgetLedger> {
  const rows = new Map<string, BudgetUsageTable>();
  for (const r of await store.db.selectFrom('budget_usage').selectAll().execute()) rows.set(`${r.agent_id}\u0000${r.day}`, r);
  const get = (agent_id: string, day: string) => {
    const k = `${agent_id}\u0000${day}`;
    let r = rows.get(k);
    if (!r) rows.set(k, (r = { agent_id, day, spent_micro: 0, reserved_micro: 0 }));
    return r;
  };
  return {
    async reserve(agentId, day, amount, cap) {
      const r = get(agentId, day);
      if (cap !== null && r.spent_micro + r.reserved_micro + amount > cap) return { ok: false, spentMicro: r.spent_micro, reservedMicro: r.reserved_micro };
      r.reserved_micro += amount;
      return { ok: true, spentMicro: r.spent_micro, reservedMicro: r.reserved_micro, row: r };
    },
    async settle(agentId, day, reserved, actual) {
      const r = get(agentId, day);
      r.reserved_micro = Math.max(0, r.reserved_micro - reserved);
      r.spent_micro += actual;
      return r;
    },
    async usage(agentId, day) {
      const r = get(agentId, day);
      return { spentMicro: r.spent_micro, reservedMicro: r.reserved_micro };
    },
  };
}

/**
 * Shared PostgreSQL: the cap check and the reservation are one conditional UPDATE, so any number
 * of Bridle instances racing for the last dollar cannot overspend it.
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
        throw new BridleError('BRIDLE_E_STORE', `Budget store unreachable: ${describeError(e)}`);
      }
    };
  const ensure = (agentId: string, day: string) =>
    db.insertInto('budget_usage').values({ agent_id: agentId, day, spent_micro: 0, reserved_micro: 0 }).onConflict((oc) => oc.columns(['agent_id', 'day']).doNothing()).execute();
  const usage = async (agentId: string, day: string): Promise<Usage> => {
    const r = await db.selectFrom('budget_usage').select(['spent_micro', 'reserved_micro']).where('agent_id', '=', agentId).where('day', '=', day).executeTakeFirst();
    return { spentMicro: r?.spent_micro ?? 0, reservedMicro: r?.reserved_micro ?? 0 };
  };
  return {
    usage: guarded(usage),
    reserve: guarded(async (agentId: string, day: string, amount: number, cap: number | null): Promise<ReserveResult> => {
      await ensure(agentId, day);
      let q = db
        .updateTable('budget_usage')
        .set({ reserved_micro: sql`reserved_micro + ${amount}` })
        .where('agent_id', '=', agentId)
        .where('day', '=', day);
      if (cap !== null) q = q.where(sql<boolean>`spent_micro + reserved_micro + ${amount} <= ${cap}`);
      const r = await q.returning(['spent_micro', 'reserved_micro']).executeTakeFirst();
      if (!r) return { ok: false, ...(await usage(agentId, day)) };
      return { ok: true, spentMicro: r.spent_micro, reservedMicro: r.reserved_micro };
    }),
    settle: guarded(async (agentId: string, day: string, reserved: number, actual: number): Promise<BudgetUsageTable | undefined> => {
      await db
        .updateTable('budget_usage')
        .set({ reserved_micro: sql`greatest(0, reserved_micro - ${reserved})`, spent_micro: sql`spent_micro + ${actual}` })
        .where('agent_id', '=', agentId)
        .where('day', '=', day)
        .execute();
      return undefined;
    }),
  };
}

/** The budget day in UTC (configured time zones come with the runtime guards). */
export function budgetDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
