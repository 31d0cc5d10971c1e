import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Bridle } from '../../pipeline/engine.js';
import { parsePolicy } from '../../policy/load.js';
import { testStore, type TestStore } from '../../test-support.js';
import { sequentialIds, systemClock } from '../../util/clock.js';
import type { JsonObject } from '../../json.js';
import { ConnectorError, type Connector, type ConnectorContext } from '../types.js';
import { instagram, instagramOptions } from './index.js';
import { startGraphServer, type GraphTestServer } from './test-server.js';

const TOKEN = 'EAAtest-token';
const ctx = (signal: AbortSignal = new AbortController().signal): ConnectorContext => ({ signal, clock: systemClock, ids: sequentialIds(), write: async () => {} });
const req = (params: JsonObject) => ({ actionId: 'act_1', agentId: 'bot', type: 'social.post', params });
const image = { platform: 'instagram', text: 'Launch day!', media_url: 'https://cdn.example.com/a.jpg' };

let srv: GraphTestServer;
const make = (extra: Record<string, unknown> = {}, env: Record<string, string> = { IG_TOKEN: TOKEN }): Connector =>
  instagram.create(instagramOptions.parse({ ig_user_id: srv.igUserId, access_token_env: 'IG_TOKEN', base_url: srv.url, poll_interval_ms: 10, publish_wait_ms: 2_000, timeout_ms: 2_000, ...extra }), { env });
const failure = async (p: Promise<unknown>): Promise<ConnectorError> => {
  const e = await p.then(() => null, (err: unknown) => err);
  expect(e).toBeInstanceOf(ConnectorError);
  return e as ConnectorError;
};

beforeEach(async () => {
  srv = await startGraphServer({ token: TOKEN });
});
afterEach(async () => {
  await srv.close();
});

