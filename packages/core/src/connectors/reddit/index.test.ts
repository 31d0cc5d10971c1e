import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BridleError } from '../../errors.js';
import type { JsonObject } from '../../json.js';
import { pipelineFor } from '../../test-pipeline.js';
import { basePolicy } from '../../test-support.js';
import { manualClock, ulidGenerator } from '../../util/clock.js';
import { ConnectorError, type Connector, type ConnectorContext } from '../types.js';
import { waitFromMessage } from './api.js';
import { reddit, redditOptions } from './index.js';
import { startRedditServer, type RedditTestServer } from './test-server.js';

const UA = 'server:com.acme.bridle:1.0 (by /u/acme_bot)';
const clock = manualClock(Date.UTC(2026, 0, 1));
const ctx = (signal: AbortSignal = new AbortController().signal): ConnectorContext => ({ signal, clock, ids: ulidGenerator(clock), write: async () => {} });
const req = (params: JsonObject) => ({ actionId: 'act_1', agentId: 'bot', type: 'social.post', params });
const ENV = { REDDIT_CLIENT_ID: 'cid', REDDIT_CLIENT_SECRET: 'csecret', REDDIT_REFRESH_TOKEN: 'rt-1' };
const build = (url: string, extra: Record<string, unknown> = {}, env: Record<string, string> = ENV) =>
  reddit.create(redditOptions.parse({ base_url: url, auth_url: url, user_agent: UA, ...extra }), { env });
const post = (extra: JsonObject = {}) => req({ platform: 'reddit', title: 'Bridle 1.0 is out', text: 'We shipped it.', subreddit: 'r/test', ...extra });

async function failure(p: Promise<unknown>): Promise<ConnectorError> {
  const e = await p.then(() => null, (err: unknown) => err);
  expect(e).toBeInstanceOf(ConnectorError);
  return e as ConnectorError;
}

