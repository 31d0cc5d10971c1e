import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSlackClient } from './client.js';
import { fakeSlack, TOKEN } from './test-slack.js';
import { createMessageUpdater } from './updater.js';

describe('message updater', () => {
  let slack: Awaited<ReturnType<typeof fakeSlack>>;
  let t = 0;
  const ref = { channel: 'C1', ts: '100.1' };
  const msg = { text: 'x', blocks: [] };
  const make = () => createMessageUpdater({ client: createSlackClient({ token: TOKEN, baseUrl: slack.base, responseUrlPrefix: slack.hooks }), now: () => t });
  beforeEach(async () => {
    slack = await fakeSlack();
    t = 1_000_000;
  });
  afterEach(() => slack.close());

  it('uses response_url 5 times, then chat.update for the 6th', async () => {
    const u = make();
    u.remember(ref, `${slack.hooks}a`);
    const used = [];
    for (let i = 0; i < 6; i++) used.push(await u.update(ref, msg));
    expect(used).toEqual([...Array(5).fill('response_url'), 'chat.update']);
    expect(slack.calls('/hooks/')).toHaveLength(5);
    expect(slack.calls('/api/chat.update')[0]!.body).toMatchObject({ channel: 'C1', ts: '100.1' });
  });

  it('uses chat.update once the response_url is 30 minutes old', async () => {
    const u = make();
    u.remember(ref, `${slack.hooks}b`);
    t += 30 * 60_000 - 1;
    expect(await u.update(ref, msg)).toBe('response_url');
    t += 1;
    expect(await u.update(ref, msg)).toBe('chat.update');
  });

  it('a replayed URL keeps its count; a new interaction brings a fresh URL', async () => {
    const u = make();
    u.remember(ref, `${slack.hooks}c`);
    for (let i = 0; i < 5; i++) await u.update(ref, msg);
    u.remember(ref, `${slack.hooks}c`);
    expect(await u.update(ref, msg)).toBe('chat.update');
    u.remember(ref, `${slack.hooks}d`);
    expect(await u.update(ref, msg)).toBe('response_url');
  });

  it('falls back to chat.update when Slack refuses the URL, and to chat.postEphemeral without one', async () => {
    const u = make();
    u.remember(ref, `${slack.hooks}e`);
    slack.queue('/hooks/e', { status: 404, body: 'expired_url' });
    expect(await u.update(ref, msg)).toBe('chat.update');
    expect(await u.ephemeral(ref, 'U1', 'hello')).toBe('chat.postEphemeral');
    expect(slack.calls('/api/chat.postEphemeral')[0]!.body).toEqual({ channel: 'C1', user: 'U1', text: 'hello' });
  });
});
