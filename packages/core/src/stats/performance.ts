import { sql, type RawBuilder } from 'kysely';
import type { Store } from '../store/open.js';
import { byCodeUnit } from '../util/compare.js';

export type PerformanceBy = 'platform' | 'campaign';

/** Engagement and human-approval figures for one platform or campaign over a period. */
export interface PerformanceRow {
  /** The platform (`params.platform`) or campaign; `(none)` for actions without one. */
  key: string;
  actions: number;
  published: number;
  undone: number;
  blocked: number;
  failed: number;
  /** Sums of the latest engagement fetched for what was published. */
  engagement: { items: number; impressions: number; likes: number; comments: number; shares: number; clicks: number; saves: number };
  /** Human decisions: approved (then run or scheduled), rejected, expired, still pending; rate = approved / decided. */
  approvals: { approved: number; rejected: number; expired: number; pending: number; rate: number | null };
}

const NONE = '(none)';
const FIELDS = ['impressions', 'likes', 'comments', 'shares', 'clicks', 'saves'] as const;

/** `params.platform`, lower-cased, in each dialect's JSON syntax (params is stored as JSON text). */
function platformExpr(store: Store): RawBuilder<string | null> {
  return store.dialect === 'postgres' ? sql<string | null>`lower(cast(params as json) ->> 'platform')` : sql<string | null>`lower(json_extract(params, '$.platform'))`;
}

const empty = (key: string): PerformanceRow => ({
  key,
  actions: 0,
  published: 0,
  undone: 0,
  blocked: 0,
  failed: 0,
  engagement: { items: 0, impressions: 0, likes: 0, comments: 0, shares: 0, clicks: 0, saves: 0 },
  approvals: { approved: 0, rejected: 0, expired: 0, pending: 0, rate: null },
});

/**
 * Per platform or campaign since `since`: how many actions, what was published, undone, blocked,
 * how humans decided, and the engagement of what was published. One grouped query over the
 * `actions_created` index range plus the engagement rows of that range.
 *
 * @example
 *   const rows = await performance(store, { since: Date.now() - 7 * 86_400_000, by: 'platform' });
 */
export async function performance(store: Store, q: { since: number; by: PerformanceBy; type?: string }): Promise<PerformanceRow[]> {
  const keyExpr = q.by === 'platform' ? platformExpr(store) : sql<string | null>`campaign`;
  let counts = store.db
    .selectFrom('actions')
    .select([keyExpr.as('k'), 'status', sql<number>`count(*)`.as('n'), sql<number>`sum(case when decided_by is not null then 1 else 0 end)`.as('human')])
    .where('created_at', '>=', q.since)
    .groupBy([sql`1`, 'status']);
  if (q.type) counts = counts.where('type', '=', q.type);
  const rows = await counts.execute();
  const out = new Map<string, PerformanceRow>();
  const row = (k: string | null) => {
    const key = k ?? NONE;
    let r = out.get(key);
    if (!r) out.set(key, (r = empty(key)));
    return r;
  };
  for (const c of rows) {
    const r = row(c.k);
    const n = Number(c.n);
    const human = Number(c.human);
    r.actions += n;
    if (c.status === 'succeeded') r.published += n;
    if (c.status === 'undone') (r.published += n), (r.undone += n);
    if (c.status === 'blocked') r.blocked += n;
    if (c.status === 'failed') r.failed += n;
    if (c.status === 'rejected') r.approvals.rejected += n;
    else if (c.status === 'expired') r.approvals.expired += n;
    else if (c.status === 'awaiting_approval') r.approvals.pending += n;
    else r.approvals.approved += human;
  }
  let eng = store.db
    .selectFrom('engagement')
    .innerJoin('actions', 'actions.id', 'engagement.action_id')
    .select(['engagement.platform', 'engagement.campaign', 'engagement.data'])
    .where('actions.created_at', '>=', q.since);
  if (q.type) eng = eng.where('actions.type', '=', q.type);
  for (const e of await eng.execute()) {
    const r = row(q.by === 'platform' ? e.platform : e.campaign);
    r.engagement.items++;
    const d = JSON.parse(e.data) as Record<string, unknown>;
    for (const f of FIELDS) if (typeof d[f] === 'number' && Number.isFinite(d[f])) r.engagement[f] += d[f] as number;
  }
  for (const r of out.values()) {
    const decided = r.approvals.approved + r.approvals.rejected + r.approvals.expired;
    r.approvals.rate = decided === 0 ? null : Math.round((r.approvals.approved / decided) * 1000) / 1000;
  }
  return [...out.values()].sort((a, b) => b.actions - a.actions || byCodeUnit(a.key, b.key));
}
