import type { Store } from '../store/open.js';

/** What the sandbox connector recorded instead of publishing. */
export interface OutboxItem {
  id: string;
  actionId: string;
  agentId: string;
  type: string;
  params: Record<string, unknown>;
  /** `params.platform` when it is a string (x, linkedin, reddit, …), for previews. */
  platform: string | null;
  createdAt: number;
}

/**
 * Newest-first page of the outbox, keyset-paginated by id (ids are time-ordered); with an
 * agent, the `outbox_agent_id` index answers it.
 */
export async function outboxPage(store: Store, q: { agentId?: string | undefined; after?: string | undefined; limit?: number | undefined }): Promise<{ items: OutboxItem[]; next: string | null }> {
  const limit = Math.min(Math.max(Math.trunc(q.limit ?? 50), 1), 500);
  let s = store.db.selectFrom('outbox').selectAll().orderBy('id', 'desc').limit(limit + 1);
  if (q.agentId !== undefined) s = s.where('agent_id', '=', q.agentId);
  if (q.after !== undefined) s = s.where('id', '<', q.after);
  const rows = await s.execute();
  const items = rows.slice(0, limit).map((r): OutboxItem => {
    let payload: { type?: unknown; params?: unknown } = {};
    try {
      payload = JSON.parse(r.payload) as typeof payload;
    } catch {
      /* a row written by hand: show it without params */
    }
    const params = payload.params !== null && typeof payload.params === 'object' && !Array.isArray(payload.params) ? (payload.params as Record<string, unknown>) : {};
    return { id: r.id, actionId: r.action_id, agentId: r.agent_id, type: typeof payload.type === 'string' ? payload.type : r.connector, params, platform: typeof params.platform === 'string' ? params.platform : null, createdAt: Number(r.created_at) };
  });
  return { items, next: rows.length > limit ? items[items.length - 1]!.id : null };
}

export type AlertFeedStatus = 'pending' | 'sent' | 'failed' | 'suppressed';

/** An alert as operators see it: one per raised alert, whatever the number of channels it went to. */
export interface AlertFeedItem {
  id: string;
  kind: string;
  severity: string;
  title: string;
  text: string;
  agentId: string | null;
  createdAt: number;
  /** sent when any channel got it, pending while one still tries, failed when all gave up, suppressed when all were deduplicated or throttled. */
  status: AlertFeedStatus;
  channels: { channel: string; status: string; lastError: string | null }[];
}

function overall(statuses: string[]): AlertFeedStatus {
  if (statuses.includes('sent')) return 'sent';
  if (statuses.includes('pending')) return 'pending';
  if (statuses.includes('dead')) return 'failed';
  return 'suppressed';
}

/**
 * The newest alerts from the durable `alerts` table (rows are one per alert and channel; they
 * are folded into one item per alert). `since` returns only alerts created after that time,
 * oldest first, for live feeds.
 */
export async function recentAlerts(store: Store, q: { limit?: number | undefined; since?: number | undefined }): Promise<AlertFeedItem[]> {
  const limit = Math.min(Math.max(Math.trunc(q.limit ?? 50), 1), 500);
  let s = store.db.selectFrom('alerts').selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit * 8);
  if (q.since !== undefined) s = s.where('created_at', '>', q.since);
  const rows = await s.execute();
  const byAlert = new Map<string, AlertFeedItem & { statuses: string[] }>();
  for (const r of rows) {
    let a: { id?: unknown; kind?: unknown; severity?: unknown; title?: unknown; text?: unknown; agentId?: unknown } = {};
    try {
      a = JSON.parse(r.payload) as typeof a;
    } catch {
      /* keep the row visible with what the columns say */
    }
    const key = typeof a.id === 'string' ? a.id : r.id;
    let item = byAlert.get(key);
    if (!item) {
      if (byAlert.size >= limit) continue;
      item = {
        id: key,
        kind: typeof a.kind === 'string' ? a.kind : 'unknown',
        severity: typeof a.severity === 'string' ? a.severity : r.severity,
        title: typeof a.title === 'string' ? a.title : '',
        text: typeof a.text === 'string' ? a.text : '',
        agentId: typeof a.agentId === 'string' ? a.agentId : null,
        createdAt: Number(r.created_at),
        status: 'pending',
        channels: [],
        statuses: [],
      };
      byAlert.set(key, item);
    }
    item.channels.push({ channel: r.channel, status: r.status, lastError: r.last_error });
    item.statuses.push(r.status);
  }
  const out = [...byAlert.values()].map(({ statuses, ...rest }) => ({ ...rest, status: overall(statuses) }));
  return q.since !== undefined ? out.reverse() : out;
}
