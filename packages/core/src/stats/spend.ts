import type { CompiledBudget } from '../guards/budget/plan.js';
import type { Policy } from '../policy/compile.js';
import type { Store } from '../store/open.js';

export type SpendKind = 'agent' | 'campaign' | 'global' | 'action_type';

/** Spend of one budget scope against its caps, today and this month (in the policy's time zone). */
export interface ScopeSpend {
  /** The budget scope: `agent:<id>`, `campaign:<name>`, `action_type:<type>` or `global`. */
  scope: string;
  kind: SpendKind;
  name: string;
  today: { spentMicroUsd: number; capMicroUsd: number | null };
  month: { spentMicroUsd: number; capMicroUsd: number | null };
}

function budgetsOf(policy: Policy): { kind: SpendKind; name: string; budget: CompiledBudget }[] {
  const out: { kind: SpendKind; name: string; budget: CompiledBudget }[] = [];
  for (const [id, a] of policy.agents) out.push({ kind: 'agent', name: id, budget: a.budget });
  for (const [name, b] of policy.budgets.campaigns) out.push({ kind: 'campaign', name, budget: b });
  for (const [type, a] of policy.actions) if (a.budget) out.push({ kind: 'action_type', name: type, budget: a.budget });
  if (policy.budgets.global) out.push({ kind: 'global', name: 'global', budget: policy.budgets.global });
  return out;
}

/**
 * Spend per budget scope of the running policy, read from the durable counters. Every scope has
 * a daily counter; a month without its own counter (no monthly cap) is the sum of the month's
 * daily counters, which is exact because a daily counter is always kept.
 *
 * @example
 *   const rows = await spendByScope(bridle.store, bridle.policy, Date.now());
 */
export async function spendByScope(store: Store, policy: Policy, now: number): Promise<ScopeSpend[]> {
  const budgets = budgetsOf(policy);
  if (budgets.length === 0) return [];
  const { day, month } = policy.periods.at(now);
  const monthDays = `d:${month.slice(2)}-%`;
  const rows = await store.db
    .selectFrom('budget_usage')
    .select(['scope', 'period', 'spent_micro'])
    .where('scope', 'in', budgets.map((b) => b.budget.scope))
    .where((eb) => eb.or([eb('period', '=', month), eb('period', 'like', monthDays)]))
    .execute();
  const today = new Map<string, number>();
  const monthly = new Map<string, number>();
  const daysOfMonth = new Map<string, number>();
  for (const r of rows) {
    const spent = Number(r.spent_micro);
    if (r.period === day) today.set(r.scope, spent);
    if (r.period === month) monthly.set(r.scope, spent);
    else daysOfMonth.set(r.scope, (daysOfMonth.get(r.scope) ?? 0) + spent);
  }
  return budgets.map(({ kind, name, budget: b }) => ({
    scope: b.scope,
    kind,
    name,
    today: { spentMicroUsd: today.get(b.scope) ?? 0, capMicroUsd: b.daily },
    month: { spentMicroUsd: monthly.get(b.scope) ?? daysOfMonth.get(b.scope) ?? 0, capMicroUsd: b.monthly },
  }));
}
