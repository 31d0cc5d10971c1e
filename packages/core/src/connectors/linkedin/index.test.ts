import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BridleError } from '../../errors.js';
import type { JsonObject } from '../../json.js';
import { pipelineFor } from '../../test-pipeline.js';
import { basePolicy } from '../../test-support.js';
import { manualClock, ulidGenerator } from '../../util/clock.js';
import { ConnectorError, type Connector, type ConnectorContext } from '../types.js';
import { linkedin, linkedinOptions, toLittleText } from './index.js';
import { isLittleText, startLinkedInServer, type LinkedInTestServer } from './test-server.js';

const AUTHOR = 'urn:li:organization:2414183';
const clock = manualClock(Date.UTC(2026, 0, 1));
const ctx = (signal: AbortSignal = new AbortController().signal): ConnectorContext => ({ signal, clock, ids: ulidGenerator(clock), write: async () => {} });
const req = (params: JsonObject) => ({ actionId: 'act_1', agentId: 'bot', type: 'social.post', params });
const build = (url: string, extra: Record<string, unknown> = {}, env: Record<string, string> = { LINKEDIN_ACCESS_TOKEN: 'li-tok' }) =>
  linkedin.create(linkedinOptions.parse({ base_url: url, author: AUTHOR, ...extra }), { env });

async function failure(p: Promise<unknown>): Promise<ConnectorError> {
  const e = await p.then(() => null, (err: unknown) => err);
  expect(e).toBeInstanceOf(ConnectorError);
  return e as ConnectorError;
}

describe('linkedin little text format', () => {
  it('escapes reserved characters and keeps hashtags as hashtags', () => {
    expect(toLittleText('Price (USD): 5*3_x ~ [a] <b> @c | {d} \\e')).toBe('Price \\(USD\\): 5\\*3\\_x \\~ \\[a\\] \\<b\\> \\@c \\| \\{d\\} \\\\e');
    expect(toLittleText('Ship it #launch #AI2026 and issue#7')).toBe('Ship it {hashtag|\\#|launch} {hashtag|\\#|AI2026} and issue\\#7');
    for (const s of ['plain', 'a (b) c_d', '#tag at start', 'x\\(y', 'héllo #ünïcode']) expect(isLittleText(toLittleText(s))).toBe(true);
    expect(isLittleText('raw (paren)')).toBe(false);
  });
});

