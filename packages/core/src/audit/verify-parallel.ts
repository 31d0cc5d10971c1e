import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import type { CheckpointsTable } from '../store/schema.js';
import type { TrustedKeys } from './signer.js';
import { Verification } from './verification.js';
import type { CheckpointRecord, VerifyReport } from './verify.js';
import type { SliceError, SliceJob, WorkerInit } from './verify-worker.js';
import type { SliceResult } from './walk.js';
import { verifyWorkerUrl } from './worker-url.js';

export interface ParallelPlan {
  /** How many slices, hence workers. */
  workers: number;
  /** Below this many entries, verify on the calling thread instead (returns null). */
  minEntries: number;
  /** Where slices after the first begin (0-based positions in log order), instead of equal slices. */
  cuts?: readonly number[] | undefined;
  /** Rows a worker reads per query (default 20,000). */
  page?: number;
}

/**
 * Verifies an embedded store's log on worker threads: it is cut into contiguous slices in
 * (agent_id, seq) order, each worker reads and checks one over its own read-only connection,
 * and the main thread joins them in order (what a worker cannot know: the first entry of each
 * of its runs links to the end of the previous slice) and builds the same report as the
 * single-threaded verify. Resolves null when the log is too short to be worth it; rejects when
 * a worker or the file fails, and the caller then verifies on its own thread.
 *
 * The checkpoints, the slice bounds and the highest rowid are read in one read transaction, so
 * what is verified is exactly the log at that moment: rows appended meanwhile (higher rowids)
 * are left to the next verification, and no checkpoint names entries the slices leave out.
 */
export async function verifyParallel(file: string, trusted: TrustedKeys | null, plan: ParallelPlan): Promise<VerifyReport | null> {
  const snap = new Database(file, { readonly: true, fileMustExist: true });
  /** Each worker with the promise of its exit, taken when it starts so an early exit is not missed. */
  const workers = new Map<Worker, Promise<void>>();
  const cancel = new Int32Array(new SharedArrayBuffer(4));
  const sent = new Set<Worker>();
  try {
    snap.exec('BEGIN');
    const n = snap.prepare('SELECT count(*) FROM audit').pluck().get() as number;
    if (n < Math.max(plan.minEntries, 2)) return null;
    const starts = sliceStarts(n, plan);
    const init: WorkerInit = { driver: createRequire(import.meta.url).resolve('better-sqlite3'), file, cancel };
    const url = await verifyWorkerUrl();
    const results: Promise<SliceResult>[] = [];
    for (let i = 0; i < starts.length; i++) {
      const w = new Worker(url, { workerData: init });
      workers.set(w, new Promise((resolve) => w.once('exit', () => resolve())));
      results.push(resultOf(w));
      // Awaited in order below; a later worker may fail first, and that must not go unhandled meanwhile.
      results[i]!.catch(() => {});
    }

    const keyAt = snap.prepare('SELECT agent_id, seq FROM audit ORDER BY agent_id, seq LIMIT 1 OFFSET ?').raw();
    const keys = starts.map((o) => keyAt.get(o) as [string, number]);
    const last = snap.prepare('SELECT agent_id, seq FROM audit ORDER BY agent_id DESC, seq DESC LIMIT 1').raw().get() as [string, number];
    const maxRowid = snap.prepare('SELECT max(rowid) FROM audit').pluck().get() as number;
    const v = await Verification.start(checkpoints(snap), trusted);
    snap.exec('COMMIT');
    if (!(v instanceof Verification)) return v;

    [...workers.keys()].forEach((w, i) => {
      const job: SliceJob = { from: keys[i]!, to: keys[i + 1] ?? last, toInclusive: i === keys.length - 1, maxRowid, marks: v.expected, page: plan.page ?? 20_000 };
      w.postMessage(job);
      sent.add(w);
    });
    for (const r of results) {
      const bad = v.slice(await r);
      if (bad) return bad;
    }
    return v.end(false);
  } finally {
    if (snap.inTransaction) snap.exec('ROLLBACK');
    snap.close();
    await stopAll(workers, sent, cancel);
  }
}

/**
 * Lets every worker finish on its own: busy ones see the cancel flag within a few milliseconds,
 * idle ones are told there is no job. Only a worker that has not exited after STOP_MS is
 * terminated; a thread terminated inside a SQLite call can abort the process.
 */
const STOP_MS = 5000;
async function stopAll(workers: ReadonlyMap<Worker, Promise<void>>, sent: ReadonlySet<Worker>, cancel: Int32Array): Promise<void> {
  Atomics.store(cancel, 0, 1);
  await Promise.all(
    [...workers].map(([w, exited]) => {
      if (!sent.has(w)) w.postMessage(null);
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<void>((resolve) => (timer = setTimeout(() => void w.terminate().then(() => resolve(), () => resolve()), STOP_MS)));
      return Promise.race([exited, late]).finally(() => clearTimeout(timer));
    }),
  );
}

/** Positions where the slices begin: equal slices, or the plan's cuts. */
function sliceStarts(n: number, plan: ParallelPlan): number[] {
  if (plan.cuts) return [0, ...new Set([...plan.cuts].filter((c) => c > 0 && c < n).sort((a, b) => a - b))];
  const k = Math.min(plan.workers, n);
  return Array.from({ length: k }, (_, i) => Math.floor((i * n) / k));
}

/** Newest first, as the single-threaded verify reads them (the first bad one is the one reported). */
function* checkpoints(db: Database.Database): Generator<CheckpointRecord> {
  for (const r of db.prepare('SELECT id, ts, heads, key_id, signature FROM checkpoints ORDER BY id DESC').iterate() as IterableIterator<CheckpointsTable>) {
    yield { id: r.id, ts: r.ts, heads: JSON.parse(r.heads) as CheckpointRecord['heads'], keyId: r.key_id, signature: r.signature };
  }
}

function resultOf(w: Worker): Promise<SliceResult> {
  return new Promise((resolve, reject) => {
    w.once('message', (m: SliceResult | SliceError) => ('error' in m ? reject(new Error(`a verify worker failed: ${m.error}`)) : resolve(m)));
    w.once('messageerror', reject);
    w.once('error', reject);
    w.once('exit', (code) => reject(new Error(`a verify worker stopped (exit code ${code}) before reporting its slice`)));
  });
}
