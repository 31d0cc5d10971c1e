import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BridleError } from '../../errors.js';
import type { JsonObject } from '../../json.js';
import { pipelineFor } from '../../test-pipeline.js';
import { basePolicy } from '../../test-support.js';
import { manualClock, ulidGenerator } from '../../util/clock.js';
import { ConnectorError, type Connector, type ConnectorContext } from '../types.js';
import { x, xOptions } from './index.js';
import { startXServer, type XTestServer } from './test-server.js';

const clock = manualClock(Date.UTC(2026, 0, 1));
const ctx = (signal: AbortSignal = new AbortController().signal): ConnectorContext => ({ signal, clock, ids: ulidGenerator(clock), write: async () => {} });
const req = (params: JsonObject) => ({ actionId: 'act_1', agentId: 'bot', type: 'social.post', params });
const build = (url: string, extra: Record<string, unknown> = {}, env: Record<string, string> = { X_ACCESS_TOKEN: 'tok' }) =>
  x.create(xOptions.parse({ base_url: url, ...extra }), { env });

async function failure(p: Promise<unknown>): Promise<ConnectorError> {
  const e = await p.then(() => null, (err: unknown) => err);
  expect(e).toBeInstanceOf(ConnectorError);
  return e as ConnectorError;
}

describe('x connector (OAuth 2.0 bearer)', () => {
  let srv: XTestServer;
  let conn: Connector;
  beforeEach(async () => {
    srv = await startXServer({ bearer: 'tok' });
    conn = build(srv.url, { username: 'acme' });
  });
  afterEach(() => srv.close());

  it('creates a post with the link appended, and returns its id and URL', async () => {
    const out = await conn.execute(req({ platform: 'x', text: 'Launch day', link: 'https://acme.test/launch' }), ctx());
    const id = [...srv.posts.keys()][0]!;
    expect(out.result).toEqual({ platform: 'x', id, url: `https://x.com/acme/status/${id}`, text: 'Launch day\n\nhttps://acme.test/launch' });
    const sent = srv.requests[0]!;
    expect(sent.headers.authorization).toBe('Bearer tok');
    expect(sent.headers['content-type']).toBe('application/json');
    expect(JSON.parse(sent.body)).toEqual({ text: 'Launch day\n\nhttps://acme.test/launch' });
  });

  it('sends a reply when reply_to_id is given', async () => {
    await conn.execute(req({ text: 'Thanks!', reply_to_id: '1234567890' }), ctx());
    expect(JSON.parse(srv.requests[0]!.body)).toEqual({ text: 'Thanks!', reply: { in_reply_to_tweet_id: '1234567890' } });
  });

  it('undoes by deleting the post; deleting it again counts as done', async () => {
    const out = await conn.execute(req({ text: 'to be deleted' }), ctx());
    const published = { ...req({ text: 'to be deleted' }), result: out.result };
    expect(await conn.undo!(published, ctx())).toMatchObject({ deleted: true });
    expect([...srv.posts.values()][0]!.deleted).toBe(true);
    expect(await conn.undo!(published, ctx())).toMatchObject({ deleted: false, already_gone: true });
  });

  it('treats a 200 answer naming the post not found as already undone', async () => {
    const out = await conn.execute(req({ text: 'gone elsewhere' }), ctx());
    srv.script({ status: 200, body: { errors: [{ title: 'Not Found Error', detail: 'Could not find tweet.', type: 'https://api.twitter.com/2/problems/resource-not-found' }] } });
    expect(await conn.undo!({ ...req({ text: 'gone elsewhere' }), result: out.result }, ctx())).toMatchObject({ already_gone: true });
  });

  it('reads public metrics as engagement, and null once the post is gone', async () => {
    const out = await conn.execute(req({ text: 'measured' }), ctx());
    const p = [...srv.posts.values()][0]!;
    p.metrics = { retweet_count: 3, reply_count: 2, like_count: 10, quote_count: 1, bookmark_count: 4, impression_count: 500 };
    const published = { ...req({ text: 'measured' }), result: out.result };
    const e = await conn.engagement!(published, ctx());
    expect(e).toMatchObject({ impressions: 500, likes: 10, comments: 2, shares: 4, saves: 4 });
    expect(e?.raw).toMatchObject({ like_count: 10, impression_count: 500 });
    expect(srv.requests.at(-1)!.path).toContain('tweet.fields=public_metrics');
    p.deleted = true;
    expect(await conn.engagement!(published, ctx())).toBeNull();
  });

  it('maps duplicate content (403) to a non-retryable duplicate', async () => {
    await conn.execute(req({ text: 'same words' }), ctx());
    const e = await failure(conn.execute(req({ text: 'same words' }), ctx()));
    expect(e.reason).toBe('duplicate');
    expect(e.retryable).toBe(false);
    expect(e.info.status).toBe(403);
    expect(e.message).toMatch(/duplicate content/);
  });

  it('maps 429 to rate_limited with retryAfterMs from x-rate-limit-reset, or the daily cap reset when that is spent', async () => {
    const reset = Math.floor(clock.now() / 1000) + 90;
    srv.script({ status: 429, body: { title: 'Too Many Requests', detail: 'Too Many Requests', type: 'about:blank', status: 429 }, headers: { 'x-rate-limit-remaining': '0', 'x-rate-limit-reset': String(reset) } });
    const e = await failure(conn.execute(req({ text: 'busy' }), ctx()));
    expect(e.reason).toBe('rate_limited');
    expect(e.retryable).toBe(true);
    expect(e.info.retryAfterMs).toBe(90_000);
    srv.script({ status: 429, body: { title: 'Too Many Requests', detail: 'Too Many Requests', type: 'about:blank', status: 429 }, headers: { 'x-rate-limit-reset': String(reset), 'x-user-limit-24hour-remaining': '0', 'x-user-limit-24hour-reset': String(reset + 3600) } });
    expect((await failure(conn.execute(req({ text: 'busy' }), ctx()))).info.retryAfterMs).toBe(3_690_000);
  });

  it('maps a revoked or expired token (401) to auth_expired, not retryable', async () => {
    srv.revoke();
    const e = await failure(conn.execute(req({ text: 'hello' }), ctx()));
    expect(e.reason).toBe('auth_expired');
    expect(e.retryable).toBe(false);
    expect(e.info.status).toBe(401);
  });

  it('maps 5xx to unavailable (retryable), 400 to invalid, other 403 to forbidden', async () => {
    srv.script({ status: 503, body: { title: 'Service Unavailable', detail: 'Service Unavailable', type: 'about:blank', status: 503 } });
    const u = await failure(conn.execute(req({ text: 'a' }), ctx()));
    expect([u.reason, u.retryable]).toEqual(['unavailable', true]);
    const tooLong = await failure(conn.execute(req({ text: 'a'.repeat(281) }), ctx()));
    expect([tooLong.reason, tooLong.retryable, tooLong.info.platformCode]).toEqual(['invalid', false, 'https://api.twitter.com/2/problems/invalid-request']);
    srv.script({ status: 403, body: { title: 'Forbidden', detail: 'You are not permitted to perform this action.', type: 'about:blank', status: 403 } });
    expect((await failure(conn.execute(req({ text: 'b' }), ctx()))).reason).toBe('forbidden');
  });

  it('times out a slow answer (retryable, saying the post may exist) and honours the caller abort', async () => {
    const slow = build(srv.url, { timeout_ms: 100 });
    srv.script({ status: 201, body: { data: { id: '1', text: 'x' } }, delayMs: 2_000 });
    const started = Date.now();
    const e = await failure(slow.execute(req({ text: 'slow' }), ctx()));
    expect(Date.now() - started).toBeLessThan(1_500);
    expect([e.reason, e.retryable]).toEqual(['timeout', true]);
    expect(e.message).toMatch(/may or may not have been published/);
    const ctrl = new AbortController();
    srv.script({ status: 201, body: { data: { id: '1', text: 'x' } }, delayMs: 2_000 });
    const pending = conn.execute(req({ text: 'aborted' }), ctx(ctrl.signal));
    setTimeout(() => ctrl.abort(), 50);
    expect((await failure(pending)).message).toMatch(/aborted/);
  });

  it('maps an unreachable host to network (retryable)', async () => {
    const dead = await startXServer({ bearer: 'tok' });
    await dead.close();
    const e = await failure(build(dead.url).execute(req({ text: 'hi' }), ctx()));
    expect([e.reason, e.retryable]).toEqual(['network', true]);
  });

  it('rejects missing or malformed params as invalid without calling X', async () => {
    for (const params of [{}, { text: '  ' }, { text: 'a', link: 'ftp://x' }, { text: 'a', media_url: 'https://img.test/a.png' }, { text: 'a', reply_to_id: 12 }]) {
      const e = await failure(conn.execute(req(params as JsonObject), ctx()));
      expect([e.reason, e.retryable]).toEqual(['invalid', false]);
    }
    expect(srv.requests).toHaveLength(0);
  });

  it('refuses to undo a result without a post id', async () => {
    const e = await failure(conn.undo!({ ...req({ text: 'a' }), result: { platform: 'x' } }, ctx()));
    expect(e.reason).toBe('invalid');
  });
});

