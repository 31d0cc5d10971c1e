import { sql } from 'kysely';
import type { Store } from '../store/open.js';

/** One minute of activity. Counts are of actions received in that minute, by their status now. */
export interface OverviewPoint {
  /** Start of the bucket, epoch ms. */
  t: number;
  actions: number;
  /** Went ahead: allowed, approved, executing, succeeded, failed or undone. */
  allowed: number;
  /** Blocked by a check or a guard (not rejections by people). */
  blocked: number;
  /** Ran and failed. */
  errors: number;
  /** Human approvals and rejections recorded in that minute. */
  approvalsDecided: number;
  /** Median time from submission to a human decision, for the decisions in that minute. */
  approvalLatencyMsP50: number | null;
  /** Actual cost of the bucket's actions (the estimate while they are unsettled is not counted). */
  spendMicroUsd: number;
}

export interface OverviewSeries {
  bucketMs: number;
  points: OverviewPoint[];
  totals: { actions: number; blockRate: number; errorRate: number; pendingApprovals: number };
}

const BUCKET_MS = 60_000;
const WENT_AHEAD = new Set(['allowed', 'approved', 'executing', 'succeeded', 'failed', 'undone']);

function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : Math.round((s[m - 1]! + s[m]!) / 2);
}

/**
 * The dashboard's time series: the last `minutes` (1..1440) in one-minute buckets, zero-filled,
 * oldest first. Actions come from one range scan of the `actions_created` index, grouped in SQL
 * by minute and status, so the cost follows the window, not the table; decisions come from the
 * audit log's `audit_kind_ts` index.
 *
 * @example
 *   const s = await overviewSeries(bridle.store, Date.now(), 60);
 */
export async function overviewSeries(store: Store, now: number, minutes: number): Promise<OverviewSeries> {
  const n = Math.min(Math.max(Math.trunc(minutes), 1), 1440);
  // Buckets are aligned to the minute so a refresh within a minute shows the same buckets.
  const end = Math.floor(now / BUCKET_MS) * BUCKET_MS + BUCKET_MS;
  const start = end - n * BUCKET_MS;
  const points: OverviewPoint[] = Array.from({ length: n }, (_, i) => ({ t: start + i * BUCKET_MS, actions: 0, allowed: 0, blocked: 0, errors: 0, approvalsDecided: 0, approvalLatencyMsP50: null, spendMicroUsd: 0 }));
  // Literals, not parameters: Postgres must see the same expression in SELECT and GROUP BY.
  const bucket = sql<number>`(created_at - ${sql.lit(start)}) / ${sql.lit(BUCKET_MS)}`;
  const grouped = await store.db
    .selectFrom('actions')
    .select([bucket.as('b'), 'status', sql<number>`count(*)`.as('n'), sql<number | null>`sum(cost_micro)`.as('cost')])
    .where('created_at', '>=', start)
    .where('created_at', '<', end)
    .groupBy([bucket, 'status'])
    .execute();
  let actions = 0;
  let blocked = 0;
  let errors = 0;
  let ahead = 0;
  for (const r of grouped) {
    // Postgres returns bigint division as an integer, SQLite integer division too; sums may come back as strings.
    const p = points[Math.trunc(Number(r.b))];
    if (!p) continue;
    const count = Number(r.n);
    p.actions += count;
    p.spendMicroUsd += Number(r.cost ?? 0);
    if (r.status === 'blocked') p.blocked += count;
    if (r.status === 'failed') p.errors += count;
    if (WENT_AHEAD.has(r.status)) p.allowed += count;
  }
  for (const p of points) {
    actions += p.actions;
    blocked += p.blocked;
    errors += p.errors;
    ahead += p.allowed;
  }
  const decided = await store.db
    .selectFrom('audit as e')
    .innerJoin('actions as a', 'a.id', 'e.action_id')
    .select(['e.ts', 'a.created_at'])
    .where('e.kind', 'in', ['action.approved', 'action.rejected'])
    .where('e.ts', '>=', start)
    .where('e.ts', '<', end)
    .execute();
  const latencies = new Map<number, number[]>();
  for (const d of decided) {
    const i = Math.trunc((Number(d.ts) - start) / BUCKET_MS);
    const p = points[i];
    if (!p) continue;
    p.approvalsDecided++;
    let l = latencies.get(i);
    if (!l) latencies.set(i, (l = []));
    l.push(Math.max(0, Number(d.ts) - Number(d.created_at)));
  }
  for (const [i, l] of latencies) points[i]!.approvalLatencyMsP50 = median(l);
  const pending = await store.db.selectFrom('actions').select(sql<number>`count(*)`.as('n')).where('status', '=', 'awaiting_approval').executeTakeFirst();
  return {
    bucketMs: BUCKET_MS,
    points,
    totals: { actions, blockRate: actions === 0 ? 0 : blocked / actions, errorRate: ahead === 0 ? 0 : errors / ahead, pendingApprovals: Number(pending?.n ?? 0) },
  };
}
