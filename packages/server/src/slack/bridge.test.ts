import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Bridle, createOperator, parsePolicy } from '@bridle/core';
import type { FastifyInstance } from 'fastify';
import { dialects, testStore, type TestStore } from '../../../core/src/test-support.js';
import { buildServer } from '../app.js';
import { signSlackRequest } from './signature.js';
import { fakeSlack, TOKEN } from './test-slack.js';

const SECRET = 'bridge-signing-secret-0123456789';
const policy = `
agents:
  writer: {}
actions:
  social.post:
    checks:
      - competitors: { names: [Acme], on_fail: require_approval }
`;

// The real engine behind the Slack side: a draft is posted to the channel, a signed click from a
// known operator approves it (once), and decisions made elsewhere update the message.
describe.each(dialects)('Slack approvals end to end on %s', (dialect) => {
  let t: TestStore;
  let bridle: Bridle;
  let app: FastifyInstance;
  let slack: Awaited<ReturnType<typeof fakeSlack>>;
  beforeEach(async () => {
    t = await testStore(dialect);
    slack = await fakeSlack();
    bridle = await Bridle.open({ store: t.store, policy: parsePolicy(policy) });
    await createOperator(t.store, { name: 'ann', role: 'approver', slackUserId: 'UANN' });
    await createOperator(t.store, { name: 'vic', role: 'viewer', slackUserId: 'UVIC' });
    app = buildServer({ bridle, adminToken: 'admin-token-for-tests-000', slack: { signingSecret: SECRET, botToken: TOKEN, channel: 'CAPPROVALS', apiUrl: slack.base, responseUrlPrefix: slack.hooks } });
    await app.ready();
  });
  afterEach(async () => {
    await app.close();
    await bridle.close();
    await slack.close();
    await t.cleanup();
  });

  const click = (user: string, actionId: string, hash: string, actionTs: string, action = 'bridle_approve') => ({
    type: 'block_actions',
    user: { id: user },
    api_app_id: 'A1',
    trigger_id: `trig.${actionTs}`,
    response_url: `${slack.hooks}T1/B1/${actionTs}`,
    container: { type: 'message', message_ts: '1700000000.000100', channel_id: 'CAPPROVALS', is_ephemeral: false },
    channel: { id: 'CAPPROVALS' },
    message: { ts: '1700000000.000100', text: 'Approval needed' },
    actions: [{ type: 'button', block_id: 'bridle_approval', action_id: action, value: JSON.stringify({ a: actionId, h: hash }), action_ts: actionTs }],
  });
  const send = (payload: unknown, opts: { secret?: string; ts?: number } = {}) => {
    const body = `payload=${encodeURIComponent(JSON.stringify(payload))}`;
    const ts = String(opts.ts ?? Math.floor(Date.now() / 1000));
    return app.inject({ method: 'POST', url: '/v1/slack/interactions', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': ts, 'x-slack-signature': signSlackRequest(opts.secret ?? SECRET, ts, body) }, payload: body });
  };

  it('posts the draft with its finding, refuses forged, stale and unknown clicks, and approves once for a known operator', async () => {
    const a = await bridle.submit({ agentId: 'writer', type: 'social.post', params: { text: 'Twice as fast as Acme.' }, rationale: 'launch week' });
    await vi.waitFor(() => expect(slack.calls('/api/chat.postMessage')).toHaveLength(1));
    const posted = JSON.stringify(slack.calls('/api/chat.postMessage')[0]!.body);
    expect(posted).toContain('CAPPROVALS');
    expect(posted).toContain('Acme');
    expect(posted).toContain('launch week');
    await vi.waitFor(async () => expect(await t.store.db.selectFrom('audit').select('id').where('kind', '=', 'approval.notified').execute()).toHaveLength(1));

    expect((await send(click('UANN', a.id, a.paramsHash, '1.1'), { secret: 'not-the-secret-xxxxxxxxxxxxxx' })).statusCode).toBeGreaterThanOrEqual(400);
    expect((await send(click('UANN', a.id, a.paramsHash, '1.2'), { ts: Math.floor(Date.now() / 1000) - 600 })).statusCode).toBeGreaterThanOrEqual(400);
    expect((await send(click('UANN', a.id, a.paramsHash, '1.3'), { ts: Math.floor(Date.now() / 1000) + 600 })).statusCode).toBeGreaterThanOrEqual(400);
    // Known to Slack but not to Bridle, or only a viewer: refused, the action keeps waiting.
    for (const [u, n] of [['UNOBODY', '1.4'], ['UVIC', '1.5']] as const) expect((await send(click(u, a.id, a.paramsHash, n))).statusCode).toBe(200);
    await new Promise((r) => setTimeout(r, 100));
    expect((await bridle.get(a.id)).status).toBe('awaiting_approval');

    const ok = await send(click('UANN', a.id, a.paramsHash, '2.0'));
    expect(ok.statusCode).toBe(200);
    await vi.waitFor(async () => expect((await bridle.get(a.id)).status).toBe('succeeded'));
    expect((await bridle.get(a.id)).decidedBy).toBe('ann');
    // A repeated click casts no second decision.
    await send(click('UANN', a.id, a.paramsHash, '2.1'));
    await new Promise((r) => setTimeout(r, 100));
    expect(await t.store.db.selectFrom('outbox').selectAll().where('action_id', '=', a.id).execute()).toHaveLength(1);
  });

  it('a decision made through the API updates the Slack message', async () => {
    const a = await bridle.submit({ agentId: 'writer', type: 'social.post', params: { text: 'Hello' } });
    await vi.waitFor(async () => expect(await t.store.db.selectFrom('audit').select('id').where('kind', '=', 'approval.notified').execute()).toHaveLength(1));
    await bridle.reject(a.id, { operator: 'ann', reason: 'off brand' });
    await vi.waitFor(() => expect(slack.calls('/api/chat.update').length).toBeGreaterThanOrEqual(1));
    expect(JSON.stringify(slack.calls('/api/chat.update')[0]!.body)).toMatch(/ann/);
  });
});