describe('instagram connector', () => {
  it('publishes an image: container, status, publish, permalink — token in the header, form-encoded body', async () => {
    const out = await make().execute(req({ ...image, link: 'https://example.com/launch', alt_text: 'A rocket' }), ctx());
    const result = out.result as JsonObject;
    expect(result).toMatchObject({ platform: 'instagram', media_type: 'image' });
    expect(result.url).toMatch(/^https:\/\/www\.instagram\.com\/p\//);
    const stored = srv.media.get(result.id as string)!;
    expect(stored.caption).toBe('Launch day!\n\nhttps://example.com/launch');
    const create = srv.requests.find((r) => r.path.endsWith('/media'))!;
    expect(create.path).toBe(`/v25.0/${srv.igUserId}/media`);
    expect(create.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(create.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(new URLSearchParams(create.body))).toEqual({ caption: stored.caption, image_url: image.media_url, alt_text: 'A rocket' });
    expect(srv.requests.every((r) => !('access_token' in r.query))).toBe(true);
    const publish = srv.requests.find((r) => r.path.endsWith('/media_publish'))!;
    expect(new URLSearchParams(publish.body).get('creation_id')).toBe(result.container_id);
  });

  it('publishes a reel after polling the container until FINISHED', async () => {
    srv.videoPolls = 3;
    const out = await make().execute(req({ text: 'Watch this', media_url: 'https://cdn.example.com/clip.mp4' }), ctx());
    expect((out.result as JsonObject).media_type).toBe('video');
    const create = new URLSearchParams(srv.requests.find((r) => r.path.endsWith('/media'))!.body);
    expect(create.get('media_type')).toBe('REELS');
    expect(create.get('video_url')).toBe('https://cdn.example.com/clip.mp4');
    expect(srv.requests.filter((r) => r.query.fields === 'status_code,status')).toHaveLength(4);
  });

  it('gives up with a retryable timeout when the container is still processing, publishing nothing', async () => {
    srv.videoPolls = 1_000;
    const e = await failure(make({ publish_wait_ms: 100 }).execute(req({ text: 'x', media_url: 'https://cdn.example.com/v', media_type: 'video' }), ctx()));
    expect(e.reason).toBe('timeout');
    expect(e.retryable).toBe(true);
    expect(e.message).toMatch(/nothing was published/);
    expect(srv.media.size).toBe(0);
    expect(srv.requests.some((r) => r.path.endsWith('/media_publish'))).toBe(false);
  });

  it('maps a container ERROR to invalid, or to retryable when its subcode says try again', async () => {
    srv.nextContainerError = 'ERROR: 2207026 Unsupported video format';
    const bad = await failure(make().execute(req(image), ctx()));
    expect([bad.reason, bad.retryable, bad.info.platformCode]).toEqual(['invalid', false, '2207026']);
    srv.nextContainerError = 'ERROR: 2207001 Instagram server error';
    const again = await failure(make().execute(req(image), ctx()));
    expect([again.reason, again.retryable]).toEqual(['unavailable', true]);
  });

  it('undo deletes the media; a second undo finds it gone and still succeeds', async () => {
    const c = make();
    const out = await c.execute(req(image), ctx());
    const published = { ...req(image), result: out.result };
    expect(await c.undo!(published, ctx())).toMatchObject({ deleted: true });
    expect(srv.media.size).toBe(0);
    expect(srv.requests.at(-1)!.method).toBe('DELETE');
    expect(await c.undo!(published, ctx())).toMatchObject({ already_gone: true });
  });

  it('undo refuses on graph.instagram.com, which cannot delete media', async () => {
    const c = instagram.create(instagramOptions.parse({ ig_user_id: '1', base_url: 'https://graph.instagram.com' }), { env: { INSTAGRAM_ACCESS_TOKEN: 't' } });
    const e = await failure(c.undo!({ ...req(image), result: { platform: 'instagram', id: '123' } }, ctx()));
    expect(e.reason).toBe('forbidden');
  });

  it('engagement reads like/comment counts and insights', async () => {
    const c = make();
    const out = await c.execute(req(image), ctx());
    const m = srv.media.get((out.result as JsonObject).id as string)!;
    m.likes = 12;
    m.comments = 4;
    const e = await c.engagement!({ ...req(image), result: out.result }, ctx());
    expect(e).toMatchObject({ likes: 12, comments: 4, impressions: 120, shares: 3, saves: 2 });
    expect(e!.raw).toMatchObject({ reach: 84, total_interactions: 21 });
    // Without insights permission the counts still come back.
    srv.failNext('insights', { kind: 'permission' });
    expect(await c.engagement!({ ...req(image), result: out.result }, ctx())).toEqual({ likes: 12, comments: 4, raw: { like_count: 12, comments_count: 4 } });
    srv.media.clear();
    expect(await c.engagement!({ ...req(image), result: out.result }, ctx())).toBeNull();
  });

  it('maps Graph errors: rate limits with the BUC regain time, expired token, publish cap, permission, outages', async () => {
    const c = make();
    srv.failNext('create', { kind: 'rate_limit', code: 32, regainMinutes: 7 });
    const rl = await failure(c.execute(req(image), ctx()));
    expect([rl.reason, rl.retryable, rl.info.retryAfterMs, rl.info.platformCode, rl.info.status]).toEqual(['rate_limited', true, 420_000, '32', 400]);
    srv.failNext('create', { kind: 'expired_token' });
    const exp = await failure(c.execute(req(image), ctx()));
    expect([exp.reason, exp.retryable, exp.info.platformCode]).toEqual(['auth_expired', false, '190/463']);
    expect(exp.message).toMatch(/Session has expired/);
    srv.failNext('publish', { kind: 'publish_limit' });
    const cap = await failure(c.execute(req(image), ctx()));
    expect([cap.reason, cap.info.platformCode]).toEqual(['rate_limited', '9/2207042']);
    expect(cap.message).toMatch(/limit of posts in 24 hours/);
    srv.failNext('create', { kind: 'permission' });
    expect((await failure(c.execute(req(image), ctx()))).reason).toBe('forbidden');
    srv.failNext('create', { kind: 'transient' });
    const down = await failure(c.execute(req(image), ctx()));
    expect([down.reason, down.retryable, down.info.status]).toEqual(['unavailable', true, 500]);
    srv.failNext('status', { kind: 'server_down' });
    expect((await failure(c.execute(req(image), ctx()))).reason).toBe('unavailable');
    const wrong = instagram.create(instagramOptions.parse({ ig_user_id: srv.igUserId, base_url: srv.url }), { env: { INSTAGRAM_ACCESS_TOKEN: 'nope' } });
    expect((await failure(wrong.execute(req(image), ctx()))).reason).toBe('auth_expired');
  });

  it('times out a slow request, honours an aborted signal, and reports an unreachable host as network', async () => {
    srv.failNext('create', { kind: 'slow', ms: 500 });
    const slow = await failure(make({ timeout_ms: 100 }).execute(req(image), ctx()));
    expect([slow.reason, slow.retryable]).toEqual(['timeout', true]);
    srv.failNext('publish', { kind: 'slow', ms: 500 });
    const unsure = await failure(make({ timeout_ms: 100 }).execute(req(image), ctx()));
    expect(unsure.message).toMatch(/may or may not have been published/);
    const ac = new AbortController();
    ac.abort();
    expect((await failure(make().execute(req(image), ctx(ac.signal)))).reason).toBe('timeout');
    const port = new URL(srv.url).port;
    await srv.close();
    const gone = await failure(make({ base_url: `http://127.0.0.1:${port}` }).execute(req(image), ctx()));
    expect([gone.reason, gone.retryable]).toEqual(['network', true]);
    srv = await startGraphServer({ token: TOKEN });
  });

  it('refuses missing or bad params before calling Instagram', async () => {
    const c = make();
    const cases: JsonObject[] = [{ media_url: image.media_url }, { text: 'no media' }, { text: 'x', media_url: 'ftp://a/b.jpg' }, { ...image, media_type: 'gif' }, { ...image, text: 'a'.repeat(2201) }, { ...image, link: 'not a url' }];
    for (const params of cases) {
      const e = await failure(c.execute(req(params), ctx()));
      expect([e.reason, e.retryable, e.code]).toEqual(['invalid', false, 'BRIDLE_E_CONNECTOR']);
    }
    expect(srv.requests).toHaveLength(0);
  });

  it('stops start-up when the token variable is missing, naming it', () => {
    expect(() => make({}, {})).toThrow(expect.objectContaining({ code: 'BRIDLE_E_CONFIG', message: expect.stringContaining('IG_TOKEN') }));
    expect(instagramOptions.safeParse({ ig_user_id: '1', extra: true }).success).toBe(false);
  });
});

describe('instagram through a Bridle pipeline', () => {
  let t: TestStore;
  let bridle: Bridle;
  const policy = `
agents:
  bot:
    mode: auto
actions:
  social.post:
    connector: ig
    approval: never
    timeout_ms: 5000
`;
  beforeEach(async () => {
    t = await testStore('sqlite');
    bridle = await Bridle.open({ store: t.store, policy: parsePolicy(policy), connectors: { ig: make() } });
  });
  afterEach(async () => {
    await bridle.close();
    await t.cleanup();
  });

  it('succeeds with the media id in the result, and fails recording a non-retryable error', async () => {
    const a = await bridle.submit({ agentId: 'bot', type: 'social.post', params: image });
    expect(a.status).toBe('succeeded');
    const id = (a.result as JsonObject).id as string;
    expect(srv.media.has(id)).toBe(true);
    srv.failNext('create', { kind: 'expired_token' });
    const b = await bridle.submit({ agentId: 'bot', type: 'social.post', params: { ...image, text: 'second' } });
    expect(b.status).toBe('failed');
    expect(b.error).toMatchObject({ code: 'BRIDLE_E_CONNECTOR', message: expect.stringMatching(/Session has expired/) });
    expect(srv.media.size).toBe(1);
  });
});
