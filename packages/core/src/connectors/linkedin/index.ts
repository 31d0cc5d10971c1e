import { z } from 'zod';
import type { JsonObject, JsonValue } from '../../json.js';
import { asObject, envReader, isHttpUrl, num } from '../http.js';
import { ConnectorError, defineConnector, type ConnectorContext, type Engagement, type PublishedRequest } from '../types.js';
import { linkedinRequest, PLATFORM, type LinkedInCall } from './api.js';

/*
 * LinkedIn Posts API: create a post (text, optionally an article link), delete it (undo), read
 * its likes and comments through socialActions (engagement).
 *   https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/posts-api
 *     POST /rest/posts → 201, post URN in the x-restli-id header; DELETE /rest/posts/{urn} → 204
 *   https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/little-text-format
 *     commentary is "little text format": reserved characters must be backslash-escaped
 *   https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/network-update-social-actions
 *     GET /rest/socialActions/{urn} → likesSummary, commentsSummary
 * Permissions: w_member_social (member author) or w_organization_social (organization author);
 * reading socialActions needs r_member_social / r_organization_social.
 */

const envName = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'an environment variable name (A-Z, 0-9, _)');
const POST_URN = /^urn:li:(share|ugcPost):\d+$/;

export const linkedinOptions = z
  .object({
    /** A 3-legged OAuth access token (LinkedIn issues them for 60 days). */
    access_token_env: envName.default('LINKEDIN_ACCESS_TOKEN'),
    /** Who posts: urn:li:person:<id> (w_member_social) or urn:li:organization:<id> (w_organization_social). */
    author: z.string().regex(/^urn:li:(person|organization):[A-Za-z0-9_-]+$/, 'a person or organization URN, e.g. urn:li:organization:2414183'),
    /** The LinkedIn-Version header (YYYYMM). Versions are supported for about a year; 426 means move on. */
    api_version: z.string().regex(/^20\d{4}$/, 'a version such as 202601').default('202601'),
    visibility: z.enum(['PUBLIC', 'CONNECTIONS', 'LOGGED_IN']).default('PUBLIC'),
    base_url: z.url({ protocol: /^https?$/ }).default('https://api.linkedin.com'),
    timeout_ms: z.number().int().positive().max(120_000).default(10_000),
  })
  .strict();

export type LinkedInOptions = z.output<typeof linkedinOptions>;

const MAX_COMMENTARY = 3000;

/**
 * Plain text to little text format: every reserved character escaped, so a stray "(" or "_"
 * neither breaks the post nor truncates it, and #words kept as real hashtags.
 */
