import { statSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AuditInput } from '../audit/entry.js';
import { loadOrCreateSigner, trustedKeysFromDataDir, trustedKeysFromPem, type Signer } from '../audit/signer.js';
import { verifyStore } from '../audit/store.js';
import { BridleError } from '../errors.js';
import { Bridle } from '../pipeline/engine.js';
import { parsePolicy } from '../policy/load.js';
import { dialects, testStore, type TestStore } from '../test-support.js';
import { manualClock, sequentialIds } from '../util/clock.js';
import type { Store } from './open.js';
import type { ActionsTable } from './schema.js';
import { GroupCommitWriter } from './writer.js';

/** Two auto agents with no budget cap and a rate far above what the test sends. */
const loadPolicy = `
agents:
  bot: { mode: auto, rate: { per_minute: 100000 } }
  bot2: { mode: auto }
actions:
  social.post:
    checks:
      - max_length: {}
`;

let auditN = 0;
function entry(agentId: string, i: number): AuditInput {
  return { id: `aud_${String(++auditN).padStart(10, '0')}`, agentId, actionId: null, kind: 'test.write', ts: Date.UTC(2026, 0, 1) + i, policyVersion: 'sha256:0000000000000000', actor: { type: 'system', id: 'writer-test' }, data: { i } };
}

function actionRow(id: string, agentId: string, idempotencyKey: string | null): ActionsTable {
  const now = Date.UTC(2026, 0, 1);
  return {
    id,
    agent_id: agentId,
    type: 'social.post',
    exec_mode: 'execute',
    status: 'received',
    params: '{}',
    params_hash: 'x',
    idempotency_key: idempotencyKey,
    rationale: null,
    policy_version: 'sha256:0000000000000000',
    estimate_micro: 0,
    reserved_micro: 0,
    budget_keys: null,
    campaign: null,
    callback_url: null,
    cost_micro: null,
    decision: null,
    result: null,
    error: null,
    decided_by: null,
    created_at: now,
    updated_at: now,
    finished_at: null,
  };
}

