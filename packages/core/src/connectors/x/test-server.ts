import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { oauth1Signature, parseOAuth1Header, type OAuth1Credentials } from './oauth1.js';

/**
 * A local stand-in for the X API v2 endpoints the connector uses, answering like the real
 * API: problem+json errors, 201 on create, 403 on duplicate text, 200-with-`errors` for a post
 * that does not exist, rate-limit headers. Auth is either one Bearer token or OAuth 1.0a
 * credentials whose signatures it verifies.
 */

export interface ScriptedReply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Wait this long before answering (to exercise timeouts). */
  delayMs?: number;
}

export interface StoredPost {
  id: string;
  text: string;
  replyTo?: string;
  deleted: boolean;
  metrics: { retweet_count: number; reply_count: number; like_count: number; quote_count: number; bookmark_count: number; impression_count: number };
}

export interface XTestServer {
  url: string;
  posts: Map<string, StoredPost>;
  requests: Array<{ method: string; path: string; headers: IncomingMessage['headers']; body: string }>;
  /** The next requests answer with these, in order, before normal handling. */
  script(...replies: ScriptedReply[]): void;
  /** Makes the credentials stop working (401), like a revoked or expired token. */
  revoke(): void;
  close(): Promise<void>;
}

const problem = (status: number, title: string, detail: string, type = 'about:blank') => ({ title, detail, type, status });

export async function startXServer(auth: { bearer: string } | { oauth1: OAuth1Credentials }): Promise<XTestServer> {
  const posts = new Map<string, StoredPost>();
  const requests: XTestServer['requests'] = [];
  const queue: ScriptedReply[] = [];
  const nonces = new Set<string>();
  const timers = new Set<NodeJS.Timeout>();
  let revoked = false;
  let nextId = 1_790_000_000_000_000_000n;

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    const problemJson = status >= 400 && body !== null && typeof body === 'object' && 'title' in body;
    res.writeHead(status, { 'content-type': problemJson ? 'application/problem+json' : 'application/json', ...headers });
    res.end(body === undefined ? '' : JSON.stringify(body));
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

  const handle = (req: IncomingMessage, res: ServerResponse, body: string) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    requests.push({ method: req.method ?? '', path: url.pathname + url.search, headers: req.headers, body });
    const scripted = queue.shift();
    if (scripted) {
      const reply = () => {
        if (!res.destroyed) send(res, scripted.status, scripted.body, scripted.headers);
      };
      if (!scripted.delayMs) return reply();
      const t = setTimeout(() => {
        timers.delete(t);
        reply();
      }, scripted.delayMs);
      timers.add(t);
      return;
    }
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

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handle(req, res, Buffer.concat(chunks).toString('utf8')));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    posts,
    requests,
    script: (...r) => void queue.push(...r),
    revoke: () => {
      revoked = true;
    },
    close: () =>
      new Promise<void>((r) => {
        for (const t of timers) clearTimeout(t);
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
