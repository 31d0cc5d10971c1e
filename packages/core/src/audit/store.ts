import { availableParallelism } from 'node:os';
import { describeError } from '../errors.js';
import type { Store } from '../store/open.js';
import type { AuditRow } from './entry.js';
import type { TrustedKeys } from './signer.js';
import { Verification } from './verification.js';
import type { CheckpointRecord, VerifyReport } from './verify.js';
import { verifyParallel } from './verify-parallel.js';

const PAGE = 5000;

/**
 * All entries ordered by chain then position, read in keyset pages so memory stays flat. The
 * cursor is a row value, `(agent_id, seq) > (?, ?)`, which both dialects answer with an index
 * seek; the equivalent OR form made SQLite rescan the index for every page (quadratic verify).
 */
export async function* auditPages(store: Store, agentId?: string): AsyncGenerator<AuditRow[]> {
  let after: { agent: string; seq: number } | null = null;
  for (;;) {
    let q = store.db.selectFrom('audit').selectAll().orderBy('agent_id').orderBy('seq').limit(PAGE);
    if (agentId !== undefined) q = q.where('agent_id', '=', agentId);
    if (after) {
      const a = after;
      q = q.where((eb) => eb(eb.refTuple('agent_id', 'seq'), '>', eb.tuple(a.agent, a.seq)));
    }
    const rows = await q.execute();
    if (rows.length > 0) yield rows;
    if (rows.length < PAGE) return;
    const last = rows[rows.length - 1]!;
    after = { agent: last.agent_id, seq: last.seq };
  }
}

export async function* auditEntries(store: Store, agentId?: string): AsyncGenerator<AuditRow> {
  for await (const page of auditPages(store, agentId)) for (const r of page) yield r;
}

export async function* auditCheckpoints(store: Store): AsyncGenerator<CheckpointRecord> {
  let before: string | null = null;
  for (;;) {
    let q = store.db.selectFrom('checkpoints').selectAll().orderBy('id', 'desc').limit(1000);
    if (before !== null) q = q.where('id', '<', before);
    const rows = await q.execute();
    for (const r of rows) yield { id: r.id, ts: r.ts, heads: JSON.parse(r.heads) as CheckpointRecord['heads'], keyId: r.key_id, signature: r.signature };
    if (rows.length < 1000) return;
    before = rows[rows.length - 1]!.id;
  }
}

export interface VerifyStoreOptions {
  /**
   * Worker threads that verify an embedded store on a file, each a slice of the log (default:
   * the available parallelism, at least 2, at most 4). 0 or 1 verifies on the calling thread.
   * PostgreSQL and in-memory stores are always verified on the calling thread.
   */
  workers?: number;
  /** Fewest entries worth starting workers for (default 50,000). */
  parallelFrom?: number;
  /** Where slices after the first begin, as 0-based positions in (agent, seq) order, instead of equal slices (one worker each). For tests. */
  cuts?: readonly number[];
  /** Told how the log was verified; `fallback` (with the reason) when workers failed and it was verified on this thread instead. */
  onPath?: (path: 'parallel' | 'single' | 'fallback', why?: string) => void;
}

const PARALLEL_FROM = 50_000;

/** The database file of an embedded store, when there is one a worker could open. */
function sqliteFile(store: Store): string | null {
  const db = store.dialect === 'sqlite' ? store.sqlite : undefined;
  return db && !db.memory && db.name !== '' && db.name !== ':memory:' ? db.name : null;
}

/**
 * Verifies every chain of the store against its signed checkpoints (see verifyChains). A large
 * embedded log on a file is verified on worker threads (verify-parallel.ts); the report is the
 * same as the single-threaded one. Should a worker fail, the log is verified on this thread.
 */
export async function verifyStore(store: Store, trusted: TrustedKeys | null, opts: VerifyStoreOptions = {}): Promise<VerifyReport> {
  const file = sqliteFile(store);
  const workers = opts.cuts ? opts.cuts.length + 1 : (opts.workers ?? Math.min(Math.max(availableParallelism(), 2), 4));
  if (file && workers >= 2) {
    try {
      const r = await verifyParallel(file, trusted, { workers, minEntries: opts.parallelFrom ?? PARALLEL_FROM, cuts: opts.cuts });
      if (r) {
        opts.onPath?.('parallel');
        return r;
      }
    } catch (e) {
      opts.onPath?.('fallback', describeError(e));
      return verifyOnThisThread(store, trusted);
    }
  }
  opts.onPath?.('single');
  return verifyOnThisThread(store, trusted);
}

/** The checkpoints, then every entry in pages; rows go to the checks as they are, no copy per entry. */
async function verifyOnThisThread(store: Store, trusted: TrustedKeys | null): Promise<VerifyReport> {
  const v = await Verification.start(auditCheckpoints(store), trusted);
  if (!(v instanceof Verification)) return v;
  for await (const page of auditPages(store)) {
    for (const r of page) {
      const bad = v.entry(r.agent_id, r.seq, r.id, r.action_id, r.ts, r.kind, r.prev_hash, r.hash, r.body);
      if (bad) return bad;
    }
  }
  return v.end(false);
}

/**
 * JSON Lines export: a header, every entry (its hashed body parsed, so a reader can use it and
 * a verifier can re-canonicalise it), then the checkpoints. `bridle audit verify --file` checks it offline.
 */
export async function* exportAudit(store: Store, opts: { agentId?: string; exportedAt: number }): AsyncGenerator<string> {
  yield JSON.stringify({ type: 'header', format: 'bridle-audit/1', exportedAt: new Date(opts.exportedAt).toISOString(), ...(opts.agentId ? { agentId: opts.agentId } : {}) });
  for await (const r of auditEntries(store, opts.agentId)) {
    yield `{"type":"entry","hash":${JSON.stringify(r.hash)},"entry":${r.body}}`;
  }
  // Checkpoints are signed whole, so a one-agent export carries every checkpoint naming that agent.
  for await (const c of auditCheckpoints(store)) {
    if (opts.agentId === undefined || opts.agentId in c.heads) yield JSON.stringify({ type: 'checkpoint', ...c });
  }
}

export interface AuditPageQuery {
  agentId?: string;
  actionId?: string;
  /** Keyset cursor: the last entry id of the previous page. */
  after?: string;
  limit?: number;
}

/** Newest-first page of audit entries by id (ids are time-ordered), for APIs and dashboards. */
export async function auditPage(store: Store, q: AuditPageQuery): Promise<{ items: (AuditRow & { entry: unknown })[]; next: string | null }> {
  const limit = Math.min(Math.max(q.limit ?? 100, 1), 1000);
  let s = store.db.selectFrom('audit').selectAll().orderBy('id', 'desc').limit(limit + 1);
  if (q.agentId) s = s.where('agent_id', '=', q.agentId);
  if (q.actionId) s = s.where('action_id', '=', q.actionId);
  if (q.after) s = s.where('id', '<', q.after);
  const rows = await s.execute();
  const items = rows.slice(0, limit).map((r) => ({ ...r, entry: JSON.parse(r.body) as unknown }));
  return { items, next: rows.length > limit ? items[items.length - 1]!.id : null };
}
