import { z } from 'zod';
import type { JsonObject, JsonValue } from '../../json.js';
import { asObject, envReader, isHttpUrl, num, urlWith } from '../http.js';
import { ConnectorError, defineConnector, type ConnectorContext, type Engagement, type PublishedRequest } from '../types.js';
import { jsonErrors, PLATFORM, redditRequest, type RedditCall } from './api.js';
import { tokenSource, type RedditGrant } from './token.js';

/*
 * Reddit: submit a text post, delete it (undo), read its score and comment count (engagement).
 *   https://www.reddit.com/dev/api#POST_api_submit   form: api_type=json, sr, kind=self, title, text
 *   https://www.reddit.com/dev/api#POST_api_del      form: id=t3_…
 *   https://www.reddit.com/dev/api#GET_api_info      ?id=t3_… → Listing of t3 things
 *   https://github.com/reddit-archive/reddit/wiki/API   rules: OAuth only, a unique descriptive User-Agent
 * Scopes: submit, edit (delete), read (info).
 */

const envName = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'an environment variable name (A-Z, 0-9, _)');
const SUBREDDIT = /^[A-Za-z0-9][A-Za-z0-9_]{1,20}$/;
const subreddit = z.string().transform((s) => s.replace(/^\/?r\//i, '')).pipe(z.string().regex(SUBREDDIT, 'a subreddit name such as "test" or "r/test"'));

export const redditOptions = z
  .object({
    /** refresh_token (an installed or web app's permanent grant), password (a script app), or access_token (a fixed token; expires within the hour). */
    auth: z.enum(['refresh_token', 'password', 'access_token']).default('refresh_token'),
    client_id_env: envName.default('REDDIT_CLIENT_ID'),
    client_secret_env: envName.default('REDDIT_CLIENT_SECRET'),
    refresh_token_env: envName.default('REDDIT_REFRESH_TOKEN'),
    username_env: envName.default('REDDIT_USERNAME'),
    password_env: envName.default('REDDIT_PASSWORD'),
    access_token_env: envName.default('REDDIT_ACCESS_TOKEN'),
    /** Reddit throttles or bans generic agents: `<platform>:<app id>:<version> (by /u/<username>)`. */
    user_agent: z.string().min(10).max(256).regex(/\(by \/?u\/[A-Za-z0-9_-]+\)/, 'a Reddit user agent ending "(by /u/<username>)"'),
    /** Where posts go when the action names no `subreddit`. */
    subreddit: subreddit.optional(),
    base_url: z.url({ protocol: /^https?$/ }).default('https://oauth.reddit.com'),
    /** Token endpoint host. */
    auth_url: z.url({ protocol: /^https?$/ }).default('https://www.reddit.com'),
    timeout_ms: z.number().int().positive().max(120_000).default(10_000),
  })
  .strict();

export type RedditOptions = z.output<typeof redditOptions>;

interface Post {
  subreddit: string;
  title: string;
  text: string;
  flairId?: string;
  nsfw: boolean;
  spoiler: boolean;
}

const MAX_TITLE = 300;
const MAX_TEXT = 40_000;

/** Reads `social.post` params; anything missing or malformed is 'invalid' (not worth retrying). */
export function readParams(params: JsonObject, defaultSubreddit: string | undefined): Post {
  const bad = (m: string) => new ConnectorError(PLATFORM, 'invalid', m);
  const text = params.text;
  if (typeof text !== 'string' || text.trim() === '') throw bad('params.text is required: the body of the post');
  const title = params.title;
  if (typeof title !== 'string' || title.trim() === '') throw bad('params.title is required for Reddit');
  if ([...title].length > MAX_TITLE) throw bad(`params.title is ${[...title].length} characters; Reddit allows ${MAX_TITLE}`);
  const rawSr = params.subreddit ?? defaultSubreddit;
  if (rawSr === undefined) throw bad('params.subreddit is required (or set subreddit in the connector options)');
  const sr = subreddit.safeParse(rawSr);
  if (!sr.success) throw bad(`params.subreddit ${JSON.stringify(rawSr)} is not a subreddit name`);
  const link = params.link;
  if (link !== undefined && (typeof link !== 'string' || !isHttpUrl(link))) throw bad('params.link must be an http(s) URL');
  if (params.media_url !== undefined) throw bad('params.media_url is not supported by the reddit connector (text posts only); put the URL in params.link');
  // A text post keeps both the body and the link the approver saw; a link post would drop the body.
  const body = typeof link === 'string' && !text.includes(link) ? `${text}\n\n${link}` : text;
  if (body.length > MAX_TEXT) throw bad(`the post body is ${body.length} characters; Reddit allows ${MAX_TEXT}`);
  const flairId = params.flair_id;
  if (flairId !== undefined && (typeof flairId !== 'string' || !/^[0-9a-f-]{36}$/i.test(flairId))) throw bad('params.flair_id must be a flair template id (a UUID)');
  for (const k of ['nsfw', 'spoiler'] as const) if (params[k] !== undefined && typeof params[k] !== 'boolean') throw bad(`params.${k} must be true or false`);
  return { subreddit: sr.data, title, text: body, ...(typeof flairId === 'string' ? { flairId } : {}), nsfw: params.nsfw === true, spoiler: params.spoiler === true };
}

/** The post's fullname (t3_…) from `execute`'s result. */
function fullnameOf(result: JsonValue): string {
  const name = result !== null && typeof result === 'object' && !Array.isArray(result) ? result.name : undefined;
  if (typeof name !== 'string' || !/^t3_[a-z0-9]{1,13}$/.test(name)) throw new ConnectorError(PLATFORM, 'invalid', 'the action result has no Reddit post fullname (t3_…)');
  return name;
}


/**
 * `reddit`: submits a text post to a subreddit, deletes it on undo, and reads its score and
 * comment count.
 *
 * @example
 *   connectors:
 *     reddit: { kind: reddit, user_agent: "server:com.acme.bridle:1.0 (by /u/acme_bot)", subreddit: acme }
 */
export const reddit = defineConnector({
  name: 'reddit',
  description: 'Submits text posts to Reddit; undo deletes the post; engagement reads score and comments.',
  options: redditOptions,
  create(options, { env }) {
    const need = envReader('reddit', env);
    let grant: RedditGrant;
    if (options.auth === 'access_token') grant = { kind: 'access_token', accessToken: need(options.access_token_env, 'the access token') };
    else {
      const clientId = need(options.client_id_env, 'the app client id');
      // Installed apps have no secret; Reddit then expects an empty one.
      const clientSecret = env[options.client_secret_env] ?? '';
      grant =
        options.auth === 'refresh_token'
          ? { kind: 'refresh_token', clientId, clientSecret, refreshToken: need(options.refresh_token_env, 'the refresh token') }
          : { kind: 'password', clientId, clientSecret: need(options.client_secret_env, 'the app secret'), username: need(options.username_env, 'the username'), password: need(options.password_env, 'the password') };
    }
    const tokens = tokenSource(grant, { authUrl: options.auth_url, userAgent: options.user_agent, timeoutMs: options.timeout_ms });
    const root = options.base_url.replace(/\/+$/, '');

    /** One API call with a current token; a 401 renews the token once and tries again. */
    const call = async (ctx: ConnectorContext, c: Pick<RedditCall, 'method' | 'form' | 'step' | 'mayHaveHappened'> & { path: string; query?: Record<string, string> }) => {
      const url = urlWith(`${root}${c.path}`, c.query);
      const attempt = (token: string) =>
        redditRequest({ method: c.method, url, form: c.form, step: c.step, authorization: `bearer ${token}`, userAgent: options.user_agent, signal: ctx.signal, timeoutMs: options.timeout_ms, ...(c.mayHaveHappened ? { mayHaveHappened: true } : {}) });
      const token = await tokens.get(ctx);
      try {
        return await attempt(token);
      } catch (e) {
        // A 401 means the request never ran, so retrying a submit with a fresh token cannot double-post.
        if (!(e instanceof ConnectorError && e.info.status === 401 && tokens.renewable)) throw e;
        return attempt(await tokens.get(ctx, token));
      }
    };

    return {
      name: 'reddit',
      async execute(req, ctx) {
        const post = readParams(req.params, options.subreddit);
        const form: Record<string, string> = { api_type: 'json', sr: post.subreddit, kind: 'self', title: post.title, text: post.text, sendreplies: 'true', nsfw: String(post.nsfw), spoiler: String(post.spoiler) };
        if (post.flairId) form.flair_id = post.flairId;
        const { body } = await call(ctx, { method: 'POST', path: '/api/submit', form, step: 'submit the post', mayHaveHappened: true });
        const refused = jsonErrors(body, 'submit the post');
        if (refused) throw refused;
        const data = asObject(asObject(body.json)?.data);
        const id = data?.id;
        const name = data?.name;
        if (typeof id !== 'string' || typeof name !== 'string') throw new ConnectorError(PLATFORM, 'unknown', 'Reddit accepted the post but returned no id; it may be live');
        const result: JsonObject = { platform: PLATFORM, id, name, subreddit: post.subreddit };
        if (typeof data?.url === 'string') result.url = data.url;
        return { result };
      },

      async undo(req: PublishedRequest, ctx): Promise<JsonObject> {
        const name = fullnameOf(req.result);
        // /api/del answers {} whether or not the post still exists, so a repeat undo is harmless.
        try {
          const { body } = await call(ctx, { method: 'POST', path: '/api/del', form: { id: name }, step: 'delete the post' });
          const refused = jsonErrors(body, 'delete the post');
          if (refused) throw refused;
          return { platform: PLATFORM, name, deleted: true };
        } catch (e) {
          if (e instanceof ConnectorError && e.reason === 'not_found') return { platform: PLATFORM, name, deleted: false, already_gone: true };
          throw e;
        }
      },

      async engagement(req: PublishedRequest, ctx): Promise<Engagement | null> {
        const name = fullnameOf(req.result);
        const { body } = await call(ctx, { method: 'GET', path: '/api/info', query: { id: name, raw_json: '1' }, step: 'read the post' });
        const children = asObject(body.data)?.children;
        const thing = Array.isArray(children) ? asObject(asObject(children[0])?.data) : null;
        // Deleted or removed posts stay listed with their counts frozen; only an unknown id lists nothing.
        if (!thing) return null;
        const raw: JsonObject = {};
        for (const k of ['score', 'ups', 'upvote_ratio', 'num_comments', 'num_crossposts', 'view_count']) {
          const v = num(thing[k]);
          if (v !== undefined) raw[k] = v;
        }
        if (typeof thing.removed_by_category === 'string') raw.removed_by_category = thing.removed_by_category;
        const out: Engagement = { raw };
        const ups = num(thing.ups);
        const comments = num(thing.num_comments);
        const crossposts = num(thing.num_crossposts);
        const views = num(thing.view_count);
        if (ups !== undefined) out.likes = ups;
        if (comments !== undefined) out.comments = comments;
        if (crossposts !== undefined) out.shares = crossposts;
        if (views !== undefined) out.impressions = views;
        return out;
      },
    };
  },
});