async function counts(store: Store) {
  const n = async (table: 'audit' | 'checkpoints' | 'actions' | 'chain_heads') => Number((await store.db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  return { audit: await n('audit'), checkpoints: await n('checkpoints'), actions: await n('actions'), heads: await store.db.selectFrom('chain_heads').selectAll().orderBy('agent_id').execute() };
}

async function seqs(store: Store, agentId: string): Promise<number[]> {
  return (await store.db.selectFrom('audit').select('seq').where('agent_id', '=', agentId).orderBy('seq').execute()).map((r) => r.seq);
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

async function expectStoreError(p: Promise<unknown>): Promise<BridleError> {
  const e = await p.then(
    () => {
      throw new Error('expected the write to be rejected');
    },
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(BridleError);
  expect((e as BridleError).code).toBe('BRIDLE_E_STORE');
  expect((e as BridleError).message).toMatch(/^Could not make the write durable: /);
  return e as BridleError;
}

describe.each(dialects)('group commit writer on %s', (dialect) => {
  let t: TestStore;
  const writerFor = (store: Store) => new GroupCommitWriter(store, loadOrCreateSigner(t.dataDir), sequentialIds(), manualClock());
  const verify = () => verifyStore(t.store, trustedKeysFromPem(trustedKeysFromDataDir(t.dataDir)));

  beforeEach(async () => {
    t = await testStore(dialect);
  });
  afterEach(async () => {
    await t?.cleanup();
  });

  it('500 concurrent submits share few transactions; all 2000 entries land with contiguous seqs per agent', async () => {
    const bridle = await Bridle.open({ store: t.store, policy: parsePolicy(loadPolicy) });
    const before = bridle.batches;
    expect(before).toBe(1); // policy.loaded
    const results = await Promise.all(
      Array.from({ length: 500 }, (_, i) => bridle.submit({ agentId: i % 2 ? 'bot2' : 'bot', type: 'social.post', params: { platform: 'x', text: `concurrent ${i}` } })),
    );
    const batches = bridle.batches - before;
    await bridle.close();
    expect(results.every((r) => r.status === 'succeeded')).toBe(true);
    // At least one durable write per submit (the outbox joins the decision's commit) = 500+ writes.
    expect(batches).toBeGreaterThan(0);
    expect(batches).toBeLessThan(60);

    for (const agent of ['bot', 'bot2']) expect(await seqs(t.store, agent)).toEqual(range(1000));
    const c = await counts(t.store);
    expect(c.audit).toBe(2001);
    expect(c.actions).toBe(500);
    // At most one signed checkpoint per batch (batches holding only outbox rows sign none), not per entry.
    expect(c.checkpoints).toBeGreaterThan(1);
    expect(c.checkpoints).toBeLessThanOrEqual(batches + before);
    // Every action has its 4 entries, in order, within its own chain.
    const rows = await t.store.db.selectFrom('audit').select(['action_id', 'kind', 'agent_id', 'seq']).where('action_id', 'is not', null).orderBy('agent_id').orderBy('seq').execute();
    const byAction = new Map<string, string[]>();
    for (const r of rows) byAction.set(r.action_id!, [...(byAction.get(r.action_id!) ?? []), r.kind]);
    expect(byAction.size).toBe(500);
    for (const kinds of byAction.values()) expect(kinds).toEqual(['action.received', 'action.allowed', 'action.executing', 'action.succeeded']);
    // chain_heads agrees with the chains.
    expect(c.heads.filter((h) => h.agent_id !== '_system').map((h) => [h.agent_id, h.seq])).toEqual([
      ['bot', 1000],
      ['bot2', 1000],
    ]);
    const r = await verify();
    expect(r).toMatchObject({ ok: true, entries: 2001, chains: 3 });
  });

  it('writes enqueued in the same tick form one batch; writes enqueued during a commit form exactly one more', async () => {
    const w = writerFor(t.store);
    const first: Promise<void>[] = [];
    const written: string[] = [];
    for (let i = 0; i < 200; i++) {
      const e = entry(i % 3 ? 'a' : 'b', i);
      written.push(e.id);
      first.push(w.write({ audit: [e] }));
    }
    // Runs after the writer's own setImmediate has taken the first batch (on Postgres, while it commits).
    const second = await new Promise<Promise<void>[]>((resolve) =>
      setImmediate(() => {
        const ps: Promise<void>[] = [];
        for (let i = 200; i < 300; i++) {
          const e = entry('a', i);
          written.push(e.id);
          ps.push(w.write({ audit: [e] }));
        }
        resolve(ps);
      }),
    );
    await Promise.all([...first, ...second]);
    expect(w.batches).toBe(2);
    expect((await counts(t.store)).checkpoints).toBe(2);
    // Seqs are assigned in enqueue order, per chain.
    const rows = await t.store.db.selectFrom('audit').select(['id', 'agent_id', 'seq']).orderBy('id').execute();
    expect(rows.map((r) => r.id)).toEqual([...written].sort());
    for (const agent of ['a', 'b']) {
      const ids = (await t.store.db.selectFrom('audit').select('id').where('agent_id', '=', agent).orderBy('seq').execute()).map((r) => r.id);
      expect(ids).toEqual(written.filter((id) => ids.includes(id)));
    }
    expect(await seqs(t.store, 'a')).toEqual(range(133 + 100));
    expect(await seqs(t.store, 'b')).toEqual(range(67));
    expect((await verify()).ok).toBe(true);
  });

  it('a failing transaction rejects every waiter of its batch with BRIDLE_E_STORE and writes nothing of it', async () => {
    const w = writerFor(t.store);
    await Promise.all([w.write({ audit: [entry('a', 1), entry('a', 2)] }), w.write({ audit: [entry('b', 3)] })]);
    expect(w.batches).toBe(1);
    await t.store.db.insertInto('actions').values(actionRow('act_existing', 'a', 'k1')).execute();
    const before = await counts(t.store);

    // One batch: a's write violates the unique (agent_id, idempotency_key) index on actions, which is
    // inserted after the audit rows, chain heads and checkpoint of the same transaction.
    const bad = w.write({ audit: [entry('a', 4), entry('a', 5)], action: actionRow('act_dupe', 'a', 'k1') });
    const innocent = w.write({ audit: [entry('b', 6), entry('c', 7)] });
    const [e1, e2] = await Promise.all([expectStoreError(bad), expectStoreError(innocent)]);
    expect(e1).toBe(e2);
    expect(w.batches).toBe(1);

    expect(await counts(t.store)).toEqual(before);
    expect(await seqs(t.store, 'a')).toEqual([1, 2]);
    expect(await seqs(t.store, 'c')).toEqual([]);
    expect((await t.store.db.selectFrom('actions').select('id').execute()).map((r) => r.id)).toEqual(['act_existing']);
    expect((await verify()).ok).toBe(true);

    // The writer carries on, from the heads the failed batch did not move.
    await Promise.all([w.write({ audit: [entry('a', 8)] }), w.write({ audit: [entry('c', 9)], action: actionRow('act_ok', 'a', 'k2') })]);
    expect(w.batches).toBe(2);
    expect(await seqs(t.store, 'a')).toEqual([1, 2, 3]);
    expect(await seqs(t.store, 'b')).toEqual([1]);
    expect(await seqs(t.store, 'c')).toEqual([1]);
    const r = await verify();
    expect(r).toMatchObject({ ok: true, entries: 5, chains: 3 });
  });

  it('a failed batch does not take down the batch queued behind it', async () => {
    const w = writerFor(t.store);
    await t.store.db.insertInto('actions').values(actionRow('act_existing', 'a', 'k1')).execute();
    const bad = expectStoreError(w.write({ audit: [entry('a', 1)], action: actionRow('act_dupe', 'a', 'k1') }));
    // Enqueued while the bad batch is being committed (wrapped: a promise resolved with a promise adopts it).
    const later = await new Promise<{ p: Promise<void> }>((resolve) => setImmediate(() => resolve({ p: w.write({ audit: [entry('a', 2)] }) })));
    await bad;
    await expect(later.p).resolves.toBeUndefined();
    expect(w.batches).toBe(1);
    expect(await seqs(t.store, 'a')).toEqual([1]);
    expect(JSON.parse((await t.store.db.selectFrom('audit').select('body').executeTakeFirstOrThrow()).body)).toMatchObject({ data: { i: 2 }, seq: 1 });
    expect((await verify()).ok).toBe(true);
  });

  it('a write to a closed store is rejected with BRIDLE_E_STORE', async () => {
    const w = writerFor(t.store);
    await w.write({ audit: [entry('a', 1)] });
    await t.store.close();
    await expectStoreError(w.write({ audit: [entry('a', 2)] }));
    await t.reopen();
    expect(await seqs(t.store, 'a')).toEqual([1]);
  });

  const submitToDeadStore = async () => {
    const bridle = await Bridle.open({ store: t.store, policy: parsePolicy(loadPolicy) });
    await bridle.submit({ agentId: 'bot', type: 'social.post', params: { platform: 'x', text: 'before' } });
    await t.store.close();
    const outcome = await bridle.submit({ agentId: 'bot', type: 'social.post', params: { platform: 'x', text: 'after' } }).then(
      (rec) => ({ acknowledged: rec }),
      (e: unknown) => ({ error: e }),
    );
    await bridle.close().catch(() => {});
    await t.reopen();
    return outcome;
  };

  it('a submit whose store is gone is rejected, not acknowledged, and leaves nothing behind', async () => {
    const outcome = await submitToDeadStore();
    expect(outcome).not.toHaveProperty('acknowledged');
    expect(await seqs(t.store, 'bot')).toEqual([1, 2, 3, 4]);
    expect((await counts(t.store)).actions).toBe(1);
    expect(await t.store.db.selectFrom('outbox').selectAll().execute()).toHaveLength(1);
  });

  // Regression: on PostgreSQL the budget guard reaches the store before the writer does, and its raw
  // driver error ("driver has already been destroyed") used to escape submit(), so a door answered 500
  // instead of BRIDLE_E_STORE / 503.
  it('a submit whose store is gone is rejected with BRIDLE_E_STORE', async () => {
    const outcome = await submitToDeadStore();
    expect('error' in outcome && outcome.error).toBeInstanceOf(BridleError);
    expect(outcome).toMatchObject({ error: { code: 'BRIDLE_E_STORE' } });
  });

  it('a gateway payload rides in its batch with the audit entries, and a later one for the same call replaces it', async () => {
    const w = writerFor(t.store);
    const row = (response: string) => ({ action_id: 'act_1', request: '{"a":1}', response, created_at: 1 });
    await Promise.all([w.write({ audit: [entry('a', 1)], llmPayload: row('{"r":1}') }), w.write({ audit: [entry('a', 2)] })]);
    expect(w.batches).toBe(1);
    await w.write({ llmPayload: row('{"r":2}') });
    const payloads = t.store.db.withTables<{ llm_payloads: { action_id: string; request: string | null; response: string | null; created_at: number } }>();
    expect(await payloads.selectFrom('llm_payloads').select(['action_id', 'response']).execute()).toEqual([{ action_id: 'act_1', response: '{"r":2}' }]);
    await w.close();
  });

  it('close() makes pending writes durable first, then refuses new ones', async () => {
    const w = writerFor(t.store);
    const pending = [w.write({ audit: [entry('a', 1)] }), w.write({ audit: [entry('a', 2)] })];
    await w.close();
    await Promise.all(pending);
    expect(await seqs(t.store, 'a')).toEqual([1, 2]);
    await expect(w.write({ audit: [entry('a', 3)] })).rejects.toMatchObject({ code: 'BRIDLE_E_SHUTTING_DOWN' });
  });

  // Regression: a write accepted while close() was flushing went into the next batch, which close()
  // did not wait for; an owner that then closed the store lost a write it had accepted.
  it('close() does not return while a write it accepted is still pending', async () => {
    const real = loadOrCreateSigner(t.dataDir);
    let late: Promise<void> | undefined;
    // Signing happens inside the commit: enqueue the second write exactly while close() is flushing.
    const signer: Signer = {
      keyId: real.keyId,
      sign: (text) => {
        late ??= w.write({ audit: [entry('a', 2)] });
        return real.sign(text);
      },
    };
    const w = new GroupCommitWriter(t.store, signer, sequentialIds(), manualClock());
    const first = w.write({ audit: [entry('a', 1)] });
    const closing = w.close();
    try {
      await closing;
      await first;
      expect(late).toBeDefined();
      // Accepted, so it must be durable by the time close() says the writer is done.
      expect(w.batches).toBe(2);
      expect(await seqs(t.store, 'a')).toEqual([1, 2]);
    } finally {
      await late?.catch(() => {});
    }
  });
});

describe('group commit writer on the embedded store', () => {
  let t: TestStore;
  const writerFor = (store: Store) => new GroupCommitWriter(store, loadOrCreateSigner(t.dataDir), sequentialIds(), manualClock());
  beforeEach(async () => {
    t = await testStore('sqlite');
  });
  afterEach(async () => {
    await t?.cleanup();
  });

  it('commits every batch at synchronous=FULL and checkpoints the WAL from a worker thread, off the event loop', async () => {
    const db = t.store.sqlite!;
    const w = writerFor(t.store);
    try {
      expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
      const dbFile = statSync(db.name).size;
      await Promise.all(Array.from({ length: 400 }, (_, i) => w.write({ audit: [entry('a', i)] })));
      expect(db.pragma('synchronous', { simple: true })).toBe(2);
      expect(await seqs(t.store, 'a')).toHaveLength(400);
      // The worker copies the WAL into the database file within a few hundred milliseconds.
      const until = Date.now() + 5000;
      while (statSync(db.name).size <= dbFile && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
      expect(statSync(db.name).size).toBeGreaterThan(dbFile);
    } finally {
      await w.close();
    }
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
  });
});
