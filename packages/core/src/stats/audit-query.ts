import { BridleError } from '../errors.js';
import { sha256Hex } from '../json.js';
import { GENESIS_HASH, type AuditRow } from '../audit/entry.js';
import { auditCheckpoints } from '../audit/store.js';
import type { Store } from '../store/open.js';

/** Filters of the dashboard's activity view. Every one is optional; all given ones must match. */
export interface AuditFilter {
  /** The chain: an agent id, or `_system`. */
  agentId?: string | undefined;
  actionId?: string | undefined;
  /** Entry kind, e.g. `action.blocked`, `agent.killed`. */
  kind?: string | undefined;
  /** The action status the entry moved to: the same as kind `action.<status>`. */
  status?: string | undefined;
  /** Inclusive lower and upper bounds of the entry time, epoch ms. */
  from?: number | undefined;
  to?: number | undefined;
}

export interface AuditFilterQuery extends AuditFilter {
  /** Keyset cursor: the id of the last entry of the previous page. */
  after?: string | undefined;
  limit?: number | undefined;
}

export type AuditItem = AuditRow & { entry: unknown };

/**
 * Newest-first page of audit entries, ordered by (ts, id). Each filter has an index that gives
 * this order directly (`audit_ts`, `audit_agent_ts`, `audit_kind_ts`, `audit_action`), so a
 * page is an index seek plus `limit` rows however large the log is; the cursor is an entry id,
 * resolved to its (ts, id) position.
 *
 * @example
 *   const page = await auditFilterPage(store, { agentId: 'growth-bot', status: 'blocked', limit: 50 });
 */
export async function auditFilterPage(store: Store, q: AuditFilterQuery): Promise<{ items: AuditItem[]; next: string | null }> {
  const limit = Math.min(Math.max(Math.trunc(q.limit ?? 100), 1), 1000);
  let cursor: { ts: number; id: string } | undefined;
  if (q.after !== undefined) {
    const at = await store.db.selectFrom('audit').select(['ts', 'id']).where('id', '=', q.after).executeTakeFirst();
    if (!at) throw new BridleError('BRIDLE_E_VALIDATION', `Unknown cursor "${q.after}": pass the \`next\` value of the previous page`, { issues: [{ path: 'query.after', message: 'unknown cursor' }] });
    cursor = { ts: Number(at.ts), id: at.id };
  }
  const s = auditFilterQuery(store, q, limit + 1, cursor);
  if (!s) return { items: [], next: null };
  const rows = await s.execute();
  const items = rows.slice(0, limit).map((r) => ({ ...r, seq: Number(r.seq), ts: Number(r.ts), entry: JSON.parse(r.body) as unknown }));
  return { items, next: rows.length > limit ? items[items.length - 1]!.id : null };
}

/** The page query itself (exported so tests can check its plan); null when the filters cannot match. */
export function auditFilterQuery(store: Store, q: AuditFilter, limit: number, cursor?: { ts: number; id: string }) {
  const kinds = [q.kind, q.status === undefined ? undefined : `action.${q.status}`].filter((k): k is string => k !== undefined);
  // A kind and a status that disagree can match nothing.
  if (kinds.length === 2 && kinds[0] !== kinds[1]) return null;
  let s = store.db.selectFrom('audit').selectAll().orderBy('ts', 'desc').orderBy('id', 'desc').limit(limit);
  if (q.agentId !== undefined) s = s.where('agent_id', '=', q.agentId);
  if (q.actionId !== undefined) s = s.where('action_id', '=', q.actionId);
  if (kinds[0] !== undefined) s = s.where('kind', '=', kinds[0]);
  if (q.from !== undefined) s = s.where('ts', '>=', q.from);
  if (q.to !== undefined) s = s.where('ts', '<=', q.to);
  if (cursor) s = s.where((eb) => eb(eb.refTuple('ts', 'id'), '<', eb.tuple(cursor.ts, cursor.id)));
  return s;
}

export interface EntryVerification {
  ok: boolean;
  hashMatches: boolean;
  linksToPrevious: boolean;
  message: string;
}

/**
 * One entry and a check of it alone: its hash recomputed from the stored body, and its link to
 * the entry before it in its chain. (The whole log, with signed checkpoints, is checked by
 * `bridle audit verify`.) Null when there is no such entry.
 */
