import { describe, expect, it } from 'vitest';
import { Bridle } from './engine.js';
import { parsePolicy } from '../policy/load.js';
import { testStore } from '../test-support.js';
import { manualClock } from '../util/clock.js';

const POLICY = `
agents:
  auto-bot: { mode: auto, budget: { daily_usd: 1 } }
  draft-bot: { mode: draft }
actions:
  social.post: { estimate_usd: 0.1 }
`;
const HOUR = 3_600_000;

async function open(dialect: 'sqlite' | 'postgres') {
  const t = await testStore(dialect);
  const clock = manualClock(Date.UTC(2026, 10, 24, 9));
  const bridle = await Bridle.open({ store: t.store, policy: parsePolicy(POLICY), clock });
  return { t, clock, bridle, close: async () => (await bridle.close(), await t.cleanup()) };
}

const dialects = process.env.BRIDLE_TEST_PG_URL ? (['sqlite', 'postgres'] as const) : (['sqlite'] as const);

describe.each(dialects)('scheduled actions (%s)', (dialect) => {
  it('decides and reserves now, publishes once at the slot', async () => {
    const h = await open(dialect);
    try {
      const slot = h.clock.now() + 2 * HOUR;
      const a = await h.bridle.submit({ agentId: 'auto-bot', type: 'social.post', params: { platform: 'x', text: 'at noon' }, notBefore: slot });
      expect(a.status).toBe('allowed');
      expect(a.notBefore).toBe(slot);
      expect(a.reservedMicroUsd).toBe(100_000);
      expect(await h.bridle.runScheduled()).toEqual([]);
      h.clock.advance(2 * HOUR);
      // Two sweeps at once (or two instances): the claim lets exactly one run it.
      const [first, second] = await Promise.all([h.bridle.runScheduled(), h.bridle.runScheduled()]);
      expect([...first, ...second]).toEqual([a.id]);
      const done = await h.bridle.get(a.id);
      expect(done.status).toBe('succeeded');
      expect(await h.t.store.db.selectFrom('outbox').select('id').where('action_id', '=', a.id).execute()).toHaveLength(1);
      expect(await h.bridle.runScheduled()).toEqual([]);
    } finally {
      await h.close();
    }
  });

  it('waits for approval first, then for the slot; a paused agent keeps it waiting', async () => {
    const h = await open(dialect);
    try {
      const a = await h.bridle.submit({ agentId: 'draft-bot', type: 'social.post', params: { platform: 'linkedin', text: 'tomorrow' }, notBefore: h.clock.now() + HOUR });
      expect(a.status).toBe('awaiting_approval');
      expect((await h.bridle.approve(a.id, { operator: 'ana' })).status).toBe('approved');
      await h.bridle.setKill({ kind: 'agent', id: 'draft-bot' }, 'paused', { actor: { type: 'operator', id: 'ana' }, reason: 'review' });
      h.clock.advance(HOUR);
      expect(await h.bridle.runScheduled()).toEqual([]);
      await h.bridle.setKill({ kind: 'agent', id: 'draft-bot' }, null, { actor: { type: 'operator', id: 'ana' } });
      expect(await h.bridle.runScheduled()).toEqual([a.id]);
      expect((await h.bridle.get(a.id)).status).toBe('succeeded');
    } finally {
      await h.close();
    }
  });

  it('survives a restart: the schedule lives in the store', async () => {
    const h = await open(dialect);
    const slot = h.clock.now() + HOUR;
    const a = await h.bridle.submit({ agentId: 'auto-bot', type: 'social.post', params: { platform: 'x', text: 'after restart' }, notBefore: slot });
    await h.bridle.close();
    const clock = manualClock(slot + 1);
    const again = await Bridle.open({ store: h.t.store, policy: parsePolicy(POLICY), clock });
    try {
      // Opening runs the sweep once: the missed slot is published at start-up.
      expect((await again.get(a.id)).status).toBe('succeeded');
    } finally {
      await again.close();
      await h.t.cleanup();
    }
  });

  it('refuses schedules that cannot be meant', async () => {
    const h = await open(dialect);
    try {
      const base = { agentId: 'auto-bot', type: 'social.post', params: { text: 'x' } };
      await expect(h.bridle.submit({ ...base, notBefore: h.clock.now() + 500 * 86_400_000 })).rejects.toThrow(/400 days/);
      await expect(h.bridle.submit({ ...base, mode: 'authorize', notBefore: h.clock.now() + HOUR })).rejects.toThrow(/authorize mode/);
      // A slot already past runs now.
      expect((await h.bridle.submit({ ...base, notBefore: h.clock.now() - HOUR })).status).toBe('succeeded');
    } finally {
      await h.close();
    }
  });
});
