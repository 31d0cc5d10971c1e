import { createRequire } from 'node:module';
import { renameSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sha256Hex } from '../json.js';
import { migrate } from '../store/migrations.js';
import type { Store } from '../store/open.js';
import type { Database } from '../store/schema.js';
import { testStore, type TestStore } from '../test-support.js';
import { GENESIS_HASH, sealEntry, type AuditRow } from './entry.js';
import { loadOrCreateSigner, trustedKeysFromDataDir, trustedKeysFromPem } from './signer.js';
import { verifyStore, type VerifyStoreOptions } from './store.js';
import { verifyParallel } from './verify-parallel.js';
import { checkpointText, type VerifyReport } from './verify.js';
import type { SliceJob, WorkerInit } from './verify-worker.js';
import { verifyWorkerUrl } from './worker-url.js';

/*
 * Chains written straight into a real store, so their sizes and the slice cuts are exact:
 * a 10, b 25, c 1, d 14 entries; log positions a 0..9, b 10..34, c 35, d 36..49. Each chain
 * has a signed checkpoint every 7 entries and at its head.
 */
const SIZES = { a: 10, b: 25, c: 1, d: 14 };
const TOTAL = 50;
const pos = { a: 0, b: 10, c: 35, d: 36 };

let n = 0;
function writeChains(t: TestStore, sizes: Record<string, number>, every = 7): void {
  const db = t.store.sqlite!;
  const signer = loadOrCreateSigner(t.dataDir);
  const insert = db.prepare('INSERT INTO audit (agent_id, seq, id, action_id, ts, kind, prev_hash, hash, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
  const checkpoint = db.prepare('INSERT INTO checkpoints (id, ts, heads, key_id, signature) VALUES (?, ?, ?, ?, ?)');
  db.transaction(() => {
    for (const [agentId, size] of Object.entries(sizes)) {
      let prev = GENESIS_HASH;
      for (let seq = 1; seq <= size; seq++) {
        const k = ++n;
        const r = sealEntry(
          {
            id: `aud_${String(k).padStart(26, '0')}`,
            agentId,
            actionId: seq % 3 === 0 ? null : `act_${agentId}_${seq >> 1}`,
            kind: seq % 2 ? 'action.received' : 'action.succeeded',
            ts: 1_700_000_000_000 + k,
            policyVersion: 'sha256:0123456789abcdef',
            actor: { type: 'agent', id: agentId },
            data: { n: seq, text: `entry ${seq} of ${agentId}: "quoted", café ☕` },
          },
          seq,
          prev,
        );
        insert.run(r.agent_id, r.seq, r.id, r.action_id, r.ts, r.kind, r.prev_hash, r.hash, r.body);
        prev = r.hash;
        if (seq % every === 0 || seq === size) {
          const id = `cp_${String(k).padStart(26, '0')}`;
          const heads = { [agentId]: { seq, hash: r.hash } };
          checkpoint.run(id, r.ts, JSON.stringify(heads), signer.keyId, signer.sign(checkpointText({ id, ts: r.ts, heads })));
        }
      }
    }
  })();
}

function row(t: TestStore, agentId: string, seq: number): AuditRow {
  return t.store.sqlite!.prepare('SELECT * FROM audit WHERE agent_id = ? AND seq = ?').get(agentId, seq) as AuditRow;
}

/** One changed byte in the body, hash column untouched. */
function modify(t: TestStore, agentId: string, seq: number, rehash = false): void {
  const r = row(t, agentId, seq);
  const body = r.body.replace(`"n":${seq},`, `"n":${seq + 1000},`);
  expect(body).not.toBe(r.body);
  t.store.sqlite!.prepare('UPDATE audit SET body = ?, hash = ? WHERE agent_id = ? AND seq = ?').run(body, rehash ? sha256Hex(body) : r.hash, agentId, seq);
}

function remove(t: TestStore, agentId: string, seq: number): void {
  t.store.sqlite!.prepare('DELETE FROM audit WHERE agent_id = ? AND seq = ?').run(agentId, seq);
}

describe('parallel audit verify (embedded store on a file)', () => {
  let t: TestStore;
  const trusted = () => trustedKeysFromPem(trustedKeysFromDataDir(t.dataDir));

  beforeEach(async () => {
    t = await testStore('sqlite');
    writeChains(t, SIZES);
  });
  afterEach(async () => {
    await t?.cleanup();
  });

  /** The parallel report for these options; it must equal the single-threaded one exactly. */
  async function parallel(opts: VerifyStoreOptions): Promise<VerifyReport> {
    const single = await verifyStore(t.store, trusted(), { workers: 0 });
    let path = '';
    const r = await verifyStore(t.store, trusted(), { parallelFrom: 0, ...opts, onPath: (p, why) => (path = why ? `${p}: ${why}` : p) });
    expect(path).toBe('parallel');
    expect(r).toStrictEqual(single);
    return r;
  }

  it('an intact log of several chains gives the single-threaded report, however it is cut', async () => {
    const layouts: VerifyStoreOptions[] = [
      { workers: 2 },
      { workers: 3 },
      { workers: 4 },
      { cuts: [pos.b, pos.c, pos.d] }, // exactly between the chains
      { cuts: [5, 20, 40] }, // inside a, b and d
      { cuts: [pos.c] }, // the one-entry chain starts a slice
      { cuts: [pos.d - 1, TOTAL - 1] }, // a slice of one chain's only entry, and one of the log's last entry
      { cuts: Array.from({ length: TOTAL - 1 }, (_, i) => i + 1).filter((i) => i % 6 === 0) },
    ];
    for (const opts of layouts) {
      const r = await parallel(opts);
      expect(r).toMatchObject({ ok: true, entries: TOTAL, chains: 4, firstBroken: null, warnings: [] });
      expect(r.checkpointsChecked).toBe(2 + 4 + 1 + 2);
    }
  });

  it('workers read their slices in keyset pages without skipping or repeating a row', async () => {
    const single = await verifyStore(t.store, trusted(), { workers: 0 });
    for (const page of [1, 2, 7]) {
      expect(await verifyParallel(t.store.sqlite!.name, trusted(), { workers: 3, minEntries: 0, page }), `page ${page}`).toStrictEqual(single);
    }
    modify(t, 'b', 12);
    const broken = await verifyStore(t.store, trusted(), { workers: 0 });
    expect(broken.firstBroken).toMatchObject({ agentId: 'b', seq: 12 });
    expect(await verifyParallel(t.store.sqlite!.name, trusted(), { workers: 2, minEntries: 0, page: 4 })).toStrictEqual(broken);
  });

  describe('a break exactly at a slice boundary (the second slice starts at b#11)', () => {
    const cut = { cuts: [pos.b + 10] };

    it('a changed first entry of the slice', async () => {
      modify(t, 'b', 11);
      expect((await parallel(cut)).firstBroken).toMatchObject({ agentId: 'b', seq: 11, reason: expect.stringMatching(/modified/) });
    });

    it('a re-hashed last entry of the previous slice: only the link across the boundary shows it', async () => {
      modify(t, 'b', 10, true);
      const r = await parallel(cut);
      expect(r.firstBroken).toMatchObject({ agentId: 'b', seq: 11, id: row(t, 'b', 11).id, reason: expect.stringMatching(/link/) });
      expect(r.entries).toBe(pos.b + 11);
    });

    it('the deleted first entry of the slice (the slice then starts one entry later)', async () => {
      remove(t, 'b', 11);
      const r = await parallel(cut);
      expect(r.firstBroken).toMatchObject({ agentId: 'b', seq: 11, id: null, reason: expect.stringMatching(/entry 11 is missing/) });
    });

    it('a first entry both misplaced and modified is reported as misplaced, as the single-threaded verify does', async () => {
      remove(t, 'b', 10);
      modify(t, 'b', 11);
      const r = await parallel({ cuts: [pos.b + 9] });
      expect(r.firstBroken).toMatchObject({ agentId: 'b', seq: 10, reason: expect.stringMatching(/entry 10 is missing/) });
    });

    it('a changed prev_hash column on the first entry of the slice', async () => {
      t.store.sqlite!.prepare('UPDATE audit SET prev_hash = ? WHERE agent_id = ? AND seq = ?').run('e'.repeat(64), 'b', 11);
      expect((await parallel(cut)).firstBroken).toMatchObject({ agentId: 'b', seq: 11, reason: expect.stringMatching(/link/) });
    });
  });

  describe('a slice that starts a chain (cut between a and b)', () => {
    it("must start at the chain's seq 1: a deleted first entry is missing", async () => {
      remove(t, 'b', 1);
      expect((await parallel({ cuts: [pos.b] })).firstBroken).toMatchObject({ agentId: 'b', seq: 1, id: null, reason: expect.stringMatching(/entry 1 is missing/) });
    });

    it('must link to the genesis hash', async () => {
      t.store.sqlite!.prepare('UPDATE audit SET prev_hash = ? WHERE agent_id = ? AND seq = ?').run('e'.repeat(64), 'b', 1);
      expect((await parallel({ cuts: [pos.b] })).firstBroken).toMatchObject({ agentId: 'b', seq: 1, reason: expect.stringMatching(/link/) });
    });

    it("and the previous slice's last chain must end where its checkpoints say (tail deleted)", async () => {
      remove(t, 'a', 10);
      // a now has 9 entries, so b starts at position 9.
      const r = await parallel({ cuts: [pos.b - 1] });
      expect(r.firstBroken).toMatchObject({ agentId: 'a', seq: 10, id: null, reason: expect.stringMatching(/tail deleted/) });
      expect(r.entries).toBe(9);
      expect(r.chains).toBe(1);
    });

    it('a chain whose first entry is modified after a chain whose tail was deleted: the tail is reported, wherever the cut', async () => {
      remove(t, 'a', 10);
      modify(t, 'b', 1);
      for (const opts of [{ cuts: [pos.b - 1] }, { cuts: [3] }, { cuts: [pos.b + 3] }]) {
        expect((await parallel(opts)).firstBroken).toMatchObject({ agentId: 'a', seq: 10, reason: expect.stringMatching(/tail deleted/) });
      }
    });

    it('and uncovered entries at the end of the previous slice are reported', async () => {
      t.store.sqlite!.prepare("DELETE FROM checkpoints WHERE heads LIKE '%\"a\":{\"seq\":10,%'").run();
      expect((await parallel({ cuts: [pos.b] })).firstBroken).toMatchObject({ agentId: 'a', seq: 8, reason: expect.stringMatching(/entries after 7 are not covered/) });
    });
  });

  it('a break in the second slice while the first is clean', async () => {
    modify(t, 'd', 5);
    const r = await parallel({ cuts: [pos.c] });
    expect(r.firstBroken).toMatchObject({ agentId: 'd', seq: 5, reason: expect.stringMatching(/modified/) });
    expect(r.entries).toBe(pos.d + 5);
    expect(r.chains).toBe(4);
  });

  it('breaks in two slices: the earlier one in the log is reported, with the count at it', async () => {
    modify(t, 'd', 5);
    remove(t, 'a', 3);
    for (const opts of [{ cuts: [pos.c] }, { cuts: [2, pos.d] }, { workers: 4 }]) {
      const r = await parallel(opts);
      expect(r.firstBroken).toMatchObject({ agentId: 'a', seq: 3, id: null, reason: expect.stringMatching(/entry 3 is missing/) });
      expect(r.entries).toBe(3);
    }
  });

  it('an edited column and a rewritten checkpointed entry inside slices', async () => {
    t.store.sqlite!.prepare('UPDATE audit SET kind = ? WHERE agent_id = ? AND seq = ?').run('action.blocked', 'd', 9);
    expect((await parallel({ workers: 3 })).firstBroken).toMatchObject({ agentId: 'd', seq: 9, reason: expect.stringMatching(/column/) });
    t.store.sqlite!.prepare('UPDATE audit SET kind = ? WHERE agent_id = ? AND seq = ?').run('action.received', 'd', 9);
    expect((await parallel({ workers: 3 })).ok).toBe(true);
    // b#14 is checkpointed: re-seal b#14..25 consistently, and only that checkpoint disagrees.
    const rows = t.store.sqlite!.prepare("SELECT * FROM audit WHERE agent_id = 'b' AND seq >= 14 ORDER BY seq").all() as AuditRow[];
    let prev = row(t, 'b', 13).hash;
    for (const r of rows) {
      const input = JSON.parse(r.body) as Parameters<typeof sealEntry>[0] & { v?: number; seq?: number; prevHash?: string };
      delete input.v;
      delete input.seq;
      delete input.prevHash;
      if (r.seq === 14) input.data = { ...input.data, text: 'rewritten' };
      const s = sealEntry(input, r.seq, prev);
      t.store.sqlite!.prepare('UPDATE audit SET body = ?, hash = ?, prev_hash = ? WHERE id = ?').run(s.body, s.hash, s.prev_hash, r.id);
      prev = s.hash;
    }
    expect((await parallel({ cuts: [pos.b + 13, pos.b + 20] })).firstBroken).toMatchObject({ agentId: 'b', seq: 14, reason: expect.stringMatching(/checkpoint.*rewritten/) });
  });

  it('a forged checkpoint fails before any worker reports', async () => {
    const cp = t.store.sqlite!.prepare('SELECT id FROM checkpoints ORDER BY id LIMIT 1').pluck().get() as string;
    t.store.sqlite!.prepare('UPDATE checkpoints SET signature = ? WHERE id = ?').run(Buffer.alloc(64, 7).toString('base64'), cp);
    expect((await parallel({ workers: 2 })).firstBroken?.reason).toMatch(/invalid signature/);
  });

  it('entries appended while it runs are left to the next verification', async () => {
    let path = '';
    const running = verifyStore(t.store, trusted(), { workers: 2, parallelFrom: 0, onPath: (p) => (path = p) });
    // b sorts before the log's last chain, so only the snapshot (not the key range) leaves this out.
    const last = row(t, 'b', SIZES.b);
    const next = sealEntry({ ...(JSON.parse(last.body) as Parameters<typeof sealEntry>[0]), id: 'aud_ZZZZZZZZZZZZZZZZZZZZZZZZZZ' }, SIZES.b + 1, last.hash);
    t.store.sqlite!.prepare('INSERT INTO audit (agent_id, seq, id, action_id, ts, kind, prev_hash, hash, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)').run(next.agent_id, next.seq, next.id, next.action_id, next.ts, next.kind, next.prev_hash, next.hash, next.body);
    const signer = loadOrCreateSigner(t.dataDir);
    const heads = { b: { seq: next.seq, hash: next.hash } };
    t.store.sqlite!.prepare('INSERT INTO checkpoints (id, ts, heads, key_id, signature) VALUES (?, ?, ?, ?, ?)').run('cp_ZZZZZZZZZZZZZZZZZZZZZZZZZZ', 1, JSON.stringify(heads), signer.keyId, signer.sign(checkpointText({ id: 'cp_ZZZZZZZZZZZZZZZZZZZZZZZZZZ', ts: 1, heads })));
    const r = await running;
    expect(path).toBe('parallel');
    expect(r).toMatchObject({ ok: true, entries: TOTAL, checkpointsChecked: 9 });
    expect(await verifyStore(t.store, trusted(), { workers: 2, parallelFrom: 0 })).toMatchObject({ ok: true, entries: TOTAL + 1, checkpointsChecked: 10 });
  });

  it('workers that cannot open the file: the log is verified on this thread instead', async () => {
    modify(t, 'b', 3);
    const single = await verifyStore(t.store, trusted(), { workers: 0 });
    const file = t.store.sqlite!.name;
    renameSync(file, `${file}.moved`);
    try {
      let path = '';
      const r = await verifyStore(t.store, trusted(), { workers: 2, parallelFrom: 0, onPath: (p, why) => (path = `${p}: ${why}`) });
      expect(path).toMatch(/^fallback: .+/);
      expect(r).toStrictEqual(single);
    } finally {
      renameSync(`${file}.moved`, file);
    }
  });

  it('below the threshold (50,000 entries by default) it verifies on this thread', async () => {
    const paths: string[] = [];
    await verifyStore(t.store, trusted(), { onPath: (p) => paths.push(p) });
    await verifyStore(t.store, trusted(), { parallelFrom: TOTAL + 1, onPath: (p) => paths.push(p) });
    await verifyStore(t.store, trusted(), { parallelFrom: TOTAL, onPath: (p) => paths.push(p) });
    await verifyStore(t.store, trusted(), { parallelFrom: 0, workers: 1, onPath: (p) => paths.push(p) });
    expect(paths).toEqual(['single', 'single', 'parallel', 'single']);
  });
});

describe('a verify worker', () => {
  let t: TestStore;
  beforeEach(async () => {
    t = await testStore('sqlite');
    writeChains(t, SIZES);
  });
  afterEach(async () => {
    await t?.cleanup();
  });

  /** Runs one worker on a job; what it posted, and how it exited. */
  async function run(file: string, job: SliceJob | null, cancelFirst: boolean): Promise<{ messages: unknown[]; code: number }> {
    const cancel = new Int32Array(new SharedArrayBuffer(4));
    const init: WorkerInit = { driver: createRequire(import.meta.url).resolve('better-sqlite3'), file, cancel };
    const w = new Worker(await verifyWorkerUrl(), { workerData: init });
    const messages: unknown[] = [];
    w.on('message', (m) => messages.push(m));
    const code = new Promise<number>((resolve) => w.once('exit', resolve));
    if (cancelFirst) Atomics.store(cancel, 0, 1);
    w.postMessage(job);
    return { messages, code: await code };
  }
  const whole = (): SliceJob => ({ from: ['a', 1], to: ['d', SIZES.d], toInclusive: true, maxRowid: 1e9, marks: new Map(), page: 7 });

  it('walks its slice, posts the result and exits by itself (code 0), never needing terminate()', async () => {
    const { messages, code } = await run(t.store.sqlite!.name, whole(), false);
    expect(code).toBe(0);
    expect(messages).toHaveLength(1);
    expect((messages[0] as { segments: { count: number }[] }).segments.reduce((a, s) => a + s.count, 0)).toBe(TOTAL);
  });

  it('told to stop (cancel flag, or no job) posts nothing and exits by itself', async () => {
    for (const [job, cancelFirst] of [[whole(), true], [null, false]] as const) {
      const { messages, code } = await run(t.store.sqlite!.name, job, cancelFirst);
      expect(code).toBe(0);
      expect(messages).toEqual([]);
    }
  });

  it('that cannot open the file posts the error instead of throwing, and exits by itself', async () => {
    const { messages, code } = await run(`${t.store.sqlite!.name}.absent`, whole(), false);
    expect(code).toBe(0);
    expect(messages).toEqual([{ error: expect.stringMatching(/cannot open .*absent/) as unknown }]);
  });
});

describe('an in-memory embedded store', () => {
  it('is verified on this thread', async () => {
    const sqlite = new SqliteDatabase(':memory:');
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
    await migrate(db as Kysely<unknown>, 'sqlite');
    const store: Store = { db, dialect: 'sqlite', sqlite, dataDir: '', close: () => db.destroy() };
    try {
      let path = '';
      const r = await verifyStore(store, null, { workers: 2, parallelFrom: 0, onPath: (p) => (path = p) });
      expect(path).toBe('single');
      expect(r).toMatchObject({ ok: true, entries: 0, chains: 0 });
    } finally {
      await store.close();
    }
  });
});
