import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Bridle } from '../pipeline/engine.js';
import { parsePolicy } from '../policy/load.js';
import { dialects, testStore, type TestStore } from '../test-support.js';
import { httpServer, type TestHttpServer } from '../alerts/test-servers.js';
import { verifyWebhookSignature } from '../alerts/webhook/signature.js';
import { manualClock } from '../util/clock.js';

const SECRET = 'callback-secret-for-the-tests-0001';
const policy = `
agents:
  drafter: {}
  bot: { mode: auto }
actions:
  post:
    checks:
      - banned_phrases: { list: [guaranteed returns] }
`;

describe.each(dialects)('signed callbacks to agents on %s', (dialect) => {
  let t: TestStore;
  let bridle: Bridle;
  let hook: TestHttpServer;
  let replies: number[];
  const clock = manualClock(Date.now());
  const open = async (secret: string | null = SECRET) => (bridle = await Bridle.open({ store: t.store, policy: parsePolicy(policy), clock, ...(secret ? { callbackSecret: secret } : {}) }));
  beforeEach(async () => {
    t = await testStore(dialect);
    replies = [];
    hook = await httpServer(() => ({ status: replies.shift() ?? 200 }));
    clock.set(Date.now());
    await open();
  });
  afterEach(async () => {
    await bridle?.close().catch(() => {});
    await hook.close();
    await t.cleanup();
  });
  const bodies = () => hook.received.map((r) => JSON.parse(r.body) as { action: { id: string; status: string; decidedBy: string | null } });

  it('an approved draft calls the agent back once, signed, with the outcome', async () => {
    const a = await bridle.submit({ agentId: 'drafter', type: 'post', params: { text: 'hello' }, callbackUrl: `${hook.url}/cb` });
    await bridle.approve(a.id, { operator: 'ann' });
    await vi.waitFor(() => expect(bodies().map((b) => b.action.status)).toEqual(['succeeded']));
    const [r] = hook.received;
    expect(verifyWebhookSignature(r!.body, r!.headers, SECRET, 300)).toMatchObject({ ok: true });
    expect(verifyWebhookSignature(r!.body, r!.headers, 'some-other-secret-xxxxxxxx', 300)).toMatchObject({ ok: false });
    expect(bodies()[0]!.action).toMatchObject({ id: a.id, decidedBy: 'ann' });
  });

  it('retries with backoff until the agent answers 2xx', async () => {
    replies = [500, 503];
    const a = await bridle.submit({ agentId: 'bot', type: 'post', params: { text: 'guaranteed returns' }, callbackUrl: `${hook.url}/cb` });
    expect(a.status).toBe('blocked');
    await vi.waitFor(() => expect(hook.received).toHaveLength(1));
    clock.advance(1_100);
    await bridle.flushCallbacks();
    clock.advance(2_100);
    await bridle.flushCallbacks();
    const row = await t.store.db.selectFrom('callbacks').selectAll().where('action_id', '=', a.id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ state: 'sent', attempts: 3 });
    expect(bodies().map((b) => b.action.status)).toEqual(['blocked', 'blocked', 'blocked']);
  });

  it('a callback never queued because of a crash is sent after the restart', async () => {
    const a = await bridle.submit({ agentId: 'bot', type: 'post', params: { text: 'hi' }, callbackUrl: `${hook.url}/cb` });
    await vi.waitFor(() => expect(hook.received).toHaveLength(1));
    // As if the process died between the decision's commit and queueing its callback.
    await t.store.db.deleteFrom('callbacks').execute();
    await bridle.close();
    await t.reopen();
    await open();
    await vi.waitFor(() => expect(hook.received).toHaveLength(2));
    expect(bodies()[1]!.action).toMatchObject({ id: a.id, status: 'succeeded' });
  });

  it('refuses a callbackUrl without a secret, or that is not http(s)', async () => {
    await expect(bridle.submit({ agentId: 'bot', type: 'post', params: {}, callbackUrl: 'ftp://example.com/x' })).rejects.toMatchObject({ code: 'BRIDLE_E_VALIDATION' });
    await bridle.close();
    await open(null);
    await expect(bridle.submit({ agentId: 'bot', type: 'post', params: {}, callbackUrl: `${hook.url}/cb` })).rejects.toMatchObject({ code: 'BRIDLE_E_CONFIG', message: expect.stringMatching(/BRIDLE_CALLBACK_SECRET/) });
  });
});
