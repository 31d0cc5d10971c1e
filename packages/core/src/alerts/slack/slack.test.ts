import { afterEach, describe, expect, it } from 'vitest';
import { httpServer, type Reply, type TestHttpServer } from '../test-servers.js';
import type { AlertMessage } from '../types.js';
import { slackApiSender } from './api.js';
import { escapeMrkdwn, slackMessage, type SlackBlock } from './blocks.js';
import { slackWebhookSender } from './webhook.js';

const now = Date.UTC(2026, 0, 1, 12, 0, 0);

function message(over: Partial<AlertMessage['alert']> = {}, suppressedCount = 0): AlertMessage {
  return {
    alert: { id: 'alert_1', kind: 'budget.threshold', severity: 'warning', title: 'growth-bot at 80% of budget', text: 'Spent $80.00 of $100.00 today', agentId: 'growth-bot', fields: { spent_usd: 80, cap_usd: 100 }, dedupeKey: 'budget.threshold:growth-bot', at: now, ...over },
    deliveryId: 'alert_1.ops-slack',
    channel: 'ops-slack',
    suppressedCount,
    now,
  };
}

const signal = () => AbortSignal.timeout(5000);
let server: TestHttpServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function serve(...replies: Reply[]): Promise<TestHttpServer> {
  server = await httpServer((_r, i) => replies[Math.min(i, replies.length - 1)]!);
  return server;
}

describe('Block Kit message', () => {
  it('has a header, the text, the fields, and a context line', () => {
    const m = slackMessage(message());
    expect(m.blocks).toEqual([
      { type: 'header', text: { type: 'plain_text', text: ':warning: WARNING: growth-bot at 80% of budget', emoji: true } },
      { type: 'section', text: { type: 'mrkdwn', text: 'Spent $80.00 of $100.00 today' } },
      { type: 'section', fields: [{ type: 'mrkdwn', text: '*spent_usd*\n80' }, { type: 'mrkdwn', text: '*cap_usd*\n100' }] },
      {
        type: 'context',
        elements: [
          { type: 'mrkdwn', text: 'kind: `budget.threshold`' },
          { type: 'mrkdwn', text: 'agent: growth-bot' },
          { type: 'mrkdwn', text: 'at: 2026-01-01T12:00:00.000Z' },
          { type: 'mrkdwn', text: 'alert: `alert_1.ops-slack`' },
        ],
      },
    ]);
    expect(m.text).toBe('[Bridle] WARNING: growth-bot at 80% of budget\nSpent $80.00 of $100.00 today');
  });

  it('escapes mrkdwn control characters and keeps within Block Kit limits', () => {
    expect(escapeMrkdwn('<!channel> & <@U123>')).toBe('&lt;!channel&gt; &amp; &lt;@U123&gt;');
    const fields = Object.fromEntries(Array.from({ length: 23 }, (_, i) => [`f${i}`, 'v'.repeat(3000)]));
    const m = slackMessage(message({ title: 't'.repeat(400), text: '<b>'.repeat(2000), fields }));
    const header = m.blocks[0] as Extract<SlackBlock, { type: 'header' }>;
    expect(header.text.text.length).toBe(150);
    const sections = m.blocks.filter((b): b is Extract<SlackBlock, { type: 'section' }> => b.type === 'section');
    expect(sections[0]!.text!.text.length).toBe(3000);
    expect(sections[0]!.text!.text.startsWith('&lt;b&gt;')).toBe(true);
    expect(sections.slice(1).map((s) => s.fields!.length)).toEqual([10, 10, 3]);
    for (const s of sections.slice(1)) for (const f of s.fields!) expect(f.text.length).toBeLessThanOrEqual(2000);
  });

  it('adds the throttle roll-up line', () => {
    const m = slackMessage(message({}, 4));
    expect(m.blocks.at(-1)).toEqual({ type: 'context', elements: [{ type: 'mrkdwn', text: ':mute: 4 more alerts suppressed on this channel by the throttle since the last delivery.' }] });
    expect(m.text).toContain('4 more alerts suppressed');
  });
});

