import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Bridle } from '../../pipeline/engine.js';
import { parsePolicy } from '../../policy/load.js';
import { testStore, type TestStore } from '../../test-support.js';
import { sequentialIds, systemClock } from '../../util/clock.js';
import type { JsonObject } from '../../json.js';
import { ConnectorError, type Connector, type ConnectorContext } from '../types.js';
import { tiktok, tiktokOptions } from './index.js';
import { startTikTokServer, type TikTokTestServer } from './test-server.js';

const TOKEN = 'act.example-token';
const ctx = (signal: AbortSignal = new AbortController().signal): ConnectorContext => ({ signal, clock: systemClock, ids: sequentialIds(), write: async () => {} });
const req = (params: JsonObject) => ({ actionId: 'act_1', agentId: 'bot', type: 'social.post', params });
const video = { platform: 'tiktok', text: 'New feature walkthrough #demo', media_url: 'https://cdn.example.com/walkthrough.mp4' };

let srv: TikTokTestServer;
const make = (extra: Record<string, unknown> = {}, env: Record<string, string> = { TT_TOKEN: TOKEN }): Connector =>
  tiktok.create(tiktokOptions.parse({ access_token_env: 'TT_TOKEN', base_url: srv.url, privacy_level: 'PUBLIC_TO_EVERYONE', poll_interval_ms: 10, publish_wait_ms: 1_000, timeout_ms: 2_000, ...extra }), { env });
const failure = async (p: Promise<unknown>): Promise<ConnectorError> => {
  const e = await p.then(() => null, (err: unknown) => err);
  expect(e).toBeInstanceOf(ConnectorError);
  return e as ConnectorError;
};
const bodyOf = (path: string) => srv.requests.find((r) => r.path === path)?.body as Record<string, Record<string, unknown>>;

beforeEach(async () => {
  srv = await startTikTokServer({ token: TOKEN });
});
afterEach(async () => {
  await srv.close();
});