describe('reddit connector', () => {
  let srv: RedditTestServer;
  let conn: Connector;
  beforeEach(async () => {
    srv = await startRedditServer({ clientId: 'cid', clientSecret: 'csecret', refreshToken: 'rt-1', username: 'acme_bot', password: 'pw' });
    conn = build(srv.url);
  });
  afterEach(() => srv.close());

  it('mints a token from the refresh token, then submits a form-encoded self post with the link in the body', async () => {
    const out = await conn.execute(post({ link: 'https://acme.test/1.0' }), ctx());
    const [p] = [...srv.posts.values()];
    expect(out.result).toEqual({ platform: 'reddit', id: p!.id, name: `t3_${p!.id}`, subreddit: 'test', url: `https://www.reddit.com/r/test/comments/${p!.id}/post/` });
    expect(p!.selftext).toBe('We shipped it.\n\nhttps://acme.test/1.0');
    const [tokenReq, submit] = srv.requests;
    expect(tokenReq!.path).toBe('/api/v1/access_token');
    expect(new URLSearchParams(tokenReq!.body).get('grant_type')).toBe('refresh_token');
    expect(submit!.headers['user-agent']).toBe(UA);
    expect(submit!.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(new URLSearchParams(submit!.body))).toMatchObject({ api_type: 'json', sr: 'test', kind: 'self', title: 'Bridle 1.0 is out' });
  });

  it('reuses the token, and renews it once when Reddit says it expired (401)', async () => {
    await conn.execute(post({ text: 'one' }), ctx());
    await conn.execute(post({ text: 'two' }), ctx());
    expect(srv.issued()).toBe(1);
    srv.expireTokens();
    await conn.execute(post({ text: 'three' }), ctx());
    expect(srv.issued()).toBe(2);
    expect(srv.posts.size).toBe(3);
  });

  it('shares one token request among concurrent posts', async () => {
    await Promise.all(Array.from({ length: 5 }, (_, i) => conn.execute(post({ text: `post ${i}` }), ctx())));
    expect(srv.issued()).toBe(1);
    expect(srv.posts.size).toBe(5);
  });

  it('renews an expired token once even when concurrent posts all see the 401', async () => {
    await conn.execute(post({ text: 'warm' }), ctx());
    srv.expireTokens();
    await Promise.all(Array.from({ length: 4 }, (_, i) => conn.execute(post({ text: `after ${i}` }), ctx())));
    expect(srv.issued()).toBe(2);
    expect(srv.posts.size).toBe(5);
  });

  it('renews the token when the clock passes its expiry', async () => {
    await conn.execute(post({ text: 'one' }), ctx());
    clock.advance(86_400_000);
    await conn.execute(post({ text: 'two' }), ctx());
    expect(srv.issued()).toBe(2);
  });

  it('supports the password grant of script apps', async () => {
    const c = build(srv.url, { auth: 'password' }, { REDDIT_CLIENT_ID: 'cid', REDDIT_CLIENT_SECRET: 'csecret', REDDIT_USERNAME: 'acme_bot', REDDIT_PASSWORD: 'pw' });
    await c.execute(post(), ctx());
    expect(new URLSearchParams(srv.requests[0]!.body).get('grant_type')).toBe('password');
  });

  it('maps a revoked grant to auth_expired (not retryable)', async () => {
    srv.revokeGrant();
    const e = await failure(conn.execute(post(), ctx()));
    expect([e.reason, e.retryable]).toEqual(['auth_expired', false]);
    expect(e.message).toMatch(/invalid_grant/);
  });

  it('undoes with /api/del, and a repeat undo is harmless', async () => {
    const out = await conn.execute(post(), ctx());
    const published = { ...post(), result: out.result };
    expect(await conn.undo!(published, ctx())).toMatchObject({ deleted: true });
    expect([...srv.posts.values()][0]!.deleted).toBe(true);
    expect(await conn.undo!(published, ctx())).toMatchObject({ deleted: true });
    expect(new URLSearchParams(srv.requests.at(-1)!.body).get('id')).toBe((out.result as JsonObject).name);
  });

  it('reads score and comments from /api/info; null for an unknown post', async () => {
    const out = await conn.execute(post(), ctx());
    const p = [...srv.posts.values()][0]!;
    p.ups = 42;
    p.num_comments = 7;
    const e = await conn.engagement!({ ...post(), result: out.result }, ctx());
    expect(e).toMatchObject({ likes: 42, comments: 7, shares: 0, raw: { score: 42, upvote_ratio: 1 } });
    expect(e?.impressions).toBeUndefined();
    expect(await conn.engagement!({ ...post(), result: { platform: 'reddit', name: 't3_zzzzzz' } }, ctx())).toBeNull();
  });

  it('maps json.errors: RATELIMIT (with the wait), ALREADY_SUB, SUBREDDIT_NOEXIST, TOO_LONG, SUBREDDIT_NOTALLOWED', async () => {
    srv.script({ status: 200, body: { access_token: 'at-x', token_type: 'bearer', expires_in: 3600 } });
    srv.script({ status: 200, body: { json: { errors: [['RATELIMIT', "Looks like you've been doing that a lot. Take a break for 9 minutes before trying again.", 'ratelimit']] } } });
    const r = await failure(conn.execute(post(), ctx()));
    expect([r.reason, r.retryable, r.info.retryAfterMs, r.info.platformCode]).toEqual(['rate_limited', true, 540_000, 'RATELIMIT']);
    srv.script({ status: 200, body: { json: { ratelimit: 12.5, errors: [['RATELIMIT', 'you are doing that too much. try again in 1 minute.', 'ratelimit']] } } });
    expect((await failure(conn.execute(post(), ctx()))).info.retryAfterMs).toBe(12_500);
    srv.script({ status: 200, body: { json: { errors: [['ALREADY_SUB', 'that link has already been submitted', 'url']] } } });
    expect((await failure(conn.execute(post(), ctx()))).reason).toBe('duplicate');
    const noSr = await failure(conn.execute(post({ subreddit: 'nowhere' }), ctx()));
    expect([noSr.reason, noSr.info.platformCode]).toEqual(['not_found', 'SUBREDDIT_NOEXIST']);
    srv.script({ status: 200, body: { json: { errors: [['SUBREDDIT_NOTALLOWED', "you aren't allowed to post there.", 'sr']] } } });
    expect((await failure(conn.execute(post(), ctx()))).reason).toBe('forbidden');
    srv.script({ status: 200, body: { json: { errors: [['SUBMIT_VALIDATION_FLAIR_REQUIRED', 'Your post must contain post flair.', 'flair']] } } });
    expect((await failure(conn.execute(post(), ctx()))).reason).toBe('invalid');
  });

  it('maps HTTP 429 (X-Ratelimit-Reset seconds), 5xx, 403', async () => {
    await conn.execute(post({ text: 'warm the token' }), ctx());
    srv.script({ status: 429, body: { message: 'Too Many Requests', error: 429 }, headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '120' } });
    const r = await failure(conn.execute(post(), ctx()));
    expect([r.reason, r.info.retryAfterMs, r.info.status]).toEqual(['rate_limited', 120_000, 429]);
    srv.script({ status: 503, body: undefined });
    expect((await failure(conn.execute(post(), ctx()))).reason).toBe('unavailable');
    srv.script({ status: 403, body: { message: 'Forbidden', error: 403 } });
    const f = await failure(conn.execute(post(), ctx()));
    expect([f.reason, f.retryable]).toEqual(['forbidden', false]);
  });

  it('times out a slow answer and reports a dead host as network', async () => {
    await conn.execute(post({ text: 'warm' }), ctx());
    const slow = build(srv.url, { timeout_ms: 100 });
    srv.script({ status: 200, body: { access_token: 'at-slow', token_type: 'bearer', expires_in: 3600 } });
    srv.script({ status: 200, body: {}, delayMs: 2_000 });
    const t = await failure(slow.execute(post(), ctx()));
    expect([t.reason, t.retryable]).toEqual(['timeout', true]);
    expect(t.message).toMatch(/may or may not/);
    const dead = await startRedditServer({ clientId: 'a', clientSecret: 'b' });
    await dead.close();
    const n = await failure(build(dead.url).execute(post(), ctx()));
    expect([n.reason, n.retryable]).toEqual(['network', true]);
  });

  it('rejects missing or malformed params as invalid without calling Reddit', async () => {
    const noDefault: JsonObject[] = [{ text: 'a', title: 't' }, { title: 't', subreddit: 'test' }, { text: 'a', subreddit: 'test' }, { text: 'a', title: 'x'.repeat(301), subreddit: 'test' }, { text: 'a', title: 't', subreddit: 'no spaces' }, { text: 'a', title: 't', subreddit: 'test', media_url: 'https://i.test/a.png' }, { text: 'a', title: 't', subreddit: 'test', nsfw: 'yes' }];
    for (const params of noDefault) {
      const e = await failure(conn.execute(req(params), ctx()));
      expect([e.reason, e.retryable]).toEqual(['invalid', false]);
    }
    expect(srv.requests).toHaveLength(0);
  });

  it('falls back to the configured subreddit', async () => {
    const c = build(srv.url, { subreddit: 'r/acme' });
    await c.execute(req({ title: 't', text: 'body' }), ctx());
    expect([...srv.posts.values()][0]!.subreddit).toBe('acme');
  });

  it('validates options and names missing environment variables', () => {
    expect(() => redditOptions.parse({ user_agent: 'python-requests/2.0' })).toThrow(/by \/u\//);
    expect(() => build(srv.url, {}, { REDDIT_CLIENT_ID: 'cid' })).toThrow(/REDDIT_REFRESH_TOKEN/);
    expect(() => build(srv.url, { auth: 'access_token' }, {})).toThrow(/REDDIT_ACCESS_TOKEN/);
    let err: unknown;
    try {
      build(srv.url, {}, {});
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BridleError);
    expect((err as BridleError).code).toBe('BRIDLE_E_CONFIG');
    expect((err as BridleError).message).toMatch(/REDDIT_CLIENT_ID/);
  });

  it('reads waits out of Reddit rate-limit messages', () => {
    expect(waitFromMessage('try again in 9 minutes.')).toBe(540);
    expect(waitFromMessage('try again in 30 seconds')).toBe(30);
    expect(waitFromMessage('take a break for 1 hour')).toBe(3600);
    expect(waitFromMessage('slow down')).toBeUndefined();
  });
});

