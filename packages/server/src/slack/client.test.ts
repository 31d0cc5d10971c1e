import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BridleError } from '@bridle/core';
import { createSlackClient, type SlackClient } from './client.js';
import { createSlackNotifier } from './notifier.js';
import { fakeSlack, TOKEN } from './test-slack.js';
import { pendingView } from './test-view.js';

describe('Slack Web API client against a local Slack', () => {
  let slack: Awaited<ReturnType<typeof fakeSlack>>;
  let client: SlackClient;
  const slept: number[] = [];
  beforeEach(async () => {
    slack = await fakeSlack();
    slept.length = 0;
    client = createSlackClient({ token: TOKEN, baseUrl: slack.base, responseUrlPrefix: slack.hooks, sleep: async (ms) => void slept.push(ms) });
  });
  afterEach(() => slack.close());

  it('posts, updates and opens views with the bot token and documented fields', async () => {
    const msg = { text: 'hi', blocks: [{ type: 'divider' }] };
    const ref = await client.postMessage('C1', msg);
    expect(ref).toEqual({ channel: 'C1', ts: expect.stringMatching(/^\d+\.\d+$/) });
    expect(await client.update(ref, { text: 'bye', blocks: [] })).toEqual(ref);
    expect(await client.viewsOpen('trig.1', { type: 'modal' })).toEqual({ viewId: 'V0EDIT' });
    const [post] = slack.calls('/api/chat.postMessage');
    expect(post!.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(post!.headers['content-type']).toContain('application/json');
    expect(post!.body).toMatchObject({ channel: 'C1', text: 'hi', blocks: [{ type: 'divider' }] });
    expect(slack.calls('/api/chat.update')[0]!.body).toMatchObject({ channel: 'C1', ts: ref.ts, text: 'bye' });
    expect(slack.calls('/api/views.open')[0]!.body).toMatchObject({ trigger_id: 'trig.1', view: { type: 'modal' } });
  });

  it('maps {ok:false,error} to BRIDLE_E_CONNECTOR with the Slack error and a hint, without the token', async () => {
    slack.queue('/api/chat.postMessage', { status: 200, body: JSON.stringify({ ok: false, error: 'channel_not_found' }) });
    const e = await client.postMessage('C404', { text: 'x', blocks: [] }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(BridleError);
    expect((e as BridleError).code).toBe('BRIDLE_E_CONNECTOR');
    expect((e as BridleError).details).toMatchObject({ slackError: 'channel_not_found', method: 'chat.postMessage' });
    expect((e as BridleError).message).toContain('invite the app');
    const bad = createSlackClient({ token: 'xoxb-wrong', baseUrl: slack.base });
    const e2 = (await bad.update({ channel: 'C1', ts: '1.1' }, { text: 'x', blocks: [] }).catch((x: unknown) => x)) as BridleError;
    expect(e2.message).toContain('invalid_auth');
    expect(JSON.stringify({ m: e2.message, d: e2.details, s: e2.stack })).not.toContain('xoxb-wrong');
  });

  it('honours Retry-After on 429, then gives up with a clear error', async () => {
    slack.queue('/api/chat.update', { status: 429, body: '', headers: { 'retry-after': '3' } });
    expect(await client.update({ channel: 'C1', ts: '1.1' }, { text: 'x', blocks: [] })).toEqual({ channel: 'C1', ts: '1.1' });
    expect(slept).toEqual([3000]);
    for (let i = 0; i < 3; i++) slack.queue('/api/chat.update', { status: 429, body: '', headers: { 'retry-after': '1' } });
    const e = (await client.update({ channel: 'C1', ts: '1.1' }, { text: 'x', blocks: [] }).catch((x: unknown) => x)) as BridleError;
    expect(e.code).toBe('BRIDLE_E_CONNECTOR');
    expect(e.details).toMatchObject({ slackError: 'ratelimited', retryAfterS: 1 });
    expect(slack.calls('/api/chat.update')).toHaveLength(5);
  });

  it('maps an unreachable Slack and a non-JSON 5xx to BRIDLE_E_CONNECTOR', async () => {
    slack.queue('/api/chat.update', { status: 503, body: '<html>down</html>' });
    await expect(client.update({ channel: 'C1', ts: '1' }, { text: 'x', blocks: [] })).rejects.toMatchObject({ code: 'BRIDLE_E_CONNECTOR', details: { status: 503 } });
    const dead = createSlackClient({ token: TOKEN, baseUrl: 'http://127.0.0.1:9/api/' });
    await expect(dead.postMessage('C1', { text: 'x', blocks: [] })).rejects.toMatchObject({ code: 'BRIDLE_E_CONNECTOR' });
  });

  it('responds to a response_url without the token, and refuses foreign URLs', async () => {
    await client.respond(`${slack.hooks}T1/1/abc`, { replace_original: true, text: 'x' });
    const [hook] = slack.calls('/hooks/');
    expect(hook!.headers.authorization).toBeUndefined();
    expect(hook!.body).toEqual({ replace_original: true, text: 'x' });
    await expect(client.respond('https://evil.example/hook', { text: 'x' })).rejects.toMatchObject({ code: 'BRIDLE_E_CONNECTOR' });
    slack.queue('/hooks/T1/1/gone', { status: 404, body: 'expired_url' });
    await expect(client.respond(`${slack.hooks}T1/1/gone`, { text: 'x' })).rejects.toThrow(/expired_url/);
  });

  it('the notifier posts the approval message and refreshes it with chat.update', async () => {
    const n = createSlackNotifier({ client, channel: 'CAPPROVE' });
    const ref = await n.notify(pendingView());
    expect(slack.calls('/api/chat.postMessage')[0]!.body.blocks).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'actions' })]));
    await n.refresh(pendingView({ status: 'approved', decidedBy: 'bob' }), ref);
    const up = slack.calls('/api/chat.update')[0]!.body;
    expect(up).toMatchObject({ channel: 'CAPPROVE', ts: ref.ts });
    expect(JSON.stringify(up.blocks)).toContain('Approved by *bob*');
  });
});