describe('Slack incoming webhook', () => {
  it('POSTs {text, blocks} as JSON and accepts "ok"', async () => {
    const s = await serve({ status: 200, body: 'ok' });
    const r = await slackWebhookSender({ url: `${s.url}/services/T0/B0/secret`, timeoutMs: 5000 }).send(message(), signal());
    expect(r).toEqual({ ok: true });
    expect(s.received).toHaveLength(1);
    expect(s.received[0]!.path).toBe('/services/T0/B0/secret');
    expect(s.received[0]!.headers['content-type']).toBe('application/json');
    expect(JSON.parse(s.received[0]!.body)).toEqual(slackMessage(message()));
  });

  it.each([
    [400, 'invalid_payload', true],
    [404, 'no_service', true],
    [410, 'channel_is_archived', true],
    [403, 'action_prohibited', true],
    [500, 'rollup_error', false],
    [503, 'service unavailable', false],
  ])('HTTP %i %s → permanent: %s', async (status, body, permanent) => {
    const s = await serve({ status, body });
    const r = await slackWebhookSender({ url: `${s.url}/services/x`, timeoutMs: 5000 }).send(message(), signal());
    expect(r).toEqual({ ok: false, permanent, error: `Slack webhook HTTP ${status}: ${body}` });
  });

  it('reads Retry-After on 429', async () => {
    const s = await serve({ status: 429, headers: { 'retry-after': '7' }, body: 'rate_limited' });
    const r = await slackWebhookSender({ url: `${s.url}/services/x`, timeoutMs: 5000 }).send(message(), signal());
    expect(r).toEqual({ ok: false, permanent: false, error: 'Slack webhook HTTP 429: rate_limited', retryAfterMs: 7000 });
  });

  it('reports an unreachable host as transient, without the secret path', async () => {
    const s = await serve({ status: 200 });
    const url = `${s.url}/services/T0/B0/topsecret`;
    await s.close();
    server = undefined;
    const r = await slackWebhookSender({ url, timeoutMs: 5000 }).send(message(), signal());
    expect(r).toMatchObject({ ok: false, permanent: false });
    expect(r.ok ? '' : r.error).toMatch(/^cannot reach http:\/\/127\.0\.0\.1:\d+: /);
    expect(r.ok ? '' : r.error).not.toContain('topsecret');
  });
});

describe('Slack chat.postMessage', () => {
  const opts = (url: string) => ({ token: 'xoxb-test-token', channel: 'C0123', apiUrl: `${url}/api`, timeoutMs: 5000 });

  it('POSTs to <api_url>/chat.postMessage with the bot token and {channel, text, blocks}', async () => {
    const s = await serve({ status: 200, headers: { 'content-type': 'application/json' }, body: '{"ok":true,"channel":"C0123","ts":"1.2"}' });
    expect(await slackApiSender(opts(s.url)).send(message(), signal())).toEqual({ ok: true });
    const req = s.received[0]!;
    expect([req.method, req.path]).toEqual(['POST', '/api/chat.postMessage']);
    expect(req.headers.authorization).toBe('Bearer xoxb-test-token');
    expect(req.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(JSON.parse(req.body)).toEqual({ channel: 'C0123', ...slackMessage(message()), unfurl_links: false, unfurl_media: false });
  });

  it.each([
    ['channel_not_found', true],
    ['invalid_auth', true],
    ['not_in_channel', true],
    ['ratelimited', false],
    ['internal_error', false],
  ])('200 {ok:false, error:%s} → permanent: %s', async (error, permanent) => {
    const s = await serve({ status: 200, body: JSON.stringify({ ok: false, error }) });
    expect(await slackApiSender(opts(s.url)).send(message(), signal())).toEqual({ ok: false, permanent, error: `Slack chat.postMessage error: ${error}` });
  });

  it('honours 429 with Retry-After, and treats a non-JSON 200 as transient', async () => {
    const s = await serve({ status: 429, headers: { 'retry-after': '3' }, body: '' }, { status: 200, body: '<html>proxy</html>' });
    const sender = slackApiSender(opts(s.url));
    expect(await sender.send(message(), signal())).toEqual({ ok: false, permanent: false, error: 'Slack chat.postMessage HTTP 429: (empty body)', retryAfterMs: 3000 });
    expect(await sender.send(message(), signal())).toMatchObject({ ok: false, permanent: false, error: expect.stringContaining('not JSON') });
  });
});
