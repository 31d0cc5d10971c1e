import { z } from 'zod';
import type { JsonObject, JsonValue } from '../../json.js';
import { envReader, isHttpUrl, num } from '../http.js';
import { ConnectorError, defineConnector, type ConnectorContext, type Engagement, type PublishedRequest } from '../types.js';
import { PLATFORM, reasonFor, tiktokApi } from './api.js';

/*
 * TikTok Content Posting API, Direct Post from a URL (PULL_FROM_URL):
 *   creator info → init (video or photo) → poll the publish status.
 *   https://developers.tiktok.com/doc/content-posting-api-reference-query-creator-info
 *   https://developers.tiktok.com/doc/content-posting-api-reference-direct-post
 *   https://developers.tiktok.com/doc/content-posting-api-reference-photo-post
 *   https://developers.tiktok.com/doc/content-posting-api-reference-get-video-status
 * Engagement: Display API video query (scope video.list).
 *   https://developers.tiktok.com/doc/tiktok-api-v2-video-query
 * No undo: the TikTok API offers no way to delete a post; it is removed in the TikTok app.
 * Publishing is asynchronous and moderation can take hours, so `execute` succeeds once TikTok
 * has accepted the post, and waits at most publish_wait_ms for the public post id.
 */

const envName = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'an environment variable name (A-Z, 0-9, _)');

export const tiktokOptions = z
  .object({
    /** Environment variable holding the user access token (scopes video.publish, and video.list for engagement). */
    access_token_env: envName.default('TIKTOK_ACCESS_TOKEN'),
    base_url: z.url({ protocol: /^https?$/ }).default('https://open.tiktokapis.com'),
    /** Who sees the post; must be one the creator allows. Unaudited apps can only post SELF_ONLY. */
    privacy_level: z.enum(['PUBLIC_TO_EVERYONE', 'MUTUAL_FOLLOW_FRIENDS', 'FOLLOWER_OF_CREATOR', 'SELF_ONLY']).default('SELF_ONLY'),
    disable_comment: z.boolean().default(false),
    disable_duet: z.boolean().default(false),
    disable_stitch: z.boolean().default(false),
    /** Labels the post as AI-generated content. */
    is_aigc: z.boolean().default(false),
    /** Per HTTP request. */
    timeout_ms: z.number().int().positive().max(120_000).default(10_000),
    /** How long to wait for the public post id after TikTok accepts the post; keep it under the action type's timeout_ms. */
    publish_wait_ms: z.number().int().nonnegative().max(600_000).default(5_000),
    /** Status fetches are limited to 30 a minute per token. */
    poll_interval_ms: z.number().int().min(10).max(60_000).default(2_000),
  })
  .strict();

export type TikTokOptions = z.output<typeof tiktokOptions>;

/** Limits from the Direct Post and Photo Post references (UTF-16 code units). */
const MAX_VIDEO_TITLE = 2200;
const MAX_PHOTO_TITLE = 90;
const MAX_PHOTO_DESCRIPTION = 4000;
const MAX_PHOTOS = 35;
const VIDEO_EXT = /\.(mp4|mov|webm)$/i;

interface Post {
  text: string;
  title?: string;
  video: boolean;
  urls: string[];
  coverMs?: number;
}

