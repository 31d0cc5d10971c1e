import { describe, expect, it } from 'vitest';
import { Bridle } from './engine.js';
import { parsePolicy } from '../policy/load.js';
import { openStore } from '../store/open.js';
import { testStore } from '../test-support.js';
import { verifyStore } from '../audit/store.js';
import { trustedKeysFromDataDir, trustedKeysFromPem } from '../audit/signer.js';

const policy = `
agents:
  bot: { mode: auto, budget: { daily_usd: 1 } }
actions:
  refund: { estimate_usd: 0.01, modes: [authorize] }
  social.post: { estimate_usd: 0 }
`;

// Several Bridle instances behind a load balancer share one PostgreSQL: the invariants must hold across them.
describe.runIf(!!process.env.BRIDLE_TEST_PG_URL)('two instances sharing PostgreSQL', () => {
  it('never spend past a cap, honour idempotency across instances, and keep one verifiable chain', async () => {
    const t = await testStore('postgres');
    const schema = (await t.store.db.selectNoFrom((eb) => eb.fn<string>('current_schema', []).as('s')).executeTakeFirstOrThrow()).s;
    const second = await openStore({ databaseUrl: process.env.BRIDLE_TEST_PG_URL, pgSchema: schema, dataDir: t.dataDir });
    const a = await Bridle.open({ store: t.store, policy: parsePolicy(policy) });
    const b = await Bridle.open({ store: second, policy: parsePolicy(policy) });
    try {
      // $1 cap at $0.01 each: of 300 submissions split over both instances, exactly 100 fit.
      const all = await Promise.all(Array.from({ length: 300 }, (_, i) => (i % 2 ? a : b).submit({ agentId: 'bot', type: 'refund', params: { i }, mode: 'authorize' })));
      expect(all.filter((r) => r.status === 'allowed')).toHaveLength(100);
      expect(all.filter((r) => r.decision?.code === 'budget_exceeded')).toHaveLength(200);
      const usage = await t.store.db.selectFrom('budget_usage').selectAll().executeTakeFirstOrThrow();
      expect(usage.reserved_micro + usage.spent_micro).toBe(1_000_000);

      const req = { agentId: 'bot', type: 'social.post', params: { platform: 'x', text: 'once' }, idempotencyKey: 'shared-key' };
      const [x, y] = await Promise.all([a.submit(req), b.submit(req)]);
      expect(x.id).toBe(y.id);
      expect(await t.store.db.selectFrom('outbox').selectAll().execute()).toHaveLength(1);

      const report = await verifyStore(t.store, trustedKeysFromPem(trustedKeysFromDataDir(t.dataDir)));
      expect(report.firstBroken).toBeNull();
      expect(report.ok).toBe(true);
      const seqs = (await t.store.db.selectFrom('audit').select('seq').where('agent_id', '=', 'bot').orderBy('seq').execute()).map((r) => r.seq);
      expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
    } finally {
      await a.close();
      await b.close();
      await second.close();
      await t.cleanup();
    }
  });

  it('a starting instance leaves another live instance’s in-flight action alone, and recovers it once it is stale', async () => {
    const t = await testStore('postgres');
    const schema = (await t.store.db.selectNoFrom((eb) => eb.fn<string>('current_schema', []).as('s')).executeTakeFirstOrThrow()).s;
    let release!: () => void;
    const slow = { name: 'slow', execute: () => new Promise<{ result: null }>((r) => (release = () => r({ result: null }))) };
    const text = policy.replace('social.post: { estimate_usd: 0 }', 'social.post: { estimate_usd: 0, connector: slow, timeout_ms: 1000 }');
    const a = await Bridle.open({ store: t.store, policy: parsePolicy(text), connectors: { slow } });
    const second = await openStore({ databaseUrl: process.env.BRIDLE_TEST_PG_URL, pgSchema: schema, dataDir: t.dataDir });
    try {
      const running = a.submit({ agentId: 'bot', type: 'social.post', params: { n: 1 } });
      await new Promise((r) => setTimeout(r, 100));
      const b = await Bridle.open({ store: second, policy: parsePolicy(text), connectors: { slow } });
      const [row] = await t.store.db.selectFrom('actions').selectAll().execute();
      expect(row!.status).toBe('executing');
      release();
      expect((await running).status).toBe('succeeded');
      await b.close();
      // A stuck one, idle past every timeout: the next instance to start recovers it exactly once.
      await t.store.db.updateTable('actions').set({ status: 'executing', updated_at: Date.now() - 10 * 60_000 }).execute();
      const [c, d] = await Promise.all([openStore({ databaseUrl: process.env.BRIDLE_TEST_PG_URL, pgSchema: schema, dataDir: t.dataDir }), openStore({ databaseUrl: process.env.BRIDLE_TEST_PG_URL, pgSchema: schema, dataDir: t.dataDir })]);
      const [bc, bd] = await Promise.all([Bridle.open({ store: c, policy: parsePolicy(text), connectors: { slow } }), Bridle.open({ store: d, policy: parsePolicy(text), connectors: { slow } })]);
      await Promise.all([bc.close(), bd.close(), c.close(), d.close()]);
      expect((await t.store.db.selectFrom('actions').select('status').executeTakeFirstOrThrow()).status).toBe('failed');
      const failed = await t.store.db.selectFrom('audit').select('kind').where('kind', '=', 'action.failed').execute();
      expect(failed).toHaveLength(1);
    } finally {
      await a.close();
      await second.close();
      await t.cleanup();
    }
  });
});
