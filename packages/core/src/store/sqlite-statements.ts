import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type SqliteDatabase from 'better-sqlite3';
import type { AuditInput, AuditRow } from '../audit/entry.js';
import { ACTION_COLUMNS, ACTION_UPDATE_COLUMNS, type Batch, type Head } from './batch.js';
import type { CheckpointsTable } from './schema.js';

export interface SqliteStatements {
  commit(b: Batch, checkpoint: (heads: Map<string, Head>, chains: Iterable<string>) => CheckpointsTable, seal: (a: readonly AuditInput[], heads: Map<string, Head>) => AuditRow[]): void;
  close(): Promise<void>;
}

/**
 * The embedded store's write path: the same tables and rows as the Kysely path, through
 * statements prepared once, in one synchronous BEGIN IMMEDIATE transaction per batch.
 */
export function sqliteStatements(db: SqliteDatabase.Database): SqliteStatements {
  const audit = db.prepare('INSERT INTO audit (agent_id, seq, id, action_id, ts, kind, prev_hash, hash, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
  const getHead = db.prepare('SELECT seq, hash FROM chain_heads WHERE agent_id = ?');
  const putHead = db.prepare('INSERT INTO chain_heads (agent_id, seq, hash) VALUES (?, ?, ?) ON CONFLICT (agent_id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash');
  const checkpoint = db.prepare('INSERT INTO checkpoints (id, ts, heads, key_id, signature) VALUES (?, ?, ?, ?, ?)');
  const action = db.prepare(
    `INSERT INTO actions (${ACTION_COLUMNS.join(', ')}) VALUES (${ACTION_COLUMNS.map(() => '?').join(', ')}) ` +
      `ON CONFLICT (id) DO UPDATE SET ${ACTION_UPDATE_COLUMNS.map((c) => `${c} = excluded.${c}`).join(', ')}`,
  );
  const budget = db.prepare('INSERT INTO budget_usage (scope, period, spent_micro, reserved_micro) VALUES (?, ?, ?, ?) ON CONFLICT (scope, period) DO UPDATE SET spent_micro = excluded.spent_micro, reserved_micro = excluded.reserved_micro');
  const outbox = db.prepare('INSERT INTO outbox (id, action_id, agent_id, connector, payload, created_at) VALUES (?, ?, ?, ?, ?, ?)');
  const outboxDelete = db.prepare('DELETE FROM outbox WHERE id = ?');
  const payload = db.prepare('INSERT INTO llm_payloads (action_id, request, response, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (action_id) DO UPDATE SET request = excluded.request, response = excluded.response, created_at = excluded.created_at');
  const idem = db.prepare('INSERT INTO idempotency_keys (agent_id, key, action_id, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (agent_id, key) DO NOTHING');

  const run = db.transaction((b: Batch, cp: Parameters<SqliteStatements['commit']>[1], seal: Parameters<SqliteStatements['commit']>[2]) => {
    if (b.audit.length > 0) {
      const heads = new Map<string, Head>();
      for (const a of b.audit) {
        if (heads.has(a.agentId)) continue;
        const h = getHead.get(a.agentId) as Head | undefined;
        if (h) heads.set(a.agentId, h);
      }
      const chains = [...new Set(b.audit.map((a) => a.agentId))];
      for (const r of seal(b.audit, heads)) audit.run(r.agent_id, r.seq, r.id, r.action_id, r.ts, r.kind, r.prev_hash, r.hash, r.body);
      for (const c of chains) {
        const h = heads.get(c)!;
        putHead.run(c, h.seq, h.hash);
      }
      const c = cp(heads, chains);
      checkpoint.run(c.id, c.ts, c.heads, c.key_id, c.signature);
    }
    for (const r of b.actions.values()) action.run(ACTION_COLUMNS.map((c) => r[c]));
    for (const r of b.budgets.values()) budget.run(r.scope, r.period, r.spent_micro, r.reserved_micro);
    for (const r of b.outbox) outbox.run(r.id, r.action_id, r.agent_id, r.connector, r.payload, r.created_at);
    for (const id of b.outboxDeletes) outboxDelete.run(id);
    for (const r of b.idem) idem.run(r.agent_id, r.key, r.action_id, r.created_at);
    for (const r of b.payloads.values()) payload.run(r.action_id, r.request, r.response, r.created_at);
  });

  // Each batch commits under the connection's own synchronous=FULL: SQLite syncs the WAL before
  // the commit returns, so no other request can read a batch before it is on disk (a sync moved off
  // the event loop would let reads see, and answer with, state a crash could still lose).
  const wal = !db.memory && db.pragma('journal_mode', { simple: true }) === 'wal';
  const checkpointer = wal ? startCheckpointer(db) : null;

  return {
    commit: (b, cp, seal) => run.immediate(b, cp, seal),
    close: async () => {
      await checkpointer?.stop();
    },
  };
}

// A worker's own connection, checkpointing the WAL into the database every CHECKPOINT_MS.
const CHECKPOINT_MS = 200;
const CHECKPOINTER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma('busy_timeout = 1000');
db.pragma('cache_size = -2000');
const tick = () => { try { db.pragma('wal_checkpoint(PASSIVE)'); } catch {} };
const timer = setInterval(tick, workerData.everyMs);
parentPort.on('message', () => { clearInterval(timer); tick(); db.close(); parentPort.close(); });
`;

/**
 * SQLite checkpoints the WAL into the database inside whichever commit crosses 1,000 pages:
 * megabytes written and two fsyncs on the event loop, a fifth of the gateway's time under load.
 * A worker thread does it instead, with a PASSIVE checkpoint (it never blocks a writer) on its
 * own connection. Should the worker die, the connection checkpoints for itself again.
 */
function startCheckpointer(db: SqliteDatabase.Database): { stop(): Promise<void> } {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(CHECKPOINTER, { eval: true, workerData: { driver, file: db.name, everyMs: CHECKPOINT_MS } });
  worker.unref();
  db.pragma('wal_autocheckpoint = 0');
  let stopped = false;
  const fallback = () => {
    if (!stopped && db.open) db.pragma('wal_autocheckpoint = 1000');
  };
  worker.on('error', fallback);
  const exited = new Promise<void>((resolve) => worker.once('exit', () => (fallback(), resolve())));
  return {
    async stop() {
      worker.postMessage('stop');
      const t = setTimeout(() => void worker.terminate(), 2000);
      await exited;
      clearTimeout(t);
      stopped = true;
      if (db.open) db.pragma('wal_autocheckpoint = 1000');
    },
  };
}
