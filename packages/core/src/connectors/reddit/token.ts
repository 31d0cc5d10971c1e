import type { Clock } from '../../util/clock.js';
import { ConnectorError } from '../types.js';
import { PLATFORM, redditRequest } from './api.js';

/**
 * Reddit access tokens last an hour, so Bridle holds the long-lived grant (a permanent refresh
 * token, or a script app's username and password) and mints access tokens from it, caching
 * each until shortly before it expires.
 *   https://github.com/reddit-archive/reddit/wiki/OAuth2 (refresh_token grant, script apps' password grant)
 */

export type RedditGrant =
  | { kind: 'refresh_token'; clientId: string; clientSecret: string; refreshToken: string }
  | { kind: 'password'; clientId: string; clientSecret: string; username: string; password: string }
  | { kind: 'access_token'; accessToken: string };

export interface TokenSource {
  /** A bearer token; `rejected` (after a 401) is discarded unless a concurrent call already replaced it. */
  get(ctx: { signal: AbortSignal; clock: Clock }, rejected?: string): Promise<string>;
  /** False for a fixed access token: a 401 cannot be cured by asking again. */
  readonly renewable: boolean;
}

/** Renew this long before expiry, so a token never dies mid-request. */
const MARGIN_MS = 60_000;

export function tokenSource(grant: RedditGrant, opts: { authUrl: string; userAgent: string; timeoutMs: number }): TokenSource {
  if (grant.kind === 'access_token') return { renewable: false, get: async () => grant.accessToken };
  let cached: { token: string; expiresAt: number } | null = null;
  let inflight: Promise<string> | null = null;

  const fetchToken = async ({ signal, clock }: { signal: AbortSignal; clock: Clock }): Promise<string> => {
    const form: Record<string, string> =
      grant.kind === 'refresh_token' ? { grant_type: 'refresh_token', refresh_token: grant.refreshToken } : { grant_type: 'password', username: grant.username, password: grant.password };
    const basic = Buffer.from(`${grant.clientId}:${grant.clientSecret}`).toString('base64');
    const { body } = await redditRequest({
      method: 'POST',
      url: new URL('/api/v1/access_token', opts.authUrl),
      authorization: `Basic ${basic}`,
      userAgent: opts.userAgent,
      form,
      signal,
      timeoutMs: opts.timeoutMs,
      step: 'obtain an access token',
    }).catch((e: unknown) => {
      // 400 invalid_grant or 401 bad client credentials: only a human can fix the grant.
      if (e instanceof ConnectorError && (e.info.status === 400 || e.info.status === 401)) {
        throw new ConnectorError(PLATFORM, 'auth_expired', `${e.message}; re-authorise the app and update its credentials`, e.info);
      }
      throw e;
    });
    // A refused grant can come back as 200 with `{ error: "invalid_grant" }`.
    if (typeof body.error === 'string' || typeof body.access_token !== 'string') {
      const code = typeof body.error === 'string' ? body.error : 'no access_token';
      throw new ConnectorError(PLATFORM, 'auth_expired', `Reddit refused the ${grant.kind} grant: ${code}; re-authorise the app and update its credentials`, { status: 200, platformCode: code });
    }
    const ttl = typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in * 1000 : 3_600_000;
    cached = { token: body.access_token, expiresAt: clock.now() + ttl - MARGIN_MS };
    return body.access_token;
  };

  return {
    renewable: true,
    get(ctx, rejected) {
      if (rejected !== undefined && cached?.token === rejected) cached = null;
      if (cached && cached.expiresAt > ctx.clock.now()) return Promise.resolve(cached.token);
      // Concurrent posts share one refresh rather than racing several.
      inflight ??= fetchToken(ctx).finally(() => {
        inflight = null;
      });
      return inflight;
    },
  };
}
