import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson, startScriptedServer, type ScriptedServer } from '../test-http.js';
import { oauth1Signature, parseOAuth1Header, type OAuth1Credentials } from './oauth1.js';

/**
 * A local stand-in for the X API v2 endpoints the connector uses, answering like the real
 * API: problem+json errors, 201 on create, 403 on duplicate text, 200-with-`errors` for a post
 * that does not exist, rate-limit headers. Auth is either one Bearer token or OAuth 1.0a
 * credentials whose signatures it verifies.
 */

export type { ScriptedReply } from '../test-http.js';

export interface StoredPost {
  id: string;
  text: string;
  replyTo?: string;
  deleted: boolean;
  metrics: { retweet_count: number; reply_count: number; like_count: number; quote_count: number; bookmark_count: number; impression_count: number };
}

/** `url`, `requests`, `script` and `close` come from the shared scripted server. */
export interface XTestServer extends ScriptedServer {
  posts: Map<string, StoredPost>;
  /** Makes the credentials stop working (401), like a revoked or expired token. */
  revoke(): void;
}

const problem = (status: number, title: string, detail: string, type = 'about:blank') => ({ title, detail, type, status });

export async function startXServer(auth: { bearer: string } | { oauth1: OAuth1Credentials }): Promise<XTestServer> {
  const posts = new Map<string, StoredPost>();
  const nonces = new Set<string>();
  let revoked = false;
  let nextId = 1_790_000_000_000_000_000n;

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    const problemJson = status >= 400 && body !== null && typeof body === 'object' && 'title' in body;
    sendJson(res, status, body, { 'content-type': problemJson ? 'application/problem+json' : 'application/json', ...headers });
  };

  const authorized = (req: IncomingMessage, url: URL): boolean => {
    if (revoked) return false;
    const h = req.headers.authorization ?? '';
    if ('bearer' in auth) return h === `Bearer ${auth.bearer}`;
    const p = parseOAuth1Header(h);
    if (!p || p.get('oauth_consumer_key') !== auth.oauth1.consumerKey || p.get('oauth_token') !== auth.oauth1.token) return false;
    if (p.get('oauth_signature_method') !== 'HMAC-SHA1' || p.get('oauth_version') !== '1.0') return false;
    const ts = Number(p.get('oauth_timestamp'));
    const nonce = p.get('oauth_nonce') ?? '';
    // X rejects stale timestamps and replayed nonces.
    if (!Number.isFinite(ts) || Math.abs(ts * 1000 - Date.now()) > 300_000 || nonce === '' || nonces.has(nonce)) return false;
    const signed = [...p].filter(([k]) => k !== 'oauth_signature');
    const expected = oauth1Signature(req.method ?? 'GET', url, signed, auth.oauth1.consumerSecret, auth.oauth1.tokenSecret);
    if (expected !== p.get('oauth_signature')) return false;
    nonces.add(nonce);
    return true;
  };

  const handle = (req: IncomingMessage, res: ServerResponse, body: string, url: URL) => {
    // The public URL is what gets signed: the test server sees its own host, which the client used too.
    const signedUrl = new URL(`http://${req.headers.host}${req.url}`);
    if (!authorized(req, signedUrl)) return send(res, 401, problem(401, 'Unauthorized', 'Unauthorized'));
    const m = /^\/2\/tweets(?:\/(\d+))?$/.exec(url.pathname);
    if (!m) return send(res, 404, problem(404, 'Not Found', `no route ${url.pathname}`));
    const id = m[1];
    if (req.method === 'POST' && !id) {
      if (!(req.headers['content-type'] ?? '').startsWith('application/json')) return send(res, 415, problem(415, 'Unsupported Media Type', 'Content-Type must be application/json'));
      let json: Record<string, unknown>;
      try {
        json = JSON.parse(body) as Record<string, unknown>;
      } catch {
        return send(res, 400, problem(400, 'Invalid Request', 'One or more parameters to your request was invalid.', 'https://api.twitter.com/2/problems/invalid-request'));
      }
      const text = json.text;
      if (typeof text !== 'string' || text.length === 0) return send(res, 400, problem(400, 'Invalid Request', 'text is required', 'https://api.twitter.com/2/problems/invalid-request'));
      if ([...text].length > 280) return send(res, 400, problem(400, 'Invalid Request', 'Your Tweet text is too long.', 'https://api.twitter.com/2/problems/invalid-request'));
      if ([...posts.values()].some((p) => !p.deleted && p.text === text)) return send(res, 403, problem(403, 'Forbidden', 'You are not allowed to create a Tweet with duplicate content.'));
      const reply = (json.reply as Record<string, unknown> | undefined)?.in_reply_to_tweet_id;
      const newId = String(nextId++);
      posts.set(newId, { id: newId, text, ...(typeof reply === 'string' ? { replyTo: reply } : {}), deleted: false, metrics: { retweet_count: 0, reply_count: 0, like_count: 0, quote_count: 0, bookmark_count: 0, impression_count: 0 } });
      return send(res, 201, { data: { id: newId, text } }, { 'x-rate-limit-limit': '200', 'x-rate-limit-remaining': '199' });
    }
    const post = id ? posts.get(id) : undefined;
    if (req.method === 'DELETE' && id) {
      if (!post || post.deleted) return send(res, 404, problem(404, 'Not Found Error', `Could not find tweet with id: [${id}].`, 'https://api.twitter.com/2/problems/resource-not-found'));
      post.deleted = true;
      return send(res, 200, { data: { deleted: true } });
    }
    if (req.method === 'GET' && id) {
      if (!post || post.deleted) {
        return send(res, 200, { errors: [{ value: id, detail: `Could not find tweet with id: [${id}].`, title: 'Not Found Error', resource_type: 'tweet', parameter: 'id', resource_id: id, type: 'https://api.twitter.com/2/problems/resource-not-found' }] });
      }
      const fields = (url.searchParams.get('tweet.fields') ?? '').split(',');
      return send(res, 200, { data: { id: post.id, text: post.text, ...(fields.includes('public_metrics') ? { public_metrics: post.metrics } : {}) } });
    }
    return send(res, 405, problem(405, 'Method Not Allowed', `${req.method} ${url.pathname}`));
  };

  const server = await startScriptedServer({ handle, send, logQuery: true });
  return {
    ...server,
    posts,
    revoke: () => {
      revoked = true;
    },
  };
}
