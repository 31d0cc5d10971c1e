import { sql, type Kysely } from 'kysely';
import { sealEntry, GENESIS_HASH, type AuditInput, type AuditRow } from '../audit/entry.js';
import type { Signer } from '../audit/signer.js';
import { checkpointText } from '../audit/verify.js';
import { BridleError, describeError } from '../errors.js';
import type { Clock, IdGenerator } from '../util/clock.js';
import type { Store } from './open.js';
import type { ActionsTable, BudgetUsageTable, Database, IdempotencyTable, OutboxTable } from './schema.js';

/** Everything one caller needs made durable together. */
export interface WriteSet {
  audit?: AuditInput[];
  action?: ActionsTable;
  budget?: BudgetUsageTable;
  outbox?: OutboxTable;
  idempotency?: IdempotencyTable;
}

interface Pending {
  audit: AuditInput[];
  actions: Map<string, ActionsTable>;
  budgets: Map<string, BudgetUsageTable>;
  outbox: OutboxTable[];
  idem: IdempotencyTable[];
  waiters: { resolve: () => void; reject: (e: unknown) => void }[];
}

const empty = (): Pending => ({ audit: [], actions: new Map(), budgets: new Map(), outbox: [], idem: [], waiters: [] });

// SQLite allows 32,766 bound variables per statement; stay well under on both dialects.
const CHUNK = 500;

async function insertChunked<T extends keyof Database>(trx: Kysely<Database>, table: T, rows: readonly object[], conflict?: (b: never) => never): Promise<void> {
  for (let i = 0; i < rows.length; i += CHUNK) {
    let q = trx.insertInto(table).values(rows.slice(i, i + CHUNK) as never);
    if (conflict) q = q.onConflict(conflict as never);
    await q.execute();
  }
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
  /** Batches committed so far; the benchmark reports entries per batch from it. */
  batches = 0;

  constructor(
    private readonly store: Store,
    private readonly signer: Signer,
    private readonly ids: IdGenerator,
    private readonly clock: Clock,
  ) {}

  write(set: WriteSet): Promise<void> {
    if (this.closed) return Promise.reject(new BridleError('BRIDLE_E_SHUTTING_DOWN', 'Bridle is shutting down'));
    const p = this.pending;
    if (set.audit) for (const a of set.audit) p.audit.push(a);
    if (set.action) p.actions.set(set.action.id, set.action);
    if (set.budget) p.budgets.set(`${set.budget.agent_id}\u0000${set.budget.day}`, set.budget);
    if (set.outbox) p.outbox.push(set.outbox);
    if (set.idempotency) p.idem.push(set.idempotency);
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

  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
  }

  private async commit(b: Pending): Promise<void> {
    const pg = this.store.dialect === 'postgres';
    await inTransaction(this.store, async (trx) => {
      const rows: AuditRow[] = [];
      const heads = new Map<string, { seq: number; hash: string }>();
      if (b.audit.length > 0) {
        const chains = [...new Set(b.audit.map((a) => a.agentId))].sort();
        if (pg) {
          // Lock each chain's head row so instances sharing Postgres append in turn.
          await trx.insertInto('chain_heads').values(chains.map((c) => ({ agent_id: c, seq: 0, hash: GENESIS_HASH }))).onConflict((oc) => oc.column('agent_id').doNothing()).execute();
        }
        let q = trx.selectFrom('chain_heads').select(['agent_id', 'seq', 'hash']).where('agent_id', 'in', chains);
        if (pg) q = q.forUpdate();
        for (const h of await q.execute()) heads.set(h.agent_id, { seq: h.seq, hash: h.hash });
        for (const a of b.audit) {
          const h = heads.get(a.agentId) ?? { seq: 0, hash: GENESIS_HASH };
          const row = sealEntry(a, h.seq + 1, h.hash);
          rows.push(row);
          heads.set(a.agentId, { seq: row.seq, hash: row.hash });
        }
        await insertChunked(trx, 'audit', rows);
        await insertChunked(
          trx,
          'chain_heads',
          [...heads].map(([agent_id, h]) => ({ agent_id, seq: h.seq, hash: h.hash })),
          ((oc: any) => oc.column('agent_id').doUpdateSet((eb: any) => ({ seq: eb.ref('excluded.seq'), hash: eb.ref('excluded.hash') }))) as never,
        );
        const cp = { id: this.ids.next('cp'), ts: this.clock.now(), heads: Object.fromEntries(heads) };
        await trx.insertInto('checkpoints').values({ id: cp.id, ts: cp.ts, heads: JSON.stringify(cp.heads), key_id: this.signer.keyId, signature: this.signer.sign(checkpointText(cp)) }).execute();
      }
      if (b.actions.size > 0) {
        await insertChunked(
          trx,
          'actions',
          [...b.actions.values()],
          ((oc: any) =>
            oc.column('id').doUpdateSet((eb: any) => ({
              status: eb.ref('excluded.status'),
              params: eb.ref('excluded.params'),
              params_hash: eb.ref('excluded.params_hash'),
              reserved_micro: eb.ref('excluded.reserved_micro'),
              cost_micro: eb.ref('excluded.cost_micro'),
              decision: eb.ref('excluded.decision'),
              result: eb.ref('excluded.result'),
              error: eb.ref('excluded.error'),
              decided_by: eb.ref('excluded.decided_by'),
              updated_at: eb.ref('excluded.updated_at'),
              finished_at: eb.ref('excluded.finished_at'),
            }))) as never,
        );
      }
      if (b.budgets.size > 0) {
        await insertChunked(
          trx,
          'budget_usage',
          [...b.budgets.values()],
          ((oc: any) => oc.columns(['agent_id', 'day']).doUpdateSet((eb: any) => ({ spent_micro: eb.ref('excluded.spent_micro'), reserved_micro: eb.ref('excluded.reserved_micro') }))) as never,
        );
      }
      if (b.outbox.length > 0) await insertChunked(trx, 'outbox', b.outbox);
      if (b.idem.length > 0) await insertChunked(trx, 'idempotency_keys', b.idem, ((oc: any) => oc.columns(['agent_id', 'key']).doNothing()) as never);
    });
  }
}