/** Reads `social.post` params; anything missing or malformed is 'invalid' (not worth retrying). */
export function readParams(params: JsonObject): Post {
  const bad = (m: string) => new ConnectorError(PLATFORM, 'invalid', m);
  const text0 = params.text;
  if (typeof text0 !== 'string' || text0.trim() === '') throw bad('params.text is required: the caption');
  const link = params.link;
  if (link !== undefined && (typeof link !== 'string' || !isHttpUrl(link))) throw bad('params.link must be an http(s) URL');
  // TikTok captions do not render links; appending keeps the URL visible to readers.
  const text = typeof link === 'string' && !text0.includes(link) ? `${text0}\n\n${link}` : text0;
  const extra = params.media_urls;
  if (extra !== undefined && (!Array.isArray(extra) || !extra.every((u) => typeof u === 'string' && isHttpUrl(u)))) throw bad('params.media_urls must be a list of http(s) URLs');
  const urls = [...(typeof params.media_url === 'string' ? [params.media_url] : []), ...((extra as string[] | undefined) ?? [])];
  if (urls.length === 0 || !urls.every(isHttpUrl)) throw bad('params.media_url is required: a public http(s) URL of the video or photo, on a domain verified for the app (TikTok cannot post text alone)');
  const type = params.media_type;
  if (type !== undefined && type !== 'image' && type !== 'video') throw bad(`params.media_type must be "image" or "video", not ${JSON.stringify(type)}`);
  const video = type === undefined ? VIDEO_EXT.test(new URL(urls[0]!).pathname) : type === 'video';
  const title = params.title;
  if (title !== undefined && typeof title !== 'string') throw bad('params.title must be a string');
  const cover = params.video_cover_timestamp_ms;
  if (cover !== undefined && !(typeof cover === 'number' && Number.isSafeInteger(cover) && cover >= 0)) throw bad('params.video_cover_timestamp_ms must be a non-negative integer');
  if (video) {
    if (urls.length > 1) throw bad('a TikTok video post takes one media_url');
    if (text.length > MAX_VIDEO_TITLE) throw bad(`the caption is ${text.length} characters; TikTok allows ${MAX_VIDEO_TITLE} for a video`);
  } else {
    if (urls.length > MAX_PHOTOS) throw bad(`a TikTok photo post takes at most ${MAX_PHOTOS} photos`);
    if (text.length > MAX_PHOTO_DESCRIPTION) throw bad(`the caption is ${text.length} characters; TikTok allows ${MAX_PHOTO_DESCRIPTION} for a photo post`);
    if (typeof title === 'string' && title.length > MAX_PHOTO_TITLE) throw bad(`params.title is ${title.length} characters; TikTok allows ${MAX_PHOTO_TITLE} for a photo post`);
  }
  return { text, video, urls, ...(typeof title === 'string' && title ? { title } : {}), ...(typeof cover === 'number' ? { coverMs: cover } : {}) };
}

function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const onAbort = () => {
      clearTimeout(t);
      resolve(false);
    };
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

interface Status {
  status: string;
  postId?: string;
  failReason?: string;
}

function readStatus(data: Record<string, unknown>): Status {
  // The field name is spelled this way in TikTok's API.
  const ids = data.publicaly_available_post_id;
  const first = Array.isArray(ids) ? ids[0] : undefined;
  const postId = typeof first === 'string' || typeof first === 'number' ? String(first) : undefined;
  return { status: typeof data.status === 'string' ? data.status : 'UNKNOWN', ...(postId ? { postId } : {}), ...(typeof data.fail_reason === 'string' ? { failReason: data.fail_reason } : {}) };
}

const str = (o: JsonValue, k: string): string | undefined => {
  const v = o !== null && typeof o === 'object' && !Array.isArray(o) ? o[k] : undefined;
  return typeof v === 'string' && v ? v : undefined;
};

/**
 * `tiktok`: posts a video or photos to a TikTok account with Direct Post, and reads views,
 * likes, comments and shares. It cannot undo (the API has no delete).
 *
 * @example
 *   connectors:
 *     tt: { kind: tiktok, access_token_env: TIKTOK_TOKEN, privacy_level: PUBLIC_TO_EVERYONE }
 */
