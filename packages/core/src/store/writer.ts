import { sql, type Kysely } from 'kysely';
import { sealEntry, GENESIS_HASH, type AuditInput, type AuditRow } from '../audit/entry.js';
import type { Signer } from '../audit/signer.js';
import { checkpointText } from '../audit/verify.js';
import { BridleError, describeError } from '../errors.js';
import type { Clock, IdGenerator } from '../util/clock.js';
import type { Store } from './open.js';
import type { ActionsTable, BudgetUsageTable, CheckpointsTable, Database, IdempotencyTable, OutboxTable } from './schema.js';
import type { Batch, Head, LlmPayloadRow } from './batch.js';
import { sqliteStatements, type SqliteStatements } from './sqlite-statements.js';

/** Everything one caller needs made durable together. */
export interface WriteSet {
  audit?: AuditInput[];
  action?: ActionsTable;
  /** Ledger snapshots (embedded store only: Postgres counters are updated in place). */
  budgets?: readonly BudgetUsageTable[];
  outbox?: OutboxTable;
  /** The id of an outbox row to remove: the sandbox's "delete the post". */
  outboxDelete?: string;
  idempotency?: IdempotencyTable;
  /** A gateway call's stored bodies (`gateway.audit.record: full`), upserted by action id. */
  llmPayload?: LlmPayloadRow;
}

interface Pending extends Batch {
  waiters: { resolve: () => void; reject: (e: unknown) => void }[];
}

const empty = (): Pending => ({ audit: [], actions: new Map(), budgets: new Map(), outbox: [], outboxDeletes: [], idem: [], payloads: new Map(), waiters: [] });

/** Assigns each entry its place in its chain, starting from the heads read inside the transaction. */
function seal(audit: readonly AuditInput[], heads: Map<string, Head>): AuditRow[] {
  const rows: AuditRow[] = new Array(audit.length);
  for (let i = 0; i < audit.length; i++) {
    const a = audit[i]!;
    const h = heads.get(a.agentId) ?? { seq: 0, hash: GENESIS_HASH };
    const row = sealEntry(a, h.seq + 1, h.hash);
    rows[i] = row;
    heads.set(a.agentId, { seq: row.seq, hash: row.hash });
  }
  return rows;
}

/**
 * A write transaction. On SQLite it starts with BEGIN IMMEDIATE: another process (the CLI) may
 * write too, and a deferred transaction that upgrades after someone else committed fails at
 * once with SQLITE_BUSY_SNAPSHOT instead of waiting its turn.
 */
export async function inTransaction<T>(store: Store, body: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
  if (store.dialect === 'postgres') return store.db.transaction().execute(body);
  return store.db.connection().execute(async (conn) => {
    await sql`begin immediate`.execute(conn);
    try {
      const out = await body(conn);
      await sql`commit`.execute(conn);
      return out;
    } catch (e) {
      await sql`rollback`.execute(conn).catch(() => {});
      throw e;
    }
  });
}

// PostgreSQL allows 65,535 bound parameters per statement; stay well under.
const CHUNK = 500;

function* chunks<T>(rows: readonly T[]): Generator<T[]> {
  for (let i = 0; i < rows.length; i += CHUNK) yield rows.slice(i, i + CHUNK);
}

/**
 * Group commit (invariant 3): callers enqueue what must be durable and await it; everything
 * enqueued while a transaction is in flight goes into the next one. One commit, one fsync and
 * one signed checkpoint per batch instead of per entry.
 */
export class GroupCommitWriter {
  private pending = empty();
  private flushing: Promise<void> | null = null;
  private scheduled = false;
  private closed = false;
  private readonly stmts: SqliteStatements | undefined;
  /** Batches committed so far; the benchmark reports entries per batch from it. */
  batches = 0;

  constructor(
    private readonly store: Store,
    private readonly signer: Signer,
    private readonly ids: IdGenerator,
    private readonly clock: Clock,
  ) {
    // SQLite: cached prepared statements in one synchronous transaction. Kysely prepares every
    // statement anew on each call, which cost more than the inserts themselves on this path.
    this.stmts = store.sqlite ? sqliteStatements(store.sqlite) : undefined;
  }

  write(set: WriteSet): Promise<void> {
    if (this.closed) return Promise.reject(new BridleError('BRIDLE_E_SHUTTING_DOWN', 'Bridle is shutting down'));
    const p = this.pending;
    if (set.audit) for (const a of set.audit) p.audit.push(a);
    if (set.action) p.actions.set(set.action.id, set.action);
    if (set.budgets) for (const b of set.budgets) p.budgets.set(`${b.scope}|${b.period}`, b);
    if (set.outbox) p.outbox.push(set.outbox);
    if (set.outboxDelete) p.outboxDeletes.push(set.outboxDelete);
    if (set.idempotency) p.idem.push(set.idempotency);
    if (set.llmPayload) p.payloads.set(set.llmPayload.action_id, set.llmPayload);
    const done = new Promise<void>((resolve, reject) => p.waiters.push({ resolve, reject }));
    this.schedule();
    return done;
  }

