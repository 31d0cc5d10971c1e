import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BridleError } from '@bridle/core';
import { createSlackClient } from './client.js';
import { createSlackInteractions, type SlackInteractions } from './interactions.js';
import { signSlackRequest } from './signature.js';
import { fakeSlack, TOKEN } from './test-slack.js';
import { pendingView } from './test-view.js';
import type { ApprovalView, SlackApprovalHandler } from './types.js';

const SECRET = 'test-signing-secret-e3b0c44298fc1c14';
const HASH = 'sha256:aaaaaaaaaaaaaaaa';
const value = (h = HASH) => JSON.stringify({ a: 'apr_1', h });

/** An in-memory approval engine: OUR interface, stubbed for the Slack-side tests. */
function fakeEngine() {
  let current: ApprovalView = pendingView();
  const calls: Parameters<SlackApprovalHandler['decide']>[0][] = [];
  const order: string[] = [];
  let gate: Promise<void> | undefined;
  const handler: SlackApprovalHandler = {
    operatorFor: async (id) => (id === 'UALICE' ? { name: 'alice' } : null),
    async decide(input) {
      calls.push(input);
      order.push('decide:start');
      if (gate) await gate;
      order.push('decide:end');
      if (input.paramsHash !== current.paramsHash) throw new BridleError('BRIDLE_E_PARAMS_CHANGED', 'params changed');
      if (current.status !== 'pending') throw new BridleError('BRIDLE_E_INVALID_STATE', 'already decided');
      const params = input.editedText === undefined ? current.params : { ...current.params, text: input.editedText };
      current = { ...current, params, status: input.decision === 'approve' ? 'approved' : 'rejected', decidedBy: input.operator, decidedAt: '2025-01-01T00:00:00.000Z' };
      return current;
    },
    view: async () => current,
  };
  return { handler, calls, order, set: (v: ApprovalView) => (current = v), hold: (p: Promise<void>) => (gate = p) };
}

