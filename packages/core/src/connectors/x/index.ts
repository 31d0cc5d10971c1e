import { z } from 'zod';
import type { JsonObject, JsonValue } from '../../json.js';
import { envReader, isHttpUrl, num, urlWith } from '../http.js';
import { ConnectorError, defineConnector, type ConnectorContext, type Engagement, type PublishedRequest } from '../types.js';
import { PLATFORM, problemOf, xRequest, type XCall } from './api.js';
import { oauth1Header } from './oauth1.js';

/*
 * X API v2: create a post, delete it (undo), read its public metrics (engagement).
 *   https://docs.x.com/x-api/posts/create-post            POST /2/tweets {text, reply?}
 *   https://docs.x.com/x-api/posts/delete-post            DELETE /2/tweets/:id → {data:{deleted}}
 *   https://docs.x.com/x-api/posts/get-post-by-id         GET /2/tweets/:id?tweet.fields=public_metrics
 *   https://docs.x.com/x-api/fundamentals/metrics         public_metrics fields
 * Auth: OAuth 2.0 user token (Bearer; scopes tweet.read tweet.write users.read) or OAuth 1.0a
 * user context (see oauth1.ts for why the latter suits a long-running server).
 */

const envName = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'an environment variable name (A-Z, 0-9, _)');

export const xOptions = z
  .object({
    /** oauth2: a Bearer user access token. oauth1: consumer key/secret plus access token/secret (they do not expire). */
    auth: z.enum(['oauth2', 'oauth1']).default('oauth2'),
    /** The user access token (both schemes). */
    access_token_env: envName.default('X_ACCESS_TOKEN'),
    /** oauth1 only. */
    access_token_secret_env: envName.default('X_ACCESS_TOKEN_SECRET'),
    consumer_key_env: envName.default('X_API_KEY'),
    consumer_secret_env: envName.default('X_API_SECRET'),
    /** The posting account's handle, for post URLs (x.com/<username>/status/<id>); absent, x.com/i/web/status/<id>. */
    username: z.string().regex(/^[A-Za-z0-9_]{1,15}$/, 'an X handle without @').optional(),
    base_url: z.url({ protocol: /^https?$/ }).default('https://api.x.com'),
    /** Per HTTP request. */
    timeout_ms: z.number().int().positive().max(120_000).default(10_000),
  })
  .strict();

export type XOptions = z.output<typeof xOptions>;

interface Post {
  text: string;
  replyTo?: string;
}

const TWEET_ID = /^\d{1,19}$/;

/** Reads `social.post` params; anything missing or malformed is 'invalid' (not worth retrying). */
export function readParams(params: JsonObject): Post {
  const bad = (m: string) => new ConnectorError(PLATFORM, 'invalid', m);
  const text = params.text;
  if (typeof text !== 'string' || text.trim() === '') throw bad('params.text is required: the text of the post');
  const link = params.link;
  if (link !== undefined && (typeof link !== 'string' || !isHttpUrl(link))) throw bad('params.link must be an http(s) URL');
  // Dropping an image the approver saw would publish something else than was approved.
  if (params.media_url !== undefined) throw bad('params.media_url is not supported by the x connector (text and links only); remove it or route this post elsewhere');
  const replyTo = params.reply_to_id;
  if (replyTo !== undefined && (typeof replyTo !== 'string' || !TWEET_ID.test(replyTo))) throw bad('params.reply_to_id must be the numeric id of a post, as a string');
  // X turns a URL in the text into a card; appending keeps one post per link without a separate field.
  const full = typeof link === 'string' && !text.includes(link) ? `${text}\n\n${link}` : text;
  return { text: full, ...(typeof replyTo === 'string' ? { replyTo } : {}) };
}

/** The post id from `execute`'s result. */
function postIdOf(result: JsonValue): string {
  const id = result !== null && typeof result === 'object' && !Array.isArray(result) ? result.id : undefined;
  if (typeof id !== 'string' || !TWEET_ID.test(id)) throw new ConnectorError(PLATFORM, 'invalid', 'the action result has no X post id');
  return id;
}

const isNotFound = (body: Record<string, unknown>) => (problemOf(body).type ?? '').endsWith('/resource-not-found');

/**
 * `x`: publishes a post (optionally a reply) to X, deletes it on undo, and reads its public
 * metrics.
 *
 * @example
 *   connectors:
 *     x-main: { kind: x, auth: oauth1, username: acme }
 */