describe('tiktok connector', () => {
  it('direct-posts a video from a URL: creator info, init, status until the public post id', async () => {
    srv.pollsToComplete = 2;
    const out = await make({ is_aigc: true }).execute(req({ ...video, link: 'https://example.com/f', video_cover_timestamp_ms: 1500 }), ctx());
    const r = out.result as JsonObject;
    const p = [...srv.posts.values()][0]!;
    expect(r).toEqual({ platform: 'tiktok', id: p.postId, post_id: p.postId, publish_id: p.publishId, status: 'PUBLISH_COMPLETE', media_type: 'video', url: `https://www.tiktok.com/@bridle_test/video/${p.postId}`, max_video_post_duration_sec: 600 });
    expect(srv.requests.map((x) => x.path)).toEqual(['/v2/post/publish/creator_info/query/', '/v2/post/publish/video/init/', ...Array(3).fill('/v2/post/publish/status/fetch/')]);
    const init = bodyOf('/v2/post/publish/video/init/');
    expect(init.post_info).toEqual({ title: `${video.text}\n\nhttps://example.com/f`, privacy_level: 'PUBLIC_TO_EVERYONE', disable_comment: false, disable_duet: false, disable_stitch: false, is_aigc: true, video_cover_timestamp_ms: 1500 });
    expect(init.source_info).toEqual({ source: 'PULL_FROM_URL', video_url: video.media_url });
    const sent = srv.requests[1]!.headers;
    expect([sent.authorization, sent['content-type']]).toEqual([`Bearer ${TOKEN}`, 'application/json; charset=UTF-8']);
  });

  it('posts photos with title and description, and honours the creator\'s disabled comments', async () => {
    srv.creator.comment_disabled = true;
    const out = await make().execute(req({ text: 'Behind the scenes', title: 'BTS', media_url: 'https://cdn.example.com/1.jpg', media_urls: ['https://cdn.example.com/2.webp'] }), ctx());
    expect((out.result as JsonObject).media_type).toBe('image');
    const init = bodyOf('/v2/post/publish/content/init/');
    expect(init).toMatchObject({ post_mode: 'DIRECT_POST', media_type: 'PHOTO', source_info: { source: 'PULL_FROM_URL', photo_cover_index: 0, photo_images: ['https://cdn.example.com/1.jpg', 'https://cdn.example.com/2.webp'] } });
    expect(init.post_info).toMatchObject({ title: 'BTS', description: 'Behind the scenes', disable_comment: true });
  });

  it('returns the accepted post when moderation outlasts the wait, and engagement resolves the id later', async () => {
    srv.pollsToComplete = 1_000;
    const c = make({ publish_wait_ms: 60 });
    const out = await c.execute(req(video), ctx());
    const r = out.result as JsonObject;
    const p = [...srv.posts.values()][0]!;
    expect(r).toMatchObject({ id: p.publishId, publish_id: p.publishId, status: 'PROCESSING_DOWNLOAD' });
    expect(r.post_id).toBeUndefined();
    expect(await c.engagement!({ ...req(video), result: r }, ctx())).toBeNull();
    p.pollsLeft = 0;
    Object.assign(p, { views: 900, likes: 40, comments: 6, shares: 3 });
    expect(await c.engagement!({ ...req(video), result: r }, ctx())).toEqual({ impressions: 900, likes: 40, comments: 6, shares: 3, raw: { post_id: p.postId, view_count: 900, like_count: 40, comment_count: 6, share_count: 3 } });
    const q = srv.requests.at(-1)!;
    expect([q.path, q.query.fields, q.body]).toEqual(['/v2/video/query/', 'id,like_count,comment_count,share_count,view_count', { filters: { video_ids: [p.postId] } }]);
  });

  it('fails when TikTok reports the post FAILED, classified by fail_reason', async () => {
    srv.nextFailReason = 'file_format_check_failed';
    const e = await failure(make().execute(req(video), ctx()));
    expect([e.reason, e.retryable, e.info.platformCode]).toEqual(['invalid', false, 'file_format_check_failed']);
    srv.nextFailReason = 'internal';
    expect((await failure(make().execute(req(video), ctx()))).reason).toBe('unavailable');
  });

  it('has no undo: the API offers no deletion', () => {
    expect(make().undo).toBeUndefined();
  });

  it('maps API errors: rate limit with Retry-After or the 1-minute window, daily cap, expired token, unverified URL, outages', async () => {
    const c = make();
    srv.failNext('video_init', { kind: 'error', status: 429, code: 'rate_limit_exceeded', retryAfter: '17' });
    const rl = await failure(c.execute(req(video), ctx()));
    expect([rl.reason, rl.retryable, rl.info.retryAfterMs, rl.info.status, rl.info.platformCode]).toEqual(['rate_limited', true, 17_000, 429, 'rate_limit_exceeded']);
    srv.failNext('creator_info', { kind: 'error', status: 429, code: 'rate_limit_exceeded' });
    expect((await failure(c.execute(req(video), ctx()))).info.retryAfterMs).toBe(60_000);
    srv.failNext('creator_info', { kind: 'error', status: 403, code: 'spam_risk_too_many_posts', message: 'The daily post cap from the API is reached' });
    const cap = await failure(c.execute(req(video), ctx()));
    expect([cap.reason, cap.info.retryAfterMs]).toEqual(['rate_limited', undefined]);
    expect(cap.message).toMatch(/try again tomorrow/);
    srv.failNext('video_init', { kind: 'error', status: 403, code: 'spam_risk_user_banned_from_posting' });
    expect((await failure(c.execute(req(video), ctx()))).reason).toBe('forbidden');
    const unverified = await failure(c.execute(req({ ...video, media_url: 'https://elsewhere.example.org/v.mp4' }), ctx()));
    expect([unverified.reason, unverified.info.platformCode, unverified.info.status]).toEqual(['forbidden', 'url_ownership_unverified', 403]);
    srv.failNext('video_init', { kind: 'error', status: 500, code: 'internal_error' });
    expect((await failure(c.execute(req(video), ctx()))).retryable).toBe(true);
    srv.failNext('creator_info', { kind: 'html', status: 502 });
    expect((await failure(c.execute(req(video), ctx()))).reason).toBe('unavailable');
    const expired = await failure(make({}, { TT_TOKEN: 'stale' }).execute(req(video), ctx()));
    expect([expired.reason, expired.retryable, expired.info.status, expired.info.platformCode]).toEqual(['auth_expired', false, 401, 'access_token_invalid']);
    expect(expired.message).toMatch(/log_id/);
  });

  it('checks the privacy level against the creator\'s options before posting', async () => {
    srv.creator.privacy_level_options = ['SELF_ONLY'];
    const e = await failure(make().execute(req(video), ctx()));
    expect([e.reason, e.info.platformCode]).toEqual(['invalid', 'privacy_level_option_mismatch']);
    expect(srv.posts.size).toBe(0);
    await make({ privacy_level: 'SELF_ONLY' }).execute(req(video), ctx());
    expect(srv.posts.size).toBe(1);
  });

  it('still succeeds when status polling fails after TikTok accepted the post', async () => {
    srv.failNext('status', { kind: 'error', status: 500, code: 'internal_error' });
    const out = await make().execute(req(video), ctx());
    expect(out.result).toMatchObject({ status: 'PROCESSING_DOWNLOAD', id: [...srv.posts.values()][0]!.publishId });
  });

  it('times out slow calls (saying the post may exist after init), honours abort, reports network failures', async () => {
    srv.failNext('creator_info', { kind: 'slow', ms: 500 });
    const slow = await failure(make({ timeout_ms: 100 }).execute(req(video), ctx()));
    expect([slow.reason, slow.retryable]).toEqual(['timeout', true]);
    srv.failNext('video_init', { kind: 'slow', ms: 500 });
    expect((await failure(make({ timeout_ms: 100 }).execute(req(video), ctx()))).message).toMatch(/may or may not have been submitted/);
    const ac = new AbortController();
    ac.abort();
    expect((await failure(make().execute(req(video), ctx(ac.signal)))).reason).toBe('timeout');
    const port = new URL(srv.url).port;
    await srv.close();
    expect((await failure(make({ base_url: `http://127.0.0.1:${port}` }).execute(req(video), ctx()))).reason).toBe('network');
    srv = await startTikTokServer({ token: TOKEN });
  });

  it('refuses missing or bad params before calling TikTok', async () => {
    const c = make();
    const cases: JsonObject[] = [
      { media_url: video.media_url },
      { text: 'text only' },
      { ...video, media_url: 'file:///v.mp4' },
      { ...video, media_type: 'gif' },
      { ...video, text: 'a'.repeat(2201) },
      { ...video, media_urls: [video.media_url] },
      { text: 'x', title: 'a'.repeat(91), media_url: 'https://cdn.example.com/1.jpg' },
      { ...video, video_cover_timestamp_ms: -1 },
    ];
    for (const params of cases) {
      const e = await failure(c.execute(req(params), ctx()));
      expect([e.reason, e.retryable]).toEqual(['invalid', false]);
    }
    expect(srv.requests).toHaveLength(0);
  });

  it('stops start-up when the token variable is missing, naming it', () => {
    expect(() => make({}, {})).toThrow(expect.objectContaining({ code: 'BRIDLE_E_CONFIG', message: expect.stringContaining('TT_TOKEN') }));
    expect(tiktokOptions.safeParse({ privacy_level: 'EVERYONE' }).success).toBe(false);
  });
});