describe('x connector (OAuth 1.0a)', () => {
  const creds = { consumerKey: 'ck-1', consumerSecret: 'cs-1', token: 'tok-1', tokenSecret: 'ts-1' };
  const env = { X_API_KEY: 'ck-1', X_API_SECRET: 'cs-1', X_ACCESS_TOKEN: 'tok-1', X_ACCESS_TOKEN_SECRET: 'ts-1' };
  let srv: XTestServer;
  beforeEach(async () => {
    srv = await startXServer({ oauth1: creds });
  });
  afterEach(() => srv.close());

  it('signs every request so the server verifies it (create, metrics with a query string, delete)', async () => {
    const conn = build(srv.url, { auth: 'oauth1' }, env);
    const out = await conn.execute(req({ text: 'signed' }), ctx());
    const published = { ...req({ text: 'signed' }), result: out.result };
    expect(await conn.engagement!(published, ctx())).toMatchObject({ likes: 0 });
    expect(await conn.undo!(published, ctx())).toMatchObject({ deleted: true });
    expect(srv.requests[0]!.headers.authorization).toMatch(/^OAuth oauth_consumer_key="ck-1"/);
  });

  it('is refused with a wrong secret (auth_expired)', async () => {
    const conn = build(srv.url, { auth: 'oauth1' }, { ...env, X_API_SECRET: 'wrong' });
    expect((await failure(conn.execute(req({ text: 'signed' }), ctx()))).reason).toBe('auth_expired');
  });

  it('names each missing environment variable at create time', () => {
    for (const missing of Object.keys(env)) {
      const partial: Record<string, string> = { ...env };
      delete partial[missing];
      expect(() => build(srv.url, { auth: 'oauth1' }, partial)).toThrow(new RegExp(missing));
    }
    const err = (() => {
      try {
        build(srv.url, {}, {});
        return null;
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(BridleError);
    expect((err as BridleError).code).toBe('BRIDLE_E_CONFIG');
    expect(() => xOptions.parse({ access_token_env: 'lower-case' })).toThrow();
    expect(() => xOptions.parse({ unknown: 1 })).toThrow();
  });
});

describe('x connector in a Bridle pipeline', () => {
  let srv: XTestServer;
  // The policy's connector is fixed when the describe is declared; the local server (and so the
  // real connector pointed at it) only exists per test, hence this pass-through.
  const holder: { conn?: Connector } = {};
  const lazy: Connector = {
    name: 'x',
    execute: (r, c) => holder.conn!.execute(r, c),
    undo: (r, c) => holder.conn!.undo!(r, c),
    engagement: (r, c) => holder.conn!.engagement!(r, c),
  };
  beforeEach(async () => {
    srv = await startXServer({ bearer: 'tok' });
    holder.conn = build(srv.url);
  });
  afterEach(() => srv.close());
  const p = pipelineFor(basePolicy.replace('connector: outbox', 'connector: x'), { connectors: { x: lazy } });

  it('publishes: the action succeeds with the post id in its result', async () => {
    const a = await p.bridle.submit({ agentId: 'bot', type: 'social.post', params: { platform: 'x', text: 'Hello from Bridle' } });
    expect(a.status).toBe('succeeded');
    const id = [...srv.posts.keys()][0]!;
    expect(a.result).toMatchObject({ platform: 'x', id });
  });

  it('fails the action and records the error when X refuses (expired token)', async () => {
    srv.revoke();
    const a = await p.bridle.submit({ agentId: 'bot', type: 'social.post', params: { platform: 'x', text: 'Hello again' } });
    expect(a.status).toBe('failed');
    expect(a.error).toMatchObject({ code: 'BRIDLE_E_CONNECTOR' });
    expect(a.error?.message).toMatch(/X refused to create the post.*401/);
  });
});
