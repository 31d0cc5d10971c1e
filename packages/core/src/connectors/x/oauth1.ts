import { createHmac, randomBytes } from 'node:crypto';

/**
 * OAuth 1.0a HMAC-SHA1 request signing, the user-context auth X accepts on POST /2/tweets
 * alongside OAuth 2.0. Bridle prefers it for a server-held credential: the access token and
 * secret do not expire, whereas OAuth 2.0 user tokens last two hours and their refresh tokens
 * are single-use (each refresh returns a new one that would have to be stored).
 *   https://docs.x.com/resources/fundamentals/authentication/oauth-1-0a/creating-a-signature
 *   https://docs.x.com/resources/fundamentals/authentication/oauth-1-0a/authorizing-a-request
 */

export interface OAuth1Credentials {
  consumerKey: string;
  consumerSecret: string;
  token: string;
  tokenSecret: string;
}

/** RFC 3986 percent-encoding: encodeURIComponent leaves !'()* alone, OAuth does not. */
export function percentEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * The signature over method, base URL and every parameter (query, form body, oauth_*). A JSON
 * body is not a parameter, so POST /2/tweets signs only the oauth_* values.
 */
export function oauth1Signature(method: string, url: URL, params: ReadonlyArray<readonly [string, string]>, consumerSecret: string, tokenSecret: string): string {
  const all = [...params, ...[...url.searchParams.entries()]].map(([k, v]) => [percentEncode(k), percentEncode(v)] as const);
  all.sort(([ak, av], [bk, bv]) => (ak < bk ? -1 : ak > bk ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
  const paramString = all.map(([k, v]) => `${k}=${v}`).join('&');
  const base = `${url.protocol}//${url.host}${url.pathname}`;
  const baseString = `${method.toUpperCase()}&${percentEncode(base)}&${percentEncode(paramString)}`;
  return createHmac('sha1', `${percentEncode(consumerSecret)}&${percentEncode(tokenSecret)}`).update(baseString).digest('base64');
}

/** The `Authorization: OAuth …` header for one request. `nonce` and `timestamp` are injectable for tests. */
export function oauth1Header(
  method: string,
  url: URL,
  creds: OAuth1Credentials,
  opts: { form?: ReadonlyArray<readonly [string, string]>; nonce?: string; timestampSec?: number } = {},
): string {
  const oauth: Array<[string, string]> = [
    ['oauth_consumer_key', creds.consumerKey],
    ['oauth_nonce', opts.nonce ?? randomBytes(24).toString('hex')],
    ['oauth_signature_method', 'HMAC-SHA1'],
    // Wall time on purpose, not the injectable clock: X rejects timestamps far from its own.
    ['oauth_timestamp', String(opts.timestampSec ?? Math.floor(Date.now() / 1000))],
    ['oauth_token', creds.token],
    ['oauth_version', '1.0'],
  ];
  const signature = oauth1Signature(method, url, [...oauth, ...(opts.form ?? [])], creds.consumerSecret, creds.tokenSecret);
  oauth.push(['oauth_signature', signature]);
  return `OAuth ${oauth.map(([k, v]) => `${percentEncode(k)}="${percentEncode(v)}"`).join(', ')}`;
}

/** Parses an `Authorization: OAuth …` header back into its parameters (for the local test server). */
export function parseOAuth1Header(header: string): Map<string, string> | null {
  if (!header.startsWith('OAuth ')) return null;
  const out = new Map<string, string>();
  for (const part of header.slice(6).split(',')) {
    const m = /^\s*([^=\s]+)="([^"]*)"\s*$/.exec(part);
    if (!m) return null;
    out.set(decodeURIComponent(m[1]!), decodeURIComponent(m[2]!));
  }
  return out;
}
