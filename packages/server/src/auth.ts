import { timingSafeEqual, createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { authenticateKey, authenticateOperatorToken, BridleError, can, csrfMatches, findSession, hashKey, OPERATOR_TOKEN_PREFIX, type Operator, type Store } from '@bridle/core';

/**
 * Who sent a request. `admin` is the break-glass admin token (the name comes from the
 * X-Bridle-Operator header); `operator` is an operator account's own token, with its role.
 */
export type Principal = { kind: 'agent'; agentId: string } | { kind: 'admin'; operator: string } | { kind: 'operator'; operator: Operator; via?: 'session' } | { kind: 'anonymous' };

/** The dashboard's session cookie (HttpOnly, SameSite=Strict); see dashboard/session.ts. */
export const SESSION_COOKIE = 'bridle_session';
/** The header a cookie-authenticated request that changes something must carry. */
export const CSRF_HEADER = 'x-bridle-csrf';

/** The session cookie's value from a request's Cookie header, if any. */
export function sessionCookie(req: FastifyRequest): string | undefined {
  const h = req.headers.cookie;
  if (!h) return undefined;
  for (const part of h.split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === SESSION_COOKIE) {
      const v = part.slice(i + 1).trim();
      return v.length > 0 ? v : undefined;
    }
  }
  return undefined;
}

/**
 * What a route needs. `agent`: an agent key. `read` / `approve` / `operate`: an operator whose
 * role allows it (or the admin token). `admin`: the same as `operate` (users, keys, policy).
 * `any`: any credential (handlers scope agents to their own data). `none`: public.
 */
export type AuthLevel = 'agent' | 'read' | 'approve' | 'operate' | 'admin' | 'any' | 'none';

/** Positive key lookups are cached briefly; revocation through this server clears the cache at once. */
const CACHE_MS = 5000;

/** The name recorded as actor / decidedBy for an operator principal. */
export function operatorName(p: Principal): string {
  if (p.kind === 'operator') return p.operator.name;
  if (p.kind === 'admin') return p.operator;
  throw new BridleError('BRIDLE_E_FORBIDDEN', 'This needs an operator token or the admin token');
}

export function makeAuthenticator(store: Store, adminToken: string) {
  const adminDigest = createHash('sha256').update(adminToken).digest();
  const cache = new Map<string, { agentId: string; at: number }>();
  const isAdmin = (token: string) => timingSafeEqual(createHash('sha256').update(token).digest(), adminDigest);

  async function identify(req: FastifyRequest): Promise<Principal> {
    const h = req.headers.authorization;
    if (!h) return fromSession(req);
    const m = /^Bearer\s+(\S+)$/i.exec(h);
    if (!m) throw new BridleError('BRIDLE_E_UNAUTHENTICATED', 'Authorization must be "Bearer <key>"');
    const token = m[1]!;
    if (isAdmin(token)) {
      const op = req.headers['x-bridle-operator'];
      const operator = typeof op === 'string' && /^[\w.@-]{1,64}$/.test(op) ? op : 'admin';
      return { kind: 'admin', operator };
    }
    // Operator tokens are not cached: removing an operator or changing a role takes effect at once.
    if (token.startsWith(OPERATOR_TOKEN_PREFIX)) {
      const operator = await authenticateOperatorToken(store, token);
      if (!operator) throw new BridleError('BRIDLE_E_UNAUTHENTICATED', 'Unknown or revoked operator token');
      return { kind: 'operator', operator };
    }
    const digest = hashKey(token);
    const hit = cache.get(digest);
    if (hit && Date.now() - hit.at < CACHE_MS) return { kind: 'agent', agentId: hit.agentId };
    const agentId = await authenticateKey(store, token);
    if (!agentId) throw new BridleError('BRIDLE_E_UNAUTHENTICATED', 'Unknown or revoked API key');
    if (cache.size > 10_000) cache.clear();
    cache.set(digest, { agentId, at: Date.now() });
    return { kind: 'agent', agentId };
  }

  /**
   * A browser signed in to the dashboard. The role is read from the store on every request, so
   * removing the operator or changing the role takes effect at once. A cookie cannot be sent
   * cross-site (SameSite=Strict), and anything but GET/HEAD also needs the session's CSRF token
   * in a header, which a page on another origin cannot read.
   */
  async function fromSession(req: FastifyRequest): Promise<Principal> {
    const token = sessionCookie(req);
    if (!token) return { kind: 'anonymous' };
    const s = await findSession(store, token);
    if (!s) throw new BridleError('BRIDLE_E_UNAUTHENTICATED', 'Your session has expired or was signed out; sign in again');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      const presented = req.headers[CSRF_HEADER];
      if (!csrfMatches(token, typeof presented === 'string' ? presented : undefined)) {
        throw new BridleError('BRIDLE_E_CSRF', `A signed-in browser request that changes something needs the ${CSRF_HEADER} header with the session's csrfToken`);
      }
    }
    return { kind: 'operator', operator: s.operator, via: 'session' };
  }

  return {
    forget: () => cache.clear(),
    async authenticate(req: FastifyRequest, need: AuthLevel): Promise<Principal> {
      if (need === 'none') return { kind: 'anonymous' };
      const p = await identify(req);
      if (p.kind === 'anonymous') throw new BridleError('BRIDLE_E_UNAUTHENTICATED', 'Missing Authorization: Bearer <key> header (or sign in to the dashboard)');
      if (need === 'any') return p;
      if (need === 'agent') {
        if (p.kind !== 'agent') throw new BridleError('BRIDLE_E_FORBIDDEN', 'This endpoint takes an agent API key (bridle keys create --agent NAME)');
        return p;
      }
      // Invariant 5: an agent's key can never act as an operator (approve, kill, read others).
      if (p.kind === 'agent') throw new BridleError('BRIDLE_E_FORBIDDEN', 'This endpoint is for operators; agent keys cannot use it');
      const what = need === 'admin' ? 'operate' : need;
      if (p.kind === 'operator' && !can(p.operator, what)) {
        throw new BridleError('BRIDLE_E_FORBIDDEN', `Operator "${p.operator.name}" is a ${p.operator.role}; this endpoint needs ${what === 'read' ? 'a viewer' : what === 'approve' ? 'an approver' : 'an admin'} or above`, { role: p.operator.role, needs: what });
      }
      return p;
    },
  };
}
