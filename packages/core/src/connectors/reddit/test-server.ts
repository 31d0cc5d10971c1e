import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson, startScriptedServer, type ScriptedServer } from '../test-http.js';

/**
 * A local stand-in for the Reddit endpoints the connector uses: the OAuth token endpoint
 * (refresh_token and password grants, Basic client auth), /api/submit, /api/del and /api/info
 * on the OAuth host. Like Reddit it insists on a descriptive User-Agent and form encoding,
 * answers refusals as 200 with `json.errors` under api_type=json, and 401s expired tokens.
 */

export type { ScriptedReply } from '../test-http.js';

export interface StoredPost {
  id: string;
  subreddit: string;
  title: string;
  selftext: string;
  flairId?: string;
  deleted: boolean;
  ups: number;
  num_comments: number;
}

/** `url`, `requests`, `script` and `close` come from the shared scripted server. */
export interface RedditTestServer extends ScriptedServer {
  posts: Map<string, StoredPost>;
  /** Access tokens issued so far. */
  issued: () => number;
  /** Invalidates every issued access token (they expire; the grant still works). */
  expireTokens(): void;
  /** Invalidates the refresh token / password too. */
  revokeGrant(): void;
}

export interface RedditServerAuth {
  clientId: string;
  clientSecret: string;
  refreshToken?: string;
  username?: string;
  password?: string;
  /** A fixed access token accepted as is. */
  accessToken?: string;
}

const BY_USER = /\(by \/?u\/[A-Za-z0-9_-]+\)/;

export async function startRedditServer(auth: RedditServerAuth, subreddits: string[] = ['test', 'acme']): Promise<RedditTestServer> {
  const posts = new Map<string, StoredPost>();
  const tokens = new Set<string>(auth.accessToken ? [auth.accessToken] : []);
  let issued = 0;
  let grantRevoked = false;
  let nextId = 1_000_000;

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    sendJson(res, status, body, { 'content-type': 'application/json; charset=UTF-8', 'x-ratelimit-used': '1', 'x-ratelimit-remaining': '99', 'x-ratelimit-reset': '300', ...headers });
  };
  const jsonErr = (code: string, message: string, field: string) => ({ json: { errors: [[code, message, field]] } });

  const tokenEndpoint = (req: IncomingMessage, res: ServerResponse, form: URLSearchParams) => {
    const basic = Buffer.from(`${auth.clientId}:${auth.clientSecret}`).toString('base64');
    if (req.headers.authorization !== `Basic ${basic}`) return send(res, 401, { message: 'Unauthorized', error: 401 });
    const grant = form.get('grant_type');
    const ok =
      !grantRevoked &&
      ((grant === 'refresh_token' && auth.refreshToken !== undefined && form.get('refresh_token') === auth.refreshToken) ||
        (grant === 'password' && auth.username !== undefined && form.get('username') === auth.username && form.get('password') === auth.password));
    if (!ok) return send(res, 400, { error: grant === 'refresh_token' || grant === 'password' ? 'invalid_grant' : 'unsupported_grant_type' });
    const token = `at-${++issued}`;
    tokens.add(token);
    return send(res, 200, { access_token: token, token_type: 'bearer', expires_in: 86_400, scope: 'submit edit read' });
  };

  const handle = (req: IncomingMessage, res: ServerResponse, raw: string, url: URL) => {
    // Generic or missing agents are throttled hard.
    if (!BY_USER.test(req.headers['user-agent'] ?? '')) return send(res, 429, { message: 'Too Many Requests', error: 429 }, { 'retry-after': '600' });
    const isForm = (req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
    const form = new URLSearchParams(isForm ? raw : '');
    if (req.method === 'POST' && url.pathname === '/api/v1/access_token') return tokenEndpoint(req, res, form);
    const bearer = /^bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    if (!bearer || !tokens.has(bearer)) return send(res, 401, { message: 'Unauthorized', error: 401 }, { 'www-authenticate': 'Bearer realm="reddit", error="invalid_token"' });

    if (req.method === 'POST' && url.pathname === '/api/submit') {
      if (form.get('api_type') !== 'json') return send(res, 200, { jquery: [[0, 1, 'call', ['body']]], success: false });
      const sr = form.get('sr') ?? '';
      if (!sr) return send(res, 200, jsonErr('SUBREDDIT_REQUIRED', 'you must specify a subreddit', 'sr'));
      if (!subreddits.includes(sr.toLowerCase())) return send(res, 200, jsonErr('SUBREDDIT_NOEXIST', "that community doesn't exist", 'sr'));
      if (form.get('kind') !== 'self') return send(res, 200, jsonErr('INVALID_OPTION', 'that option is not valid', 'kind'));
      const title = form.get('title') ?? '';
      if (!title) return send(res, 200, jsonErr('NO_TEXT', 'we need something here', 'title'));
      if (title.length > 300) return send(res, 200, jsonErr('TOO_LONG', 'this is too long (max: 300)', 'title'));
      const id = (nextId++).toString(36);
      const flair = form.get('flair_id');
      posts.set(id, { id, subreddit: sr, title, selftext: form.get('text') ?? '', ...(flair ? { flairId: flair } : {}), deleted: false, ups: 1, num_comments: 0 });
      return send(res, 200, { json: { errors: [], data: { url: `https://www.reddit.com/r/${sr}/comments/${id}/post/`, drafts_count: 0, id, name: `t3_${id}` } } });
    }
    if (req.method === 'POST' && url.pathname === '/api/del') {
      const post = posts.get((form.get('id') ?? '').replace(/^t3_/, ''));
      if (post) post.deleted = true;
      return send(res, 200, {});
    }
    if (req.method === 'GET' && url.pathname === '/api/info') {
      const ids = (url.searchParams.get('id') ?? '').split(',');
      const children = ids
        .map((n) => posts.get(n.replace(/^t3_/, '')))
        .filter((p): p is StoredPost => p !== undefined)
        .map((p) => ({ kind: 't3', data: { id: p.id, name: `t3_${p.id}`, subreddit: p.subreddit, title: p.title, selftext: p.deleted ? '[deleted]' : p.selftext, author: p.deleted ? '[deleted]' : 'acme_bot', score: p.ups, ups: p.ups, upvote_ratio: 1, num_comments: p.num_comments, num_crossposts: 0, view_count: null } }));
      return send(res, 200, { kind: 'Listing', data: { after: null, dist: children.length, modhash: null, before: null, children } });
    }
    return send(res, 404, { message: 'Not Found', error: 404 });
  };

  const server = await startScriptedServer({ handle, send, logQuery: true });
  return {
    ...server,
    posts,
    issued: () => issued,
    expireTokens: () => {
      for (const t of [...tokens]) if (t !== auth.accessToken) tokens.delete(t);
    },
    revokeGrant: () => {
      grantRevoked = true;
      tokens.clear();
    },
  };
}