describe('tiktok through a Bridle pipeline', () => {
  let t: TestStore;
  let bridle: Bridle;
  const policy = `
agents:
  bot:
    mode: auto
actions:
  social.post:
    connector: tt
    approval: never
    timeout_ms: 5000
`;
  beforeEach(async () => {
    t = await testStore('sqlite');
    bridle = await Bridle.open({ store: t.store, policy: parsePolicy(policy), connectors: { tt: make() } });
  });
  afterEach(async () => {
    await bridle.close();
    await t.cleanup();
  });

  it('succeeds with the post id in the result, and fails recording a non-retryable error', async () => {
    const a = await bridle.submit({ agentId: 'bot', type: 'social.post', params: video });
    expect(a.status).toBe('succeeded');
    expect((a.result as JsonObject).post_id).toBe([...srv.posts.values()][0]!.postId);
    srv.failNext('video_init', { kind: 'error', status: 403, code: 'spam_risk_user_banned_from_posting', message: 'The user is banned from making new posts' });
    const b = await bridle.submit({ agentId: 'bot', type: 'social.post', params: { ...video, text: 'again' } });
    expect(b.status).toBe('failed');
    expect(b.error).toMatchObject({ code: 'BRIDLE_E_CONNECTOR', message: expect.stringMatching(/banned from making new posts/) });
    expect(srv.posts.size).toBe(1);
  });
});
