import type { IncomingMessage, ServerResponse } from 'node:http';
import { listenLocal, readBody, RouteFailures, sendJson } from '../test-http.js';

/**
 * A local TikTok v2 API for the connector's tests: creator info, video and photo Direct Post
 * init (PULL_FROM_URL), status fetch and video query, with TikTok's `{ data, error }` envelope
 * and scriptable failures. It rejects what the real API rejects: a bad token, a non-JSON body,
 * a privacy level the creator does not offer, a media URL outside the verified prefix,
 * over-long captions.
 */

export type TikTokRoute = 'creator_info' | 'video_init' | 'content_init' | 'status' | 'video_query';

export type TikTokFailure =
  | { kind: 'error'; status: number; code: string; message?: string; retryAfter?: string }
  | { kind: 'slow'; ms: number }
  | { kind: 'html'; status: number };

export interface StoredPost {
  publishId: string;
  postId: string;
  video: boolean;
  postInfo: Record<string, unknown>;
  urls: string[];
  pollsLeft: number;
  failReason?: string;
  views: number;
  likes: number;
  comments: number;
  shares: number;
}

export interface SeenRequest {
  path: string;
  query: Record<string, string>;
  headers: IncomingMessage['headers'];
  body: unknown;
}

export interface TikTokTestServer {
  url: string;
  posts: Map<string, StoredPost>;
  requests: SeenRequest[];
  creator: { creator_username: string; privacy_level_options: string[]; comment_disabled: boolean; duet_disabled: boolean; stitch_disabled: boolean; max_video_post_duration_sec: number };
  /** Status polls a new post spends processing before PUBLISH_COMPLETE. */
  pollsToComplete: number;
  /** The next post ends FAILED with this fail_reason. */
  nextFailReason?: string;
  /** Media URLs must start with this (TikTok's URL ownership verification). */
  verifiedPrefix: string;
  failNext(route: TikTokRoute, f: TikTokFailure): void;
  close(): Promise<void>;
}

let logSeq = 0;
const send = (res: ServerResponse, status: number, data: unknown, code = 'ok', message = '', headers: Record<string, string> = {}) => {
  sendJson(res, status, { data, error: { code, message, log_id: `2026010112000${++logSeq}` } }, headers);
};
const fail = (res: ServerResponse, status: number, code: string, message: string) => send(res, status, {}, code, message);

