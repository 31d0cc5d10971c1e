import { describe, expect, it } from 'vitest';
import type { Connector } from '../connectors/types.js';
import { Bridle } from '../pipeline/engine.js';
import { parsePolicy } from '../policy/load.js';
import { testStore } from '../test-support.js';
import { performance } from './performance.js';

const POLICY = `
agents:
  auto-bot: { mode: auto }
  draft-bot: { mode: draft }
actions:
  social.post:
    connector: platform
    checks:
      - banned_phrases: { list: [risk-free] }
`;

const platform: Connector = {
  name: 'platform',
  async execute(req) {
    return { result: { id: `p-${req.actionId}` } };
  },
  async engagement(req) {
    return String(req.params.platform).toLowerCase() === 'x' ? { likes: 10, comments: 2, impressions: 500 } : { likes: 3 };
  },
};

const dialects = process.env.BRIDLE_TEST_PG_URL ? (['sqlite', 'postgres'] as const) : (['sqlite'] as const);

describe.each(dialects)('performance per platform and campaign (%s)', (dialect) => {
  it('counts what was published, blocked and decided by humans, with engagement sums', async () => {
    const t = await testStore(dialect);
    const bridle = await Bridle.open({ store: t.store, policy: parsePolicy(POLICY), connectors: { platform } });
    try {
      const post = (agentId: string, p: string, text: string, campaign?: string) => bridle.submit({ agentId, type: 'social.post', params: { platform: p, text }, ...(campaign ? { campaign } : {}) });
      await post('auto-bot', 'x', 'one', 'launch');
      await post('auto-bot', 'X', 'two', 'launch');
      await post('auto-bot', 'x', 'a risk-free offer', 'launch');
      const a = await post('draft-bot', 'linkedin', 'needs a human', 'hiring');
      const b = await post('draft-bot', 'linkedin', 'also needs a human');
      await post('draft-bot', 'linkedin', 'still waiting');
      await bridle.approve(a.id, { operator: 'ana' });
      await bridle.reject(b.id, { operator: 'ana', reason: 'off-brand' });
      await bridle.pollEngagement();

      const byPlatform = await performance(t.store, { since: 0, by: 'platform' });
      const x = byPlatform.find((r) => r.key === 'x')!;
      expect(x).toMatchObject({ actions: 3, published: 2, blocked: 1, engagement: { items: 2, likes: 20, comments: 4, impressions: 1000 }, approvals: { approved: 0, rate: null } });
      const li = byPlatform.find((r) => r.key === 'linkedin')!;
      expect(li).toMatchObject({ actions: 3, published: 1, engagement: { items: 1, likes: 3 }, approvals: { approved: 1, rejected: 1, pending: 1, rate: 0.5 } });

      const byCampaign = await performance(t.store, { since: 0, by: 'campaign' });
      expect(byCampaign.map((r) => [r.key, r.actions])).toEqual([
        ['launch', 3],
        ['(none)', 2],
        ['hiring', 1],
      ]);
      expect(await performance(t.store, { since: Date.now() + 60_000, by: 'platform' })).toEqual([]);
    } finally {
      await bridle.close();
      await t.cleanup();
    }
  });
});
