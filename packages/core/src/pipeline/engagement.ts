import { sql } from 'kysely';
import type { Engagement, PublishedRequest } from '../connectors/types.js';
import { BridleError, describeError } from '../errors.js';
import type { JsonObject } from '../json.js';
import type { DeskInternals } from './approval-desk.js';
import { fromRow } from './records.js';
import type { ActionRecord } from './types.js';

/** At most this many items are fetched per sweep, so a large backlog never floods a platform. */
const BATCH = 50;
const DAY = 86_400_000;

const platformOf = (rec: ActionRecord): string | null => (typeof rec.params.platform === 'string' ? rec.params.platform.toLowerCase() : null);

/** Fetches one action's engagement through its connector and stores it; null when the connector reports none. */
export async function fetchEngagement(x: DeskInternals, rec: ActionRecord): Promise<Engagement | null> {
  if (rec.status !== 'succeeded' || rec.mode !== 'execute') throw new BridleError('BRIDLE_E_INVALID_STATE', `Action ${rec.id} is ${rec.status}; engagement exists only for what Bridle published`);
  const { action } = x.compiled(rec);
  const c = action.connector;
  if (!c.engagement) return null;
  const req: PublishedRequest = { actionId: rec.id, agentId: rec.agentId, type: rec.type, params: rec.params, result: rec.result };
  const ctrl = new AbortController();
  const timer = setTimeout(() => ctrl.abort(new BridleError('BRIDLE_E_CONNECTOR_TIMEOUT', `engagement did not arrive within ${action.doc.timeout_ms} ms`)), action.doc.timeout_ms);
  try {
    const e = await c.engagement(req, { signal: ctrl.signal, clock: x.clock, ids: x.services.ids, write: (set) => x.writer.write(set) });
    if (!e) return null;
    const row = { action_id: rec.id, agent_id: rec.agentId, platform: platformOf(rec), campaign: rec.campaign, data: JSON.stringify(e), fetched_at: x.clock.now() };
    await x.store.db
      .insertInto('engagement')
      .values(row)
      .onConflict((oc) => oc.column('action_id').doUpdateSet({ data: row.data, fetched_at: row.fetched_at }))
      .execute();
    return e;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Refreshes engagement for items published within the policy's window whose last fetch is older
 * than the poll interval. Failures are skipped (the next sweep tries again); a platform that
 * fails is not asked again until the interval has passed, since its fetch time is not updated.
 */
export async function pollEngagement(x: DeskInternals): Promise<{ fetched: number; failed: { id: string; error: string }[] }> {
  const cfg = x.current.engagement;
  if (cfg.poll_minutes === 0) return { fetched: 0, failed: [] };
  const now = x.clock.now();
  const rows = await x.store.db
    .selectFrom('actions')
    .leftJoin('engagement', 'engagement.action_id', 'actions.id')
    .selectAll('actions')
    .where('actions.status', '=', 'succeeded')
    .where('actions.exec_mode', '=', 'execute')
    .where('actions.finished_at', '>=', now - cfg.window_days * DAY)
    .where((eb) => eb.or([eb('engagement.fetched_at', 'is', null), eb('engagement.fetched_at', '<', now - cfg.poll_minutes * 60_000)]))
    // Never fetched first (NULLs sort differently in SQLite and Postgres, so say it explicitly).
    .orderBy(sql`coalesce(engagement.fetched_at, 0)`)
    .limit(BATCH)
    .execute();
  let fetched = 0;
  const failed: { id: string; error: string }[] = [];
  for (const row of rows) {
    const rec = fromRow(row);
    try {
      if (!x.current.actions.get(rec.type)?.connector.engagement) continue;
      if (await fetchEngagement(x, rec)) fetched++;
    } catch (e) {
      failed.push({ id: rec.id, error: describeError(e) });
    }
  }
  return { fetched, failed };
}

/** The stored engagement of an action, if any was fetched. */
export async function storedEngagement(x: Pick<DeskInternals, 'store'>, id: string): Promise<{ data: JsonObject; fetchedAt: number } | null> {
  const row = await x.store.db.selectFrom('engagement').select(['data', 'fetched_at']).where('action_id', '=', id).executeTakeFirst();
  return row ? { data: JSON.parse(row.data) as JsonObject, fetchedAt: row.fetched_at } : null;
}
