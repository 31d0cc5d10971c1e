import { z } from 'zod';
import type { JsonObject, JsonValue } from '../../json.js';
import { envReader, isHttpUrl, num, urlWith } from '../http.js';
import { ConnectorError, defineConnector, type ConnectorContext, type Engagement, type PublishedRequest } from '../types.js';
import { graph, PLATFORM } from './graph.js';

/*
 * Instagram Graph API content publishing: create a media container, wait until its
 * `status_code` is FINISHED, then publish it.
 *   https://developers.facebook.com/docs/instagram-platform/content-publishing
 *   https://developers.facebook.com/documentation/instagram-platform/instagram-graph-api/reference/ig-user/media
 *   https://developers.facebook.com/documentation/instagram-platform/instagram-graph-api/reference/ig-container
 *   https://developers.facebook.com/documentation/instagram-platform/instagram-graph-api/reference/ig-user/media_publish
 * Undo: `DELETE /<IG_MEDIA_ID>` (since Dec 2025), only with Instagram API with Facebook Login
 * (host graph.facebook.com, permission instagram_manage_contents); graph.instagram.com refuses it.
 *   https://developers.facebook.com/documentation/instagram-platform/reference/instagram-media
 * Engagement: media fields like_count/comments_count plus media insights.
 *   https://developers.facebook.com/documentation/instagram-platform/reference/instagram-media/insights
 */

const envName = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'an environment variable name (A-Z, 0-9, _)');

export const instagramOptions = z
  .object({
    /** Environment variable holding the Facebook (or Instagram) User access token. */
    access_token_env: envName.default('INSTAGRAM_ACCESS_TOKEN'),
    /** The Instagram professional account (IG User) that publishes. */
    ig_user_id: z.string().regex(/^\d{1,32}$/, 'a numeric IG User id'),
    /** graph.facebook.com (Facebook Login; required for undo) or graph.instagram.com (Instagram Login). */
    base_url: z.url({ protocol: /^https?$/ }).default('https://graph.facebook.com'),
    api_version: z.string().regex(/^v\d+\.\d+$/, 'a Graph API version such as v25.0').default('v25.0'),
    /** Per HTTP request. */
    timeout_ms: z.number().int().positive().max(120_000).default(10_000),
    /** How long to wait for a container to finish processing (videos take a while); keep it under the action type's timeout_ms. */
    publish_wait_ms: z.number().int().nonnegative().max(600_000).default(8_000),
    poll_interval_ms: z.number().int().min(10).max(60_000).default(1_000),
  })
  .strict();

export type InstagramOptions = z.output<typeof instagramOptions>;