export const x = defineConnector({
  name: 'x',
  description: 'Publishes posts to X (API v2); undo deletes the post; engagement reads public_metrics.',
  options: xOptions,
  create(options, { env }) {
    const need = envReader('x', env);
    const token = need(options.access_token_env, 'the user access token');
    let authorization: (method: string, url: URL) => string;
    if (options.auth === 'oauth1') {
      const creds = {
        consumerKey: need(options.consumer_key_env, 'the API key'),
        consumerSecret: need(options.consumer_secret_env, 'the API key secret'),
        token,
        tokenSecret: need(options.access_token_secret_env, 'the access token secret'),
      };
      authorization = (method, url) => oauth1Header(method, url, creds);
    } else {
      authorization = () => `Bearer ${token}`;
    }
    const root = options.base_url.replace(/\/+$/, '');
    const url = (path: string, query: Record<string, string> = {}) => urlWith(`${root}/2/${path}`, query);
    const call = (ctx: ConnectorContext, c: Pick<XCall, 'method' | 'url' | 'json' | 'step' | 'mayHaveHappened'>) =>
      xRequest({ ...c, authorization, signal: ctx.signal, timeoutMs: options.timeout_ms, now: () => ctx.clock.now() });
    const permalink = (id: string) => (options.username ? `https://x.com/${options.username}/status/${id}` : `https://x.com/i/web/status/${id}`);

    return {
      name: 'x',
      async execute(req, ctx) {
        const post = readParams(req.params);
        const json: JsonObject = { text: post.text };
        if (post.replyTo) json.reply = { in_reply_to_tweet_id: post.replyTo };
        const { body } = await call(ctx, { method: 'POST', url: url('tweets'), json, step: 'create the post', mayHaveHappened: true });
        const data = body.data !== null && typeof body.data === 'object' ? (body.data as Record<string, unknown>) : {};
        const id = data.id;
        if (typeof id !== 'string' || !TWEET_ID.test(id)) throw new ConnectorError(PLATFORM, 'unknown', 'X accepted the post but returned no post id; it may be live');
        return { result: { platform: PLATFORM, id, url: permalink(id), text: typeof data.text === 'string' ? data.text : post.text } };
      },

      async undo(req: PublishedRequest, ctx): Promise<JsonObject> {
        const id = postIdOf(req.result);
        try {
          const { body } = await call(ctx, { method: 'DELETE', url: url(`tweets/${id}`), step: 'delete the post' });
          const deleted = body.data !== null && typeof body.data === 'object' && (body.data as Record<string, unknown>).deleted === true;
          if (deleted) return { platform: PLATFORM, id, deleted: true };
          if (isNotFound(body)) return { platform: PLATFORM, id, deleted: false, already_gone: true };
          throw new ConnectorError(PLATFORM, 'unknown', `X did not confirm deleting post ${id}`);
        } catch (e) {
          // Gone already: undo is retried after crashes, so that counts as done.
          if (e instanceof ConnectorError && e.reason === 'not_found') return { platform: PLATFORM, id, deleted: false, already_gone: true };
          throw e;
        }
      },

      async engagement(req: PublishedRequest, ctx): Promise<Engagement | null> {
        const id = postIdOf(req.result);
        let body: Record<string, unknown>;
        try {
          body = (await call(ctx, { method: 'GET', url: url(`tweets/${id}`, { 'tweet.fields': 'public_metrics' }), step: 'read the post metrics' })).body;
        } catch (e) {
          if (e instanceof ConnectorError && e.reason === 'not_found') return null;
          throw e;
        }
        const data = body.data !== null && typeof body.data === 'object' ? (body.data as Record<string, unknown>) : null;
        // A deleted post comes back 200 with only `errors` (resource-not-found).
        if (!data) return null;
        const m = data.public_metrics !== null && typeof data.public_metrics === 'object' ? (data.public_metrics as Record<string, unknown>) : {};
        const raw: JsonObject = {};
        for (const [k, v] of Object.entries(m)) if (num(v) !== undefined) raw[k] = v as number;
        const out: Engagement = { raw };
        const set = (field: keyof Omit<Engagement, 'raw'>, v: number | undefined) => {
          if (v !== undefined) out[field] = v;
        };
        set('impressions', num(m.impression_count));
        set('likes', num(m.like_count));
        set('comments', num(m.reply_count));
        const rt = num(m.retweet_count);
        const qt = num(m.quote_count);
        set('shares', rt === undefined && qt === undefined ? undefined : (rt ?? 0) + (qt ?? 0));
        set('saves', num(m.bookmark_count));
        return out;
      },
    };
  },
});
