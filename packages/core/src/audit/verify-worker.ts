/**
 * A worker thread of the parallel audit verify (verify-parallel.ts): it opens its own read-only
 * connection at once, so that happens while the main thread checks the signed checkpoints,
 * then waits for its slice, walks it with the same per-entry checks as the single-threaded
 * verify, and posts what it found.
 */
import { createRequire } from 'node:module';
import { parentPort, workerData } from 'node:worker_threads';
import type SqliteDatabase from 'better-sqlite3';
import { ChainWalker, type Marks, type Segment, type SliceResult } from './walk.js';

export interface WorkerInit {
  /** The better-sqlite3 module's resolved path: this file may run from a copy outside the package. */
  driver: string;
  file: string;
  /**
   * Set to 1 by the main thread when it no longer needs this slice (another slice already broke).
   * The worker stops at its next check and exits on its own: terminating a thread while it is
   * inside SQLite can bring the whole process down (better-sqlite3 #1476, #1507).
   */
  cancel: Int32Array;
}

/** One slice of the log in (agent_id, seq) order. */
export interface SliceJob {
  from: [string, number];
  /** The next slice's first entry (exclusive), or the last entry when verification started (inclusive). */
  to: [string, number];
  toInclusive: boolean;
  /** Rows appended after verification started have larger rowids and are left out. */
  maxRowid: number;
  marks: Marks;
  /** Rows per keyset page: each page is its own read, so none holds back the WAL checkpointer for long. */
  page: number;
}

const COLUMNS = 'agent_id, seq, id, action_id, ts, kind, prev_hash, hash, body';

/** Rows between two looks at the cancel flag: a few milliseconds of work. */
const CANCEL_EVERY = 1024;

function walkSlice(db: SqliteDatabase.Database, job: SliceJob, cancel: Int32Array): SliceResult | null {
  // `+rowid` keeps the planner on the primary-key index, which yields the order for free.
  const sql = (lower: '>=' | '>') =>
    `SELECT ${COLUMNS} FROM audit WHERE (agent_id, seq) ${lower} (?, ?) AND (agent_id, seq) ${job.toInclusive ? '<=' : '<'} (?, ?) AND +rowid <= ? ORDER BY agent_id, seq LIMIT ?`;
  const first = db.prepare(sql('>=')).raw();
  const next = db.prepare(sql('>')).raw();
  const walker = new ChainWalker(job.marks);
  const segments: Segment[] = [];
  let seg: Segment | null = null;
  const close = (s: Segment) => {
    s.lastSeq = walker.expectSeq - 1;
    s.lastHash = walker.prev;
    s.lastCovered = walker.lastCovered;
    segments.push(s);
  };
  let [agent, at] = job.from;
  for (let stmt = first; ; stmt = next) {
    let rows = 0;
    for (const r of stmt.iterate(agent, at, job.to[0], job.to[1], job.maxRowid, job.page) as IterableIterator<unknown[]>) {
      rows++;
      if (rows % CANCEL_EVERY === 0 && Atomics.load(cancel, 0) !== 0) return null;
      const agentId = r[0] as string;
      const seq = r[1] as number;
      const id = r[2] as string;
      const prevHash = r[6] as string;
      if (seg === null || agentId !== walker.chain) {
        if (seg) close(seg);
        walker.begin(agentId, seq, prevHash);
        seg = { agentId, firstSeq: seq, firstId: id, firstPrevHash: prevHash, count: 0, lastSeq: 0, lastHash: '', lastCovered: 0 };
      }
      const broken = walker.step(seq, id, r[3] as string | null, r[4] as number, r[5] as string, prevHash, r[7] as string, r[8] as string);
      if (broken) {
        const starts = seg.count === 0;
        if (!starts) close(seg);
        return { segments, failure: { starts, agentId, seq, id, prevHash, broken } };
      }
      seg.count++;
      agent = agentId;
      at = seq;
    }
    if (rows < job.page) break;
  }
  if (seg) close(seg);
  return { segments, failure: null };
}

/** What a worker posts when it could not walk its slice. */
export interface SliceError {
  error: string;
}

// Nothing is thrown out of this thread: failures are posted, the connection is closed, and the
// thread exits by itself once its loop is empty. A thread that dies on an uncaught error with a
// connection open can crash the process while its isolate is torn down (better-sqlite3 #1476).
const { driver, file, cancel } = workerData as WorkerInit;
const message = (e: unknown) => (e instanceof Error ? e.message : String(e));
let db: SqliteDatabase.Database | null = null;
let openError: string | null = null;
try {
  const Database = createRequire(import.meta.url)(driver) as typeof SqliteDatabase;
  db = new Database(file, { readonly: true, fileMustExist: true });
} catch (e) {
  openError = `cannot open ${file}: ${message(e)}`;
}
// A job, or null when the main thread needs none (the checkpoints already failed, or it is done).
parentPort!.once('message', (job: SliceJob | null) => {
  try {
    if (!job || Atomics.load(cancel, 0) !== 0) return;
    if (!db) return void parentPort!.postMessage({ error: openError ?? 'no connection' } satisfies SliceError);
    const result = walkSlice(db, job, cancel);
    if (result) parentPort!.postMessage(result);
  } catch (e) {
    parentPort!.postMessage({ error: message(e) } satisfies SliceError);
  } finally {
    db?.close();
  }
});