export function toLittleText(text: string): string {
  const escaped = text.replace(/[\\|{}@[\]()<>#*_~]/g, (c) => `\\${c}`);
  return escaped.replace(/(^|[^\p{L}\p{N}_\\])\\#([\p{L}\p{N}_]+)/gu, (_, pre: string, tag: string) => `${pre}{hashtag|\\#|${tag}}`);
}

interface Post {
  commentary: string;
  article?: { source: string; title: string };
}

/** Reads `social.post` params; anything missing or malformed is 'invalid' (not worth retrying). */
export function readParams(params: JsonObject): Post {
  const bad = (m: string) => new ConnectorError(PLATFORM, 'invalid', m);
  const text = params.text;
  if (typeof text !== 'string' || text.trim() === '') throw bad('params.text is required: the commentary of the post');
  if ([...text].length > MAX_COMMENTARY) throw bad(`params.text is ${[...text].length} characters; LinkedIn allows ${MAX_COMMENTARY}`);
  if (params.media_url !== undefined) throw bad('params.media_url is not supported by the linkedin connector (text and article links only)');
  const link = params.link;
  if (link === undefined) return { commentary: toLittleText(text) };
  if (typeof link !== 'string' || !isHttpUrl(link)) throw bad('params.link must be an http(s) URL');
  const title = params.title;
  if (title !== undefined && (typeof title !== 'string' || title.trim() === '')) throw bad('params.title must be a non-empty string (the article card title)');
  // An article card needs a title; the link itself is the honest fallback.
  return { commentary: toLittleText(text), article: { source: link, title: typeof title === 'string' ? title : link } };
}

function urnOf(result: JsonValue): string {
  const id = result !== null && typeof result === 'object' && !Array.isArray(result) ? result.id : undefined;
  if (typeof id !== 'string' || !POST_URN.test(id)) throw new ConnectorError(PLATFORM, 'invalid', 'the action result has no LinkedIn post URN');
  return id;
}


/**
 * `linkedin`: publishes a post for a member or an organization, deletes it on undo, and reads
 * its likes and comments.
 *
 * @example
 *   connectors:
 *     linkedin: { kind: linkedin, author: "urn:li:organization:2414183", access_token_env: LI_TOKEN }
 */
export const linkedin = defineConnector({
  name: 'linkedin',
  description: 'Publishes posts to LinkedIn (Posts API); undo deletes the post; engagement reads socialActions.',
  options: linkedinOptions,
  create(options, { env }) {
    const token = envReader('linkedin', env)(options.access_token_env, 'the access token');
    const root = options.base_url.replace(/\/+$/, '');
    const call = (ctx: ConnectorContext, c: Pick<LinkedInCall, 'method' | 'json' | 'step' | 'mayHaveHappened'> & { path: string }) =>
      linkedinRequest({ ...c, url: new URL(`${root}${c.path}`), token, version: options.api_version, signal: ctx.signal, timeoutMs: options.timeout_ms, now: () => ctx.clock.now() });

    return {
      name: 'linkedin',
      async execute(req, ctx) {
        const post = readParams(req.params);
        const json: JsonObject = {
          author: options.author,
          commentary: post.commentary,
          visibility: options.visibility,
          distribution: { feedDistribution: 'MAIN_FEED', targetEntities: [], thirdPartyDistributionChannels: [] },
          lifecycleState: 'PUBLISHED',
          isReshareDisabledByAuthor: false,
        };
        if (post.article) json.content = { article: post.article };
        const { headers } = await call(ctx, { method: 'POST', path: '/rest/posts', json, step: 'create the post', mayHaveHappened: true });
        const id = headers.get('x-restli-id') ?? headers.get('x-linkedin-id');
        if (!id || !POST_URN.test(id)) throw new ConnectorError(PLATFORM, 'unknown', 'LinkedIn accepted the post but returned no post URN; it may be live');
        return { result: { platform: PLATFORM, id, url: `https://www.linkedin.com/feed/update/${id}/` } };
      },

      async undo(req: PublishedRequest, ctx): Promise<JsonObject> {
        const id = urnOf(req.result);
        try {
          await call(ctx, { method: 'DELETE', path: `/rest/posts/${encodeURIComponent(id)}`, step: 'delete the post' });
          return { platform: PLATFORM, id, deleted: true };
        } catch (e) {
          // Gone already: undo is retried after crashes, so that counts as done.
          if (e instanceof ConnectorError && e.reason === 'not_found') return { platform: PLATFORM, id, deleted: false, already_gone: true };
          throw e;
        }
      },

      async engagement(req: PublishedRequest, ctx): Promise<Engagement | null> {
        const id = urnOf(req.result);
        let body: Record<string, unknown> | null;
        try {
          body = (await call(ctx, { method: 'GET', path: `/rest/socialActions/${encodeURIComponent(id)}`, step: 'read the post social actions' })).body;
        } catch (e) {
          if (e instanceof ConnectorError && e.reason === 'not_found') return null;
          throw e;
        }
        const likes = asObject(body?.likesSummary);
        const comments = asObject(body?.commentsSummary);
        const raw: JsonObject = {};
        for (const [k, v] of [
          ['totalLikes', likes?.totalLikes],
          ['aggregatedTotalLikes', likes?.aggregatedTotalLikes],
          ['totalFirstLevelComments', comments?.totalFirstLevelComments],
          ['aggregatedTotalComments', comments?.aggregatedTotalComments],
        ] as const) {
          const n = num(v);
          if (n !== undefined) raw[k] = n;
        }
        const out: Engagement = { raw };
        const l = num(likes?.totalLikes) ?? num(likes?.aggregatedTotalLikes);
        const c = num(comments?.aggregatedTotalComments) ?? num(comments?.totalFirstLevelComments);
        if (l !== undefined) out.likes = l;
        if (c !== undefined) out.comments = c;
        return out;
      },
    };
  },
});
