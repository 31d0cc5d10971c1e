import { describe, expect, it } from 'vitest';
import type { Connector, PublishedRequest } from '../connectors/types.js';
import { parsePolicy } from '../policy/load.js';
import { testStore } from '../test-support.js';
import { manualClock } from '../util/clock.js';
import { Bridle } from './engine.js';

/** A platform whose like count grows each time it is asked, and that can fail. */
function counting() {
  let likes = 0;
  let fail = false;
  const asked: string[] = [];
  const connector: Connector = {
    name: 'counting',
    async execute(req) {
      return { result: { id: `p-${req.actionId}` } };
    },
    async engagement(req: PublishedRequest) {
      asked.push(req.actionId);
      if (fail) throw new Error('platform down');
      return { likes: ++likes, comments: 1 };
    },
  };
  return { connector, asked, failNext: (f: boolean) => (fail = f) };
}

const POLICY = `
engagement: { poll_minutes: 30, window_days: 2 }
agents: { bot: { mode: auto } }
actions:
  social.post: { connector: counting }
  note.write: {}
`;

describe('engagement', () => {
  it('fetches published items on the poll interval, within the window, and stores the latest', async () => {
    const t = await testStore('sqlite');
    const clock = manualClock(Date.UTC(2026, 10, 24, 9));
    const c = counting();
    const bridle = await Bridle.open({ store: t.store, policy: parsePolicy(POLICY), clock, connectors: { counting: c.connector } });
    try {
      const a = await bridle.submit({ agentId: 'bot', type: 'social.post', params: { platform: 'x', text: 'hi' }, campaign: 'launch' });
      await bridle.submit({ agentId: 'bot', type: 'note.write', params: { text: 'outbox: reports none' } });
      expect(await bridle.pollEngagement()).toEqual({ fetched: 1, failed: [] });
      // Not due again until poll_minutes have passed.
      expect(await bridle.pollEngagement()).toEqual({ fetched: 0, failed: [] });
      clock.advance(31 * 60_000);
      expect((await bridle.pollEngagement()).fetched).toBe(1);
      const stored = await bridle.engagement(a.id);
      expect(stored?.data).toEqual({ likes: 2, comments: 1 });
      const row = await t.store.db.selectFrom('engagement').selectAll().where('action_id', '=', a.id).executeTakeFirstOrThrow();
      expect(row).toMatchObject({ platform: 'x', campaign: 'launch', agent_id: 'bot' });
      // A failure is reported and retried on a later sweep; the last good figures stay.
      clock.advance(31 * 60_000);
      c.failNext(true);
      expect((await bridle.pollEngagement()).failed).toEqual([{ id: a.id, error: expect.stringContaining('platform down') }]);
      expect((await bridle.engagement(a.id))?.data).toEqual({ likes: 2, comments: 1 });
      c.failNext(false);
      expect((await bridle.engagement(a.id, { refresh: true }))?.data).toEqual({ likes: 3, comments: 1 });
      // Past the window, the item is no longer followed.
      clock.advance(3 * 86_400_000);
      expect(await bridle.pollEngagement()).toEqual({ fetched: 0, failed: [] });
    } finally {
      await bridle.close();
      await t.cleanup();
    }
  });
});