export async function auditEntryWithVerification(store: Store, id: string): Promise<{ item: AuditItem; verification: EntryVerification } | null> {
  const r = await store.db.selectFrom('audit').selectAll().where('id', '=', id).executeTakeFirst();
  if (!r) return null;
  const seq = Number(r.seq);
  const item: AuditItem = { ...r, seq, ts: Number(r.ts), entry: safeParse(r.body) };
  const hashMatches = sha256Hex(r.body) === r.hash;
  const body = item.entry as { prevHash?: unknown; seq?: unknown; id?: unknown } | null;
  const bodyAgrees = body !== null && body.prevHash === r.prev_hash && body.seq === seq && body.id === r.id;
  let linksToPrevious: boolean;
  let why: string;
  if (seq === 1) {
    linksToPrevious = r.prev_hash === GENESIS_HASH;
    why = linksToPrevious ? 'it is the first entry of its chain' : 'it is the first entry of its chain but does not start from the genesis hash';
  } else {
    const prev = await store.db.selectFrom('audit').select(['hash']).where('agent_id', '=', r.agent_id).where('seq', '=', seq - 1).executeTakeFirst();
    linksToPrevious = prev !== undefined && prev.hash === r.prev_hash;
    why = prev === undefined ? `entry ${seq - 1} of chain ${r.agent_id} is missing` : linksToPrevious ? `it names the hash of entry ${seq - 1} of chain ${r.agent_id}` : `its previous hash is not the hash of entry ${seq - 1} of chain ${r.agent_id}`;
  }
  const ok = hashMatches && linksToPrevious && bodyAgrees;
  const message = ok
    ? `Verified: the hash matches the recorded body and ${why}.`
    : [!hashMatches ? 'the recorded body does not hash to the stored hash (altered)' : null, !bodyAgrees ? 'the row disagrees with its hashed body' : null, !linksToPrevious ? why : null].filter(Boolean).join('; ');
  return { item, verification: { ok, hashMatches, linksToPrevious, message: ok ? message : `Broken: ${message}.` } };
}

function safeParse(body: string): unknown {
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return null;
  }
}

const PAGE = 2000;

/**
 * The JSON Lines export of `bridle audit export` (header, entries, checkpoints), optionally
 * limited to a time window. A windowed export holds chain fragments, so it verifies offline only
 * as a partial log; the header says which window it covers.
 */
export async function* exportAuditWindow(store: Store, opts: { agentId?: string | undefined; from?: number | undefined; to?: number | undefined; exportedAt: number }): AsyncGenerator<string> {
  const window = opts.from !== undefined || opts.to !== undefined;
  yield JSON.stringify({
    type: 'header',
    format: 'bridle-audit/1',
    exportedAt: new Date(opts.exportedAt).toISOString(),
    ...(opts.agentId ? { agentId: opts.agentId } : {}),
    ...(opts.from !== undefined ? { from: new Date(opts.from).toISOString() } : {}),
    ...(opts.to !== undefined ? { to: new Date(opts.to).toISOString() } : {}),
  });
  let after: { agent: string; seq: number } | null = null;
  for (;;) {
    let q = store.db.selectFrom('audit').select(['agent_id', 'seq', 'hash', 'body', 'ts']).orderBy('agent_id').orderBy('seq').limit(PAGE);
    if (opts.agentId !== undefined) q = q.where('agent_id', '=', opts.agentId);
    if (opts.from !== undefined) q = q.where('ts', '>=', opts.from);
    if (opts.to !== undefined) q = q.where('ts', '<=', opts.to);
    if (after) {
      const a = after;
      q = q.where((eb) => eb(eb.refTuple('agent_id', 'seq'), '>', eb.tuple(a.agent, a.seq)));
    }
    const rows = await q.execute();
    for (const r of rows) yield `{"type":"entry","hash":${JSON.stringify(r.hash)},"entry":${r.body}}`;
    if (rows.length < PAGE) break;
    const last = rows[rows.length - 1]!;
    after = { agent: last.agent_id, seq: Number(last.seq) };
  }
  for await (const c of auditCheckpoints(store)) {
    if (opts.agentId !== undefined && !(opts.agentId in c.heads)) continue;
    if (window && ((opts.from !== undefined && Number(c.ts) < opts.from) || (opts.to !== undefined && Number(c.ts) > opts.to))) continue;
    yield JSON.stringify({ type: 'checkpoint', ...c });
  }
}
