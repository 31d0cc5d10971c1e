import { timingSafeEqual, createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { authenticateKey, authenticateOperatorToken, BridleError, can, hashKey, OPERATOR_TOKEN_PREFIX, type Operator, type Store } from '@bridle/core';

/**
 * Who sent a request. `admin` is the break-glass admin token (the name comes from the
 * X-Bridle-Operator header); `operator` is an operator account's own token, with its role.
 */
export type Principal = { kind: 'agent'; agentId: string } | { kind: 'admin'; operator: string } | { kind: 'operator'; operator: Operator } | { kind: 'anonymous' };

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
    if (!h) return { kind: 'anonymous' };
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

  return {
    forget: () => cache.clear(),
    async authenticate(req: FastifyRequest, need: AuthLevel): Promise<Principal> {
      if (need === 'none') return { kind: 'anonymous' };
      const p = await identify(req);
      if (p.kind === 'anonymous') throw new BridleError('BRIDLE_E_UNAUTHENTICATED', 'Missing Authorization: Bearer <key> header');
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