export const tiktok = defineConnector({
  name: 'tiktok',
  description: 'Posts videos and photos to TikTok via the Content Posting API (Direct Post from a URL). The API offers no deletion, so no undo.',
  options: tiktokOptions,
  create(options, { env }) {
    const token = envReader('tiktok', env)(options.access_token_env, 'the access token');
    const call = (ctx: ConnectorContext, c: { path: string; body?: unknown; query?: Record<string, string>; step: string; mayHaveHappened?: boolean }) =>
      tiktokApi({ ...c, token, baseUrl: options.base_url, signal: ctx.signal, timeoutMs: options.timeout_ms, now: () => ctx.clock.now() });
    const fetchStatus = async (ctx: ConnectorContext, publishId: string) =>
      readStatus(await call(ctx, { path: '/v2/post/publish/status/fetch/', body: { publish_id: publishId }, step: 'fetch the post status' }));

    /** Polls until a final status or publish_wait_ms; errors while polling leave the post as accepted. */
    async function settle(ctx: ConnectorContext, publishId: string): Promise<Status> {
      const started = performance.now();
      const maxPolls = Math.ceil(options.publish_wait_ms / options.poll_interval_ms) + 1;
      let last: Status = { status: 'PROCESSING_DOWNLOAD' };
      for (let i = 0; i < maxPolls; i++) {
        if (performance.now() - started >= options.publish_wait_ms) break;
        if (!(await sleep(Math.min(options.poll_interval_ms, options.publish_wait_ms), ctx.signal))) break;
        try {
          last = await fetchStatus(ctx, publishId);
        } catch {
          // TikTok already has the post; a failed status read must not report it as not posted.
          break;
        }
        if (last.status === 'FAILED' || (last.status === 'PUBLISH_COMPLETE' && last.postId)) break;
      }
      return last;
    }

    return {
      name: 'tiktok',
      async execute(req, ctx) {
        const post = readParams(req.params);
        const creator = await call(ctx, { path: '/v2/post/publish/creator_info/query/', step: 'query the creator info' });
        const allowed = Array.isArray(creator.privacy_level_options) ? creator.privacy_level_options.filter((x): x is string => typeof x === 'string') : [];
        if (!allowed.includes(options.privacy_level)) {
          throw new ConnectorError(PLATFORM, 'invalid', `privacy_level ${options.privacy_level} is not one this creator allows (${allowed.join(', ') || 'none'})`, { platformCode: 'privacy_level_option_mismatch' });
        }
        const maxSec = num(creator.max_video_post_duration_sec);
        const postInfo: Record<string, unknown> = {
          privacy_level: options.privacy_level,
          // The creator's own settings win: TikTok's guidelines forbid enabling what they turned off.
          disable_comment: options.disable_comment || creator.comment_disabled === true,
          is_aigc: options.is_aigc,
        };
        let init: Record<string, unknown>;
        if (post.video) {
          Object.assign(postInfo, { title: post.text, disable_duet: options.disable_duet || creator.duet_disabled === true, disable_stitch: options.disable_stitch || creator.stitch_disabled === true });
          if (post.coverMs !== undefined) postInfo.video_cover_timestamp_ms = post.coverMs;
          init = await call(ctx, { path: '/v2/post/publish/video/init/', body: { post_info: postInfo, source_info: { source: 'PULL_FROM_URL', video_url: post.urls[0] } }, step: 'start the video post', mayHaveHappened: true });
        } else {
          Object.assign(postInfo, { description: post.text, ...(post.title ? { title: post.title } : {}) });
          init = await call(ctx, {
            path: '/v2/post/publish/content/init/',
            body: { post_info: postInfo, source_info: { source: 'PULL_FROM_URL', photo_cover_index: 0, photo_images: post.urls }, post_mode: 'DIRECT_POST', media_type: 'PHOTO' },
            step: 'start the photo post',
            mayHaveHappened: true,
          });
        }
        const publishId = init.publish_id;
        if (typeof publishId !== 'string' || !publishId) throw new ConnectorError(PLATFORM, 'unknown', 'TikTok accepted the post but returned no publish_id; it may still be published');
        const st = await settle(ctx, publishId);
        if (st.status === 'FAILED') {
          const reason = (st.failReason ? reasonFor(st.failReason) : undefined) ?? 'unknown';
          throw new ConnectorError(PLATFORM, reason, `TikTok could not publish the post: ${st.failReason ?? 'FAILED'}; nothing was published`, { ...(st.failReason ? { platformCode: st.failReason } : {}) });
        }
        const username = typeof creator.creator_username === 'string' ? creator.creator_username : undefined;
        const result: JsonObject = { platform: PLATFORM, id: st.postId ?? publishId, publish_id: publishId, status: st.status, media_type: post.video ? 'video' : 'image' };
        if (st.postId) result.post_id = st.postId;
        if (st.postId && username) result.url = `https://www.tiktok.com/@${username}/${post.video ? 'video' : 'photo'}/${st.postId}`;
        if (maxSec !== undefined) result.max_video_post_duration_sec = maxSec;
        return { result };
      },

      async engagement(req: PublishedRequest, ctx): Promise<Engagement | null> {
        let postId = str(req.result, 'post_id');
        if (!postId) {
          const publishId = str(req.result, 'publish_id');
          if (!publishId) throw new ConnectorError(PLATFORM, 'invalid', 'the action result has no TikTok publish_id');
          const st = await fetchStatus(ctx, publishId);
          // Still in moderation, or never published: nothing to count yet.
          if (st.status !== 'PUBLISH_COMPLETE' || !st.postId) return null;
          postId = st.postId;
        }
        const data = await call(ctx, {
          path: '/v2/video/query/',
          query: { fields: 'id,like_count,comment_count,share_count,view_count' },
          body: { filters: { video_ids: [postId] } },
          step: 'read the post metrics',
        });
        const video = Array.isArray(data.videos) ? (data.videos as unknown[]).find((v) => String((v as Record<string, unknown> | null)?.id) === postId) : undefined;
        // Deleted in the app, or not visible to this token: no figures rather than zeros.
        if (!video || typeof video !== 'object') return null;
        const v = video as Record<string, unknown>;
        const raw: JsonObject = { post_id: postId };
        const out: Engagement = { raw };
        for (const [field, key] of [['view_count', 'impressions'], ['like_count', 'likes'], ['comment_count', 'comments'], ['share_count', 'shares']] as const) {
          const n = num(v[field]);
          if (n === undefined) continue;
          raw[field] = n;
          out[key] = n;
        }
        return out;
      },
    };
  },
});