  private schedule(): void {
    if (this.scheduled || this.flushing) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  /** Commits what is pending now; resolves when it (and anything it was waiting behind) is durable. */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    const batch = this.pending;
    if (batch.waiters.length === 0) return;
    this.pending = empty();
    this.flushing = this.commit(batch).then(
      () => {
        this.batches++;
        for (const w of batch.waiters) w.resolve();
      },
      (e: unknown) => {
        const err = new BridleError('BRIDLE_E_STORE', `Could not make the write durable: ${describeError(e)}`);
        for (const w of batch.waiters) w.reject(err);
      },
    );
    await this.flushing;
    this.flushing = null;
    if (this.pending.waiters.length > 0) this.schedule();
  }

  /** Flushes until nothing accepted is left (a write may arrive while a batch commits), then refuses new ones. */
  async close(): Promise<void> {
    do await this.flush();
    while (this.pending.waiters.length > 0 || this.flushing);
    this.closed = true;
    await this.stmts?.close();
  }

  private checkpoint(heads: Map<string, Head>, chains: Iterable<string>): CheckpointsTable {
    const touched: Record<string, Head> = {};
    for (const c of chains) touched[c] = heads.get(c)!;
    const cp = { id: this.ids.next('cp'), ts: this.clock.now(), heads: touched };
    return { id: cp.id, ts: cp.ts, heads: JSON.stringify(touched), key_id: this.signer.keyId, signature: this.signer.sign(checkpointText(cp)) };
  }

  private async commit(b: Pending): Promise<void> {
    if (this.stmts) return this.stmts.commit(b, (heads, chains) => this.checkpoint(heads, chains), seal);
    await this.store.db.transaction().execute(async (trx) => {
      if (b.audit.length > 0) {
        const chains = [...new Set(b.audit.map((a) => a.agentId))].sort();
        // Lock each chain's head row so instances sharing Postgres append in turn.
        await trx.insertInto('chain_heads').values(chains.map((c) => ({ agent_id: c, seq: 0, hash: GENESIS_HASH }))).onConflict((oc) => oc.column('agent_id').doNothing()).execute();
        const heads = new Map<string, Head>();
        for (const h of await trx.selectFrom('chain_heads').select(['agent_id', 'seq', 'hash']).where('agent_id', 'in', chains).forUpdate().execute()) heads.set(h.agent_id, { seq: h.seq, hash: h.hash });
        for (const rows of chunks(seal(b.audit, heads))) await trx.insertInto('audit').values(rows).execute();
        await trx
          .insertInto('chain_heads')
          .values(chains.map((c) => ({ agent_id: c, ...heads.get(c)! })))
          .onConflict((oc) => oc.column('agent_id').doUpdateSet((eb) => ({ seq: eb.ref('excluded.seq'), hash: eb.ref('excluded.hash') })))
          .execute();
        await trx.insertInto('checkpoints').values(this.checkpoint(heads, chains)).execute();
      }
      for (const rows of chunks([...b.actions.values()])) {
        await trx
          .insertInto('actions')
          .values(rows)
          .onConflict((oc) =>
            oc.column('id').doUpdateSet((eb) => ({
              status: eb.ref('excluded.status'),
              params: eb.ref('excluded.params'),
              params_hash: eb.ref('excluded.params_hash'),
              reserved_micro: eb.ref('excluded.reserved_micro'),
              budget_keys: eb.ref('excluded.budget_keys'),
              cost_micro: eb.ref('excluded.cost_micro'),
              decision: eb.ref('excluded.decision'),
              result: eb.ref('excluded.result'),
              error: eb.ref('excluded.error'),
              decided_by: eb.ref('excluded.decided_by'),
              updated_at: eb.ref('excluded.updated_at'),
              finished_at: eb.ref('excluded.finished_at'),
            })),
          )
          .execute();
      }
      // Budgets on Postgres are updated atomically in place by the ledger, never from snapshots.
      for (const rows of chunks(b.outbox)) await trx.insertInto('outbox').values(rows).execute();
      for (const ids of chunks(b.outboxDeletes)) await trx.deleteFrom('outbox').where('id', 'in', ids).execute();
      for (const rows of chunks(b.idem)) await trx.insertInto('idempotency_keys').values(rows).onConflict((oc) => oc.columns(['agent_id', 'key']).doNothing()).execute();
      const payloads = trx.withTables<{ llm_payloads: LlmPayloadRow }>();
      for (const rows of chunks([...b.payloads.values()])) {
        await payloads
          .insertInto('llm_payloads')
          .values(rows)
          .onConflict((oc) => oc.column('action_id').doUpdateSet((eb) => ({ request: eb.ref('excluded.request'), response: eb.ref('excluded.response'), created_at: eb.ref('excluded.created_at') })))
          .execute();
      }
    });
  }
}