describe('reddit connector in a Bridle pipeline', () => {
  let srv: RedditTestServer;
  // The policy's connector is fixed when the describe is declared; the local server (and so the
  // real connector pointed at it) only exists per test, hence this pass-through.
  const holder: { conn?: Connector } = {};
  const lazy: Connector = { name: 'reddit', execute: (r, c) => holder.conn!.execute(r, c) };
  beforeEach(async () => {
    srv = await startRedditServer({ clientId: 'cid', clientSecret: 'csecret', refreshToken: 'rt-1' });
    holder.conn = build(srv.url);
  });
  afterEach(() => srv.close());
  const p = pipelineFor(basePolicy.replace('connector: outbox', 'connector: reddit'), { connectors: { reddit: lazy } });

  it('publishes: the action succeeds with the post id in its result', async () => {
    const a = await p.bridle.submit({ agentId: 'bot', type: 'social.post', params: { platform: 'reddit', title: 'Hi', text: 'Hello Reddit', subreddit: 'test' } });
    expect(a.status).toBe('succeeded');
    expect(a.result).toMatchObject({ platform: 'reddit', id: [...srv.posts.keys()][0] });
  });

  it('fails the action and records the error for a non-retryable refusal', async () => {
    const a = await p.bridle.submit({ agentId: 'bot', type: 'social.post', params: { platform: 'reddit', title: 'Hi', text: 'Hello', subreddit: 'nowhere' } });
    expect(a.status).toBe('failed');
    expect(a.error?.code).toBe('BRIDLE_E_CONNECTOR');
    expect(a.error?.message).toMatch(/SUBREDDIT_NOEXIST/);
  });
});