describe('POST /v1/slack/interactions', () => {
  let slack: Awaited<ReturnType<typeof fakeSlack>>;
  let app: FastifyInstance;
  let si: SlackInteractions;
  let engine: ReturnType<typeof fakeEngine>;
  let now = 1_750_000_000_000;
  const tsNow = () => String(Math.floor(now / 1000));

  beforeEach(async () => {
    slack = await fakeSlack();
    engine = fakeEngine();
    now = 1_750_000_000_000;
    const client = createSlackClient({ token: TOKEN, baseUrl: slack.base, responseUrlPrefix: slack.hooks });
    si = createSlackInteractions({ signingSecret: SECRET, handler: engine.handler, client, now: () => now });
    // Configured as app.ts is: JSON only outside the plugin.
    app = Fastify();
    app.removeContentTypeParser('text/plain');
    app.post('/v1/other', async () => ({ ok: true }));
    await app.register(si.plugin);
  });
  afterEach(async () => {
    await si.drain();
    await app.close();
    await slack.close();
  });

  const click = (over: { user?: string; action?: string; actionTs?: string; value?: string; responseUrl?: string } = {}) => ({
    type: 'block_actions',
    user: { id: over.user ?? 'UALICE', username: 'alice' },
    api_app_id: 'A1',
    trigger_id: `trig.${over.actionTs ?? '1'}`,
    response_url: over.responseUrl ?? `${slack.hooks}T1/B1/resp1`,
    container: { type: 'message', message_ts: '1700000000.000100', channel_id: 'CAPPROVE', is_ephemeral: false },
    channel: { id: 'CAPPROVE', name: 'approvals' },
    message: { ts: '1700000000.000100', text: 'Approval needed' },
    actions: [{ type: 'button', block_id: 'bridle_approval', action_id: over.action ?? 'bridle_approve', value: over.value ?? value(), action_ts: over.actionTs ?? '1750000000.100000' }],
  });
  const form = (payload: unknown) => `payload=${encodeURIComponent(JSON.stringify(payload))}`;
  const send = (body: string, headers: Record<string, string> = {}, ts = tsNow()) =>
    app.inject({
      method: 'POST',
      url: '/v1/slack/interactions',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': ts, 'x-slack-signature': signSlackRequest(SECRET, ts, body), ...headers },
      payload: body,
    });
  const hookBodies = () => slack.calls('/hooks/').map((r) => r.body);

  it('a valid click is acknowledged with an empty 200, decided once, and the message replaced via response_url', async () => {
    const r = await send(form(click()));
    expect(r.statusCode).toBe(200);
    expect(r.body).toBe('');
    await si.drain();
    expect(engine.calls).toEqual([{ approvalId: 'apr_1', paramsHash: HASH, operator: 'alice', decision: 'approve' }]);
    const [upd] = hookBodies();
    expect(upd).toMatchObject({ replace_original: true });
    expect(JSON.stringify(upd!.blocks)).toContain('Approved by *alice*');
    expect(JSON.stringify(upd!.blocks)).not.toContain('bridle_approve');
    expect(slack.calls('/api/chat.update')).toHaveLength(0);
  });

  it('a repeated click (new action_ts) and a replayed request cast no second vote', async () => {
    const body = form(click());
    await send(body);
    await si.drain();
    const replay = await send(body); // same bytes, same signature, within the 5 minutes
    const again = await send(form(click({ actionTs: '1750000001.200000' })));
    expect([replay.statusCode, again.statusCode]).toEqual([200, 200]);
    await si.drain();
    expect(engine.calls).toHaveLength(1);
    // The second click only re-renders the same result.
    expect(hookBodies()).toHaveLength(2);
    expect(JSON.stringify(hookBodies()[1]!.blocks)).toContain('Approved by *alice*');
  });

  it.each([
    ['a forged signature', (b: string) => send(b, { 'x-slack-signature': signSlackRequest('wrong-secret', tsNow(), b) }), 'mismatch'],
    ['a timestamp more than 5 minutes old', (b: string) => send(b, {}, String(Math.floor(now / 1000) - 301)), 'stale_timestamp'],
    ['a timestamp more than 5 minutes ahead', (b: string) => send(b, {}, String(Math.floor(now / 1000) + 301)), 'future_timestamp'],
    ['a missing signature', (b: string) => app.inject({ method: 'POST', url: '/v1/slack/interactions', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': tsNow() }, payload: b }), 'missing_headers'],
  ])('refuses %s with 401 and decides nothing', async (_n, go, reason) => {
    const r = await go(form(click()));
    expect(r.statusCode).toBe(401);
    expect(r.json().error).toMatchObject({ code: 'BRIDLE_E_UNAUTHENTICATED' });
    expect(r.json().error.message).toContain(reason);
    await si.drain();
    expect(engine.calls).toHaveLength(0);
    expect(slack.requests).toHaveLength(0);
  });

  it('a replay after the 5-minute window is refused by the timestamp', async () => {
    const body = form(click());
    const ts = tsNow();
    await send(body, {}, ts);
    now += 301_000;
    const r = await send(body, {}, ts);
    expect(r.statusCode).toBe(401);
    await si.drain();
    expect(engine.calls).toHaveLength(1);
  });

  it('an unknown Slack user is refused with an ephemeral message and no decision', async () => {
    await send(form(click({ user: 'UMALLORY' })));
    await si.drain();
    expect(engine.calls).toHaveLength(0);
    const [eph] = hookBodies();
    expect(eph).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    expect(eph!.text).toContain('not linked to a Bridle operator');
  });

  it('a stale params hash tells the user to reload and refreshes the message', async () => {
    engine.set(pendingView({ paramsHash: 'sha256:bbbbbbbbbbbbbbbb', params: { text: 'new text' } }));
    const r = await send(form(click()));
    expect(r.statusCode).toBe(200);
    await si.drain();
    const [eph, upd] = hookBodies();
    expect(eph).toMatchObject({ response_type: 'ephemeral' });
    expect(eph!.text).toContain('reload');
    expect(JSON.stringify(upd!.blocks)).toContain('sha256:bbbbbbbbbbbbbbbb'.slice(0, 12));
    expect(JSON.stringify(upd!.blocks)).toContain('new text');
  });

  it('the edit flow opens the modal, then the submission decides with the edited text', async () => {
    await send(form(click({ action: 'bridle_edit' })));
    await si.drain();
    expect(engine.calls).toHaveLength(0);
    const open = slack.calls('/api/views.open')[0]!.body as { trigger_id: string; view: { private_metadata: string; callback_id: string } };
    expect(open.trigger_id).toBe('trig.1');
    const meta = open.view.private_metadata;
    const submission = {
      type: 'view_submission',
      user: { id: 'UALICE' },
      trigger_id: 'trig.2',
      view: { id: 'V0EDIT', callback_id: open.view.callback_id, private_metadata: meta, hash: '1.abc', state: { values: { bridle_text: { text: { type: 'plain_text_input', value: 'Invest wisely' } }, bridle_reason: { reason: { type: 'plain_text_input', value: null } } } } },
    };
    const r = await send(form(submission));
    expect(r.statusCode).toBe(200);
    expect(r.body).toBe(''); // closes the modal
    await si.drain();
    expect(engine.calls).toEqual([{ approvalId: 'apr_1', paramsHash: HASH, operator: 'alice', decision: 'approve', editedText: 'Invest wisely' }]);
    // The Edit click's response_url updates the original message.
    const upd = hookBodies().at(-1)!;
    expect(upd).toMatchObject({ replace_original: true });
    expect(JSON.stringify(upd.blocks)).toContain('Invest wisely');
  });

  it('acknowledges before a slow decision finishes, then updates the message', async () => {
    let release!: () => void;
    engine.hold(new Promise<void>((r) => (release = r)));
    const r = await send(form(click()));
    engine.order.push('ack');
    expect(r.statusCode).toBe(200);
    await new Promise((res) => setImmediate(res));
    expect(engine.order).toEqual(['ack', 'decide:start']);
    expect(slack.calls('/hooks/')).toHaveLength(0);
    release();
    await si.drain();
    expect(engine.order).toEqual(['ack', 'decide:start', 'decide:end']);
    expect(hookBodies()).toHaveLength(1);
  });

  it('uses chat.update for the 6th update through one response_url, and once it is 30 minutes old', async () => {
    // One vote, then five repeated clicks that each re-render the message: six updates in all.
    for (let i = 0; i < 6; i++) {
      await send(form(click({ actionTs: `1750000000.${i}` })));
      await si.drain();
    }
    expect(engine.calls).toHaveLength(1);
    expect(slack.calls('/hooks/')).toHaveLength(5);
    expect(slack.calls('/api/chat.update')).toHaveLength(1);
    expect(slack.calls('/api/chat.update')[0]!.body).toMatchObject({ channel: 'CAPPROVE', ts: '1700000000.000100' });
    // A fresh response_url issued now, then used 31 minutes later (a slow engine).
    const fresh = `${slack.hooks}T1/B1/resp2`;
    let release!: () => void;
    engine.set(pendingView({ approvalId: 'apr_1', paramsHash: 'sha256:cccccccccccccccc' }));
    engine.hold(new Promise<void>((r) => (release = r)));
    await send(form(click({ actionTs: '1750000100.1', responseUrl: fresh, value: value('sha256:cccccccccccccccc') })));
    await new Promise((res) => setImmediate(res));
    now += 31 * 60_000;
    release();
    await si.drain();
    expect(engine.calls).toHaveLength(2);
    expect(slack.calls('/hooks/T1/B1/resp2')).toHaveLength(0);
    expect(slack.calls('/api/chat.update')).toHaveLength(2);
  });

  it('keeps the rest of the API JSON-only and refuses non-form bodies here', async () => {
    const other = await app.inject({ method: 'POST', url: '/v1/other', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'a=1' });
    expect(other.statusCode).toBe(415);
    const json = await app.inject({ method: 'POST', url: '/v1/slack/interactions', headers: { 'content-type': 'application/json' }, payload: '{}' });
    expect(json.statusCode).toBe(415);
    const bad = await send('payload=%7Bnot-json');
    expect(bad.statusCode).toBe(400);
  });
});