describe('linkedin connector', () => {
  let srv: LinkedInTestServer;
  let conn: Connector;
  beforeEach(async () => {
    srv = await startLinkedInServer({ token: 'li-tok', author: AUTHOR });
    conn = build(srv.url);
  });
  afterEach(() => srv.close());

  it('creates a post with the versioned headers and returns the URN from x-restli-id', async () => {
    const out = await conn.execute(req({ platform: 'linkedin', text: 'We are hiring (remote) #jobs' }), ctx());
    const [p] = [...srv.posts.values()];
    expect(out.result).toEqual({ platform: 'linkedin', id: p!.urn, url: `https://www.linkedin.com/feed/update/${p!.urn}/` });
    expect(p!.commentary).toBe('We are hiring \\(remote\\) {hashtag|\\#|jobs}');
    const sent = srv.requests[0]!;
    expect(sent.headers['linkedin-version']).toBe('202601');
    expect(sent.headers['x-restli-protocol-version']).toBe('2.0.0');
    expect(JSON.parse(sent.body)).toMatchObject({ author: AUTHOR, visibility: 'PUBLIC', lifecycleState: 'PUBLISHED', distribution: { feedDistribution: 'MAIN_FEED' } });
  });

  it('attaches a link as an article card, titled by params.title or the URL', async () => {
    await conn.execute(req({ text: 'Read the post', link: 'https://acme.test/blog', title: 'Our blog' }), ctx());
    await conn.execute(req({ text: 'Another read', link: 'https://acme.test/b2' }), ctx());
    const [a, b] = [...srv.posts.values()];
    expect(a!.article).toEqual({ source: 'https://acme.test/blog', title: 'Our blog' });
    expect(b!.article).toEqual({ source: 'https://acme.test/b2', title: 'https://acme.test/b2' });
  });

  it('undoes by deleting the URN-encoded post; a second undo counts as done', async () => {
    const out = await conn.execute(req({ text: 'temporary' }), ctx());
    const published = { ...req({ text: 'temporary' }), result: out.result };
    expect(await conn.undo!(published, ctx())).toMatchObject({ deleted: true });
    expect(srv.requests.at(-1)!.path).toBe(`/rest/posts/${encodeURIComponent((out.result as JsonObject).id as string)}`);
    expect([...srv.posts.values()][0]!.deleted).toBe(true);
    srv.posts.clear();
    expect(await conn.undo!(published, ctx())).toMatchObject({ deleted: false, already_gone: true });
  });

  it('reads likes and comments from socialActions; null once deleted', async () => {
    const out = await conn.execute(req({ text: 'measure me' }), ctx());
    const p = [...srv.posts.values()][0]!;
    p.likes = 12;
    p.comments = 3;
    const published = { ...req({ text: 'measure me' }), result: out.result };
    expect(await conn.engagement!(published, ctx())).toMatchObject({ likes: 12, comments: 3, raw: { totalLikes: 12, aggregatedTotalComments: 3 } });
    p.deleted = true;
    expect(await conn.engagement!(published, ctx())).toBeNull();
  });

  it('maps duplicate content (422) to duplicate, not retryable', async () => {
    await conn.execute(req({ text: 'same again' }), ctx());
    const e = await failure(conn.execute(req({ text: 'same again' }), ctx()));
    expect([e.reason, e.retryable, e.info.status]).toEqual(['duplicate', false, 422]);
  });

  it('maps a revoked token to auth_expired and a wrong author to forbidden', async () => {
    const wrong = build(srv.url, { author: 'urn:li:organization:1' });
    const f = await failure(wrong.execute(req({ text: 'not mine' }), ctx()));
    expect([f.reason, f.info.platformCode]).toEqual(['forbidden', 'ACCESS_DENIED']);
    srv.revoke();
    const e = await failure(conn.execute(req({ text: 'hi' }), ctx()));
    expect([e.reason, e.retryable, e.info.platformCode]).toEqual(['auth_expired', false, 'REVOKED_ACCESS_TOKEN']);
  });

  it('maps 429 with Retry-After, 5xx, and an inactive LinkedIn-Version (426)', async () => {
    srv.script({ status: 429, body: { status: 429, message: 'Resource level throttle APPLICATION DAY limit for calls to this resource is reached.' }, headers: { 'retry-after': '30' } });
    const r = await failure(conn.execute(req({ text: 'busy' }), ctx()));
    expect([r.reason, r.retryable, r.info.retryAfterMs]).toEqual(['rate_limited', true, 30_000]);
    srv.script({ status: 504, body: { status: 504, message: 'Gateway Timeout' } });
    expect((await failure(conn.execute(req({ text: 'busy' }), ctx()))).reason).toBe('unavailable');
    const old = build(srv.url, { api_version: '202301' });
    const v = await failure(old.execute(req({ text: 'old' }), ctx()));
    expect([v.reason, v.info.status, v.info.platformCode]).toEqual(['invalid', 426, 'NONEXISTENT_VERSION']);
    expect(v.message).toMatch(/api_version/);
  });

  it('times out a slow answer and honours the caller abort', async () => {
    const slow = build(srv.url, { timeout_ms: 100 });
    srv.script({ status: 201, delayMs: 2_000 });
    const t = await failure(slow.execute(req({ text: 'slow' }), ctx()));
    expect([t.reason, t.retryable]).toEqual(['timeout', true]);
    expect(t.message).toMatch(/may or may not/);
    const ctrl = new AbortController();
    ctrl.abort();
    const a = await failure(conn.execute(req({ text: 'aborted' }), ctx(ctrl.signal)));
    expect(a.message).toMatch(/aborted/);
  });

  it('maps an unreachable host to network', async () => {
    const dead = await startLinkedInServer({ token: 't', author: AUTHOR });
    await dead.close();
    const e = await failure(build(dead.url).execute(req({ text: 'x' }), ctx()));
    expect([e.reason, e.retryable]).toEqual(['network', true]);
  });

  it('rejects missing or malformed params as invalid without calling LinkedIn', async () => {
    const bad: JsonObject[] = [{}, { text: '' }, { text: 'a'.repeat(3001) }, { text: 'a', link: 'javascript:alert(1)' }, { text: 'a', link: 'https://a.test', title: '' }, { text: 'a', media_url: 'https://i.test/a.png' }];
    for (const params of bad) {
      const e = await failure(conn.execute(req(params), ctx()));
      expect([e.reason, e.retryable]).toEqual(['invalid', false]);
    }
    expect(srv.requests).toHaveLength(0);
    expect((await failure(conn.undo!({ ...req({ text: 'a' }), result: { id: 'urn:li:person:1' } }, ctx()))).reason).toBe('invalid');
  });

  it('validates options and names a missing environment variable', () => {
    expect(() => linkedinOptions.parse({ author: 'me' })).toThrow(/URN/);
    expect(() => linkedinOptions.parse({ author: AUTHOR, api_version: '2026-01' })).toThrow();
    let err: unknown;
    try {
      build(srv.url, { access_token_env: 'LI_TOKEN' }, {});
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BridleError);
    expect((err as BridleError).code).toBe('BRIDLE_E_CONFIG');
    expect((err as BridleError).message).toMatch(/LI_TOKEN/);
  });
});

describe('linkedin connector in a Bridle pipeline', () => {
  let srv: LinkedInTestServer;
  // The policy's connector is fixed when the describe is declared; the local server (and so the
  // real connector pointed at it) only exists per test, hence this pass-through.
  const holder: { conn?: Connector } = {};
  const lazy: Connector = { name: 'linkedin', execute: (r, c) => holder.conn!.execute(r, c) };
  beforeEach(async () => {
    srv = await startLinkedInServer({ token: 'li-tok', author: AUTHOR });
    holder.conn = build(srv.url);
  });
  afterEach(() => srv.close());
  const p = pipelineFor(basePolicy.replace('connector: outbox', 'connector: linkedin'), { connectors: { linkedin: lazy } });

  it('publishes: the action succeeds with the post URN in its result', async () => {
    const a = await p.bridle.submit({ agentId: 'bot', type: 'social.post', params: { platform: 'linkedin', text: 'Hello LinkedIn' } });
    expect(a.status).toBe('succeeded');
    expect(a.result).toMatchObject({ platform: 'linkedin', id: [...srv.posts.keys()][0] });
  });

  it('fails the action and records the error for a duplicate', async () => {
    await p.bridle.submit({ agentId: 'bot', type: 'social.post', params: { platform: 'linkedin', text: 'Twice' } });
    const a = await p.bridle.submit({ agentId: 'bot', type: 'social.post', params: { platform: 'linkedin', text: 'Twice' } });
    expect(a.status).toBe('failed');
    expect(a.error?.code).toBe('BRIDLE_E_CONNECTOR');
    expect(a.error?.message).toMatch(/duplicate/);
  });
});