export async function startTikTokServer(opts: { token: string }): Promise<TikTokTestServer> {
  const posts = new Map<string, StoredPost>();
  const requests: SeenRequest[] = [];
  const failures = new RouteFailures<TikTokRoute, TikTokFailure>();
  let seq = 0;
  const state: TikTokTestServer = {
    url: '',
    posts,
    requests,
    creator: { creator_username: 'bridle_test', privacy_level_options: ['PUBLIC_TO_EVERYONE', 'MUTUAL_FOLLOW_FRIENDS', 'SELF_ONLY'], comment_disabled: false, duet_disabled: false, stitch_disabled: false, max_video_post_duration_sec: 600 },
    pollsToComplete: 1,
    verifiedPrefix: 'https://cdn.example.com/',
    failNext: (route, f) => failures.add(route, f),
    close: () => server.close(),
  };

  async function scripted(route: TikTokRoute, res: ServerResponse): Promise<boolean> {
    const f = failures.take(route);
    if (!f) return false;
    if (f.kind === 'slow') {
      await new Promise((r) => setTimeout(r, f.ms));
      return false;
    }
    if (f.kind === 'html') {
      res.writeHead(f.status, { 'content-type': 'text/html' });
      res.end('<html>Bad Gateway</html>');
      return true;
    }
    send(res, f.status, {}, f.code, f.message ?? f.code, f.retryAfter ? { 'retry-after': f.retryAfter } : {});
    return true;
  }

  function createPost(video: boolean, postInfo: Record<string, unknown>, urls: string[]): StoredPost {
    const n = ++seq;
    const p: StoredPost = { publishId: `${video ? 'v' : 'p'}_pub_url~v2.${7_300_000 + n}`, postId: String(7_450_000_000_000_000_000n + BigInt(n)), video, postInfo, urls, pollsLeft: state.pollsToComplete, views: 0, likes: 0, comments: 0, shares: 0 };
    if (state.nextFailReason) p.failReason = state.nextFailReason;
    state.nextFailReason = undefined;
    posts.set(p.publishId, p);
    return p;
  }

  /** Checks the post_info every init shares: the error to answer with, or null. */
  function postInfoError(info: Record<string, unknown>): [number, string, string] | null {
    const privacy = info.privacy_level;
    if (typeof privacy !== 'string') return [400, 'invalid_params', 'post_info.privacy_level is required'];
    if (!state.creator.privacy_level_options.includes(privacy)) return [400, 'privacy_level_option_mismatch', "privacy_level is not one of the creator's options"];
    if (state.creator.comment_disabled && info.disable_comment === false) return [400, 'invalid_params', 'comments are disabled by the creator'];
    return null;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const u = new URL(req.url ?? '/', 'http://x');
    const raw = await readBody(req);
    let body: Record<string, unknown> = {};
    if (raw) {
      try {
        body = JSON.parse(raw) as Record<string, unknown>;
      } catch {
        return fail(res, 400, 'invalid_params', 'request body is not valid JSON');
      }
    }
    requests.push({ path: u.pathname, query: Object.fromEntries(u.searchParams), headers: req.headers, body });
    if (req.method !== 'POST') return fail(res, 404, 'invalid_params', 'method not allowed');
    const auth = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''))?.[1];
    if (auth !== opts.token) return fail(res, 401, 'access_token_invalid', 'The access token is invalid or not found in the request.');
    if (raw && !/^application\/json/i.test(String(req.headers['content-type'] ?? ''))) return fail(res, 400, 'invalid_params', 'Content-Type must be application/json');

    switch (u.pathname) {
      case '/v2/post/publish/creator_info/query/':
        if (await scripted('creator_info', res)) return;
        return send(res, 200, { creator_avatar_url: 'https://p16.example/avatar.jpg', creator_nickname: 'Bridle Test', ...state.creator });
      case '/v2/post/publish/video/init/': {
        if (await scripted('video_init', res)) return;
        const info = (body.post_info ?? {}) as Record<string, unknown>;
        const src = (body.source_info ?? {}) as Record<string, unknown>;
        const infoError = postInfoError(info);
        if (infoError) return fail(res, ...infoError);
        if (typeof info.title === 'string' && info.title.length > 2200) return fail(res, 400, 'invalid_params', 'title is too long');
        if (src.source !== 'PULL_FROM_URL' || typeof src.video_url !== 'string') return fail(res, 400, 'invalid_params', 'source_info.video_url is required for PULL_FROM_URL');
        if (!src.video_url.startsWith(state.verifiedPrefix)) return fail(res, 403, 'url_ownership_unverified', 'The URL domain or prefix is not verified');
        return send(res, 200, { publish_id: createPost(true, info, [src.video_url]).publishId });
      }
      case '/v2/post/publish/content/init/': {
        if (await scripted('content_init', res)) return;
        const info = (body.post_info ?? {}) as Record<string, unknown>;
        const src = (body.source_info ?? {}) as Record<string, unknown>;
        if (body.post_mode !== 'DIRECT_POST' || body.media_type !== 'PHOTO') return fail(res, 400, 'invalid_params', 'post_mode DIRECT_POST and media_type PHOTO are required');
        const infoError = postInfoError(info);
        if (infoError) return fail(res, ...infoError);
        if (typeof info.title === 'string' && info.title.length > 90) return fail(res, 400, 'invalid_params', 'title is too long');
        if (typeof info.description === 'string' && info.description.length > 4000) return fail(res, 400, 'invalid_params', 'description is too long');
        const images = src.photo_images;
        if (src.source !== 'PULL_FROM_URL' || !Array.isArray(images) || images.length < 1 || images.length > 35) return fail(res, 400, 'invalid_params', 'photo_images must list 1 to 35 URLs');
        if (typeof src.photo_cover_index !== 'number' || src.photo_cover_index < 0 || src.photo_cover_index >= images.length) return fail(res, 400, 'invalid_params', 'photo_cover_index is out of range');
        if (!images.every((i) => typeof i === 'string' && i.startsWith(state.verifiedPrefix))) return fail(res, 403, 'url_ownership_unverified', 'The URL domain or prefix is not verified');
        return send(res, 200, { publish_id: createPost(false, info, images as string[]).publishId });
      }
      case '/v2/post/publish/status/fetch/': {
        if (await scripted('status', res)) return;
        const p = posts.get(String(body.publish_id ?? ''));
        if (!p) return fail(res, 400, 'invalid_params', 'publish_id is invalid');
        if (p.pollsLeft > 0) {
          p.pollsLeft--;
          return send(res, 200, { status: 'PROCESSING_DOWNLOAD', downloaded_bytes: 1024 });
        }
        if (p.failReason) return send(res, 200, { status: 'FAILED', fail_reason: p.failReason });
        return send(res, 200, { status: 'PUBLISH_COMPLETE', publicaly_available_post_id: [p.postId], uploaded_bytes: 0 });
      }
      case '/v2/video/query/': {
        if (await scripted('video_query', res)) return;
        const fields = (u.searchParams.get('fields') ?? '').split(',').filter(Boolean);
        if (fields.length === 0) return fail(res, 400, 'invalid_params', 'fields is required');
        const ids = ((body.filters ?? {}) as Record<string, unknown>).video_ids;
        if (!Array.isArray(ids) || ids.length < 1 || ids.length > 20) return fail(res, 400, 'invalid_params', 'filters.video_ids must list 1 to 20 ids');
        const found = [...posts.values()].filter((p) => ids.includes(p.postId) && !p.failReason && p.pollsLeft === 0);
        const all = (p: StoredPost): Record<string, unknown> => ({ id: p.postId, view_count: p.views, like_count: p.likes, comment_count: p.comments, share_count: p.shares, title: String(p.postInfo.title ?? '') });
        return send(res, 200, { videos: found.map((p) => Object.fromEntries(fields.map((f) => [f, all(p)[f]]))), cursor: 0, has_more: false });
      }
    }
    fail(res, 404, 'invalid_params', `unknown endpoint ${u.pathname}`);
  }

  const server = await listenLocal(handle);
  state.url = server.url;
  return state;
}