/** Caption limit from the media endpoint reference. */
const MAX_CAPTION = 2200;
const VIDEO_EXT = /\.(mp4|mov|m4v)(\?|#|$)/i;

interface Post {
  caption: string;
  mediaUrl: string;
  video: boolean;
  altText?: string;
  shareToFeed: boolean;
}

/** Reads `social.post` params; anything missing or malformed is 'invalid' (not worth retrying). */
export function readParams(params: JsonObject): Post {
  const bad = (m: string) => new ConnectorError(PLATFORM, 'invalid', m);
  const text = params.text;
  if (typeof text !== 'string' || text.trim() === '') throw bad('params.text is required: the caption');
  const link = params.link;
  if (link !== undefined && (typeof link !== 'string' || !isHttpUrl(link))) throw bad('params.link must be an http(s) URL');
  // Instagram captions do not render links as links; appending keeps the URL visible to readers.
  const caption = typeof link === 'string' && !text.includes(link) ? `${text}\n\n${link}` : text;
  if ([...caption].length > MAX_CAPTION) throw bad(`the caption is ${[...caption].length} characters; Instagram allows ${MAX_CAPTION}`);
  const mediaUrl = params.media_url;
  if (typeof mediaUrl !== 'string' || !isHttpUrl(mediaUrl)) throw bad('params.media_url is required: a public http(s) URL of the image or video (Instagram cannot post text alone)');
  const type = params.media_type;
  if (type !== undefined && type !== 'image' && type !== 'video') throw bad(`params.media_type must be "image" or "video", not ${JSON.stringify(type)}`);
  const altText = params.alt_text;
  if (altText !== undefined && typeof altText !== 'string') throw bad('params.alt_text must be a string');
  const shareToFeed = params.share_to_feed;
  if (shareToFeed !== undefined && typeof shareToFeed !== 'boolean') throw bad('params.share_to_feed must be true or false');
  const video = type === undefined ? VIDEO_EXT.test(new URL(mediaUrl).pathname) : type === 'video';
  return { caption, mediaUrl, video, shareToFeed: shareToFeed ?? true, ...(typeof altText === 'string' && altText ? { altText } : {}) };
}

/** The published media id from `execute`'s result. */
function mediaIdOf(result: JsonValue): string {
  const id = result !== null && typeof result === 'object' && !Array.isArray(result) ? result.id : undefined;
  if (typeof id !== 'string' || !/^\d+$/.test(id)) throw new ConnectorError(PLATFORM, 'invalid', 'the action result has no Instagram media id');
  return id;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new ConnectorError(PLATFORM, 'timeout', 'aborted while waiting for Instagram to process the media'));
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(new ConnectorError(PLATFORM, 'timeout', 'aborted while waiting for Instagram to process the media'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * `instagram`: publishes an image or a reel to an Instagram professional account through the
 * Graph API, deletes it on undo, and reads likes, comments, views, shares and saves.
 *
 * @example
 *   connectors:
 *     ig: { kind: instagram, ig_user_id: "17841400000000000", access_token_env: IG_TOKEN }
 */
export const instagram = defineConnector({
  name: 'instagram',
  description: 'Publishes images and reels to Instagram via the Graph API (container, then publish); undo deletes the media.',
  options: instagramOptions,
  create(options, { env }) {
    const token = envReader('instagram', env)(options.access_token_env, 'the access token');
    const root = options.base_url.replace(/\/+$/, '');
    const url = (path: string, query: Record<string, string> = {}) => urlWith(`${root}/${options.api_version}/${path}`, query);
    const call = (ctx: ConnectorContext, c: Omit<Parameters<typeof graph>[0], 'token' | 'signal' | 'timeoutMs' | 'now'>) =>
      graph({ ...c, token, signal: ctx.signal, timeoutMs: options.timeout_ms, now: () => ctx.clock.now() });

    /** Polls the container until FINISHED; bounded by publish_wait_ms and the poll count it implies. */
    async function waitFinished(ctx: ConnectorContext, containerId: string): Promise<void> {
      const started = performance.now();
      const maxPolls = Math.ceil(options.publish_wait_ms / options.poll_interval_ms) + 1;
      let last = 'IN_PROGRESS';
      for (let i = 0; i < maxPolls; i++) {
        const { body } = await call(ctx, { method: 'GET', url: url(containerId, { fields: 'status_code,status' }), step: 'check the media container' });
        last = typeof body.status_code === 'string' ? body.status_code : 'unknown';
        if (last === 'FINISHED') return;
        if (last === 'ERROR') {
          const detail = typeof body.status === 'string' ? body.status : '';
          const sub = /\b(22\d{5})\b/.exec(detail)?.[1];
          // The container's `status` carries the error subcode; the retryable ones are server-side hiccups.
          const retry = sub !== undefined && ['2207001', '2207003', '2207032', '2207053'].includes(sub);
          throw new ConnectorError(PLATFORM, retry ? 'unavailable' : 'invalid', `Instagram could not process the media: ${detail || 'status ERROR'}; nothing was published`, { ...(sub ? { platformCode: sub } : {}) });
        }
        if (last === 'EXPIRED' || last === 'PUBLISHED') throw new ConnectorError(PLATFORM, 'unknown', `the media container is ${last}, so it cannot be published again`);
        if (performance.now() - started + options.poll_interval_ms > options.publish_wait_ms) break;
        await sleep(options.poll_interval_ms, ctx.signal);
      }
      throw new ConnectorError(PLATFORM, 'timeout', `Instagram was still processing the media (${last}) after ${options.publish_wait_ms} ms; nothing was published (raise publish_wait_ms for videos)`);
    }

    return {
      name: 'instagram',
      async execute(req, ctx) {
        const post = readParams(req.params);
        const form: Record<string, string> = { caption: post.caption };
        if (post.video) Object.assign(form, { media_type: 'REELS', video_url: post.mediaUrl, share_to_feed: String(post.shareToFeed) });
        else Object.assign(form, { image_url: post.mediaUrl, ...(post.altText ? { alt_text: post.altText } : {}) });
        const created = await call(ctx, { method: 'POST', url: url(`${options.ig_user_id}/media`), form, step: 'create the media container' });
        const containerId = created.body.id;
        if (typeof containerId !== 'string') throw new ConnectorError(PLATFORM, 'unknown', 'Instagram created a container but returned no id');
        await waitFinished(ctx, containerId);
        const published = await call(ctx, { method: 'POST', url: url(`${options.ig_user_id}/media_publish`), form: { creation_id: containerId }, step: 'publish the media', mayHaveHappened: true });
        const id = published.body.id;
        if (typeof id !== 'string') throw new ConnectorError(PLATFORM, 'unknown', 'Instagram accepted the publish but returned no media id; the post may be live');
        // The post is live now: a failure to read its permalink must not turn success into failure.
        const permalink = await call(ctx, { method: 'GET', url: url(id, { fields: 'permalink' }), step: 'read the permalink' }).then(
          (r) => (typeof r.body.permalink === 'string' ? r.body.permalink : undefined),
          () => undefined,
        );
        const result: JsonObject = { platform: PLATFORM, id, container_id: containerId, media_type: post.video ? 'video' : 'image' };
        if (permalink) result.url = permalink;
        return { result };
      },

      async undo(req: PublishedRequest, ctx): Promise<JsonObject> {
        const id = mediaIdOf(req.result);
        if (new URL(root).hostname === 'graph.instagram.com') {
          throw new ConnectorError(PLATFORM, 'forbidden', 'Instagram deletes media only through graph.facebook.com (Instagram API with Facebook Login); set base_url to https://graph.facebook.com with a Facebook User token holding instagram_manage_contents');
        }
        try {
          const { body } = await call(ctx, { method: 'DELETE', url: url(id), step: 'delete the media' });
          return { platform: PLATFORM, id, deleted: body.success === true };
        } catch (e) {
          // Gone already (404, or Graph's 100/33 "does not exist"): undo is retried after crashes, so that counts as done.
          if (e instanceof ConnectorError && e.reason === 'not_found') return { platform: PLATFORM, id, deleted: false, already_gone: true };
          throw e;
        }
      },

      async engagement(req: PublishedRequest, ctx): Promise<Engagement | null> {
        const id = mediaIdOf(req.result);
        let fields: Record<string, unknown>;
        try {
          fields = (await call(ctx, { method: 'GET', url: url(id, { fields: 'like_count,comments_count' }), step: 'read the media counts' })).body;
        } catch (e) {
          if (e instanceof ConnectorError && e.reason === 'not_found') return null;
          throw e;
        }
        const raw: JsonObject = {};
        const likes = num(fields.like_count);
        const comments = num(fields.comments_count);
        if (likes !== undefined) raw.like_count = likes;
        if (comments !== undefined) raw.comments_count = comments;
        try {
          const { body } = await call(ctx, { method: 'GET', url: url(`${id}/insights`, { metric: 'views,reach,shares,saved,total_interactions' }), step: 'read the media insights' });
          for (const m of Array.isArray(body.data) ? body.data : []) {
            const name = (m as Record<string, unknown>).name;
            const value = insightValue(m as Record<string, unknown>);
            if (typeof name === 'string' && value !== undefined) raw[name] = value;
          }
        } catch (e) {
          // No insights permission, or a media type without these metrics: the counts above still stand.
          if (!(e instanceof ConnectorError) || e.retryable || e.reason === 'auth_expired') throw e;
        }
        const out: Engagement = { raw };
        if (likes !== undefined) out.likes = likes;
        if (comments !== undefined) out.comments = comments;
        const pick = (k: string) => (typeof raw[k] === 'number' ? raw[k] : undefined);
        const views = pick('views');
        const shares = pick('shares');
        const saves = pick('saved');
        if (views !== undefined) out.impressions = views;
        if (shares !== undefined) out.shares = shares;
        if (saves !== undefined) out.saves = saves;
        return out;
      },
    };
  },
});

/** Insights values come as `values: [{ value }]` (lifetime) or `total_value: { value }`. */
function insightValue(m: Record<string, unknown>): number | undefined {
  const values = m.values;
  if (Array.isArray(values) && values.length > 0) return num((values[values.length - 1] as Record<string, unknown> | null)?.value);
  const total = m.total_value;
  return total && typeof total === 'object' ? num((total as Record<string, unknown>).value) : undefined;
}
