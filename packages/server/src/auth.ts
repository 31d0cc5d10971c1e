import { timingSafeEqual, createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { authenticateKey, BridleError, hashKey, type Store } from '@bridle/core';

export type Principal = { kind: 'agent'; agentId: string } | { kind: 'admin'; operator: string } | { kind: 'anonymous' };

/** Positive key lookups are cached briefly; revocation through this server clears the cache at once. */
const CACHE_MS = 5000;

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
    async authenticate(req: FastifyRequest, need: 'agent' | 'admin' | 'any' | 'none'): Promise<Principal> {
      if (need === 'none') return { kind: 'anonymous' };
      const p = await identify(req);
      if (p.kind === 'anonymous') throw new BridleError('BRIDLE_E_UNAUTHENTICATED', 'Missing Authorization: Bearer <key> header');
      if (need === 'agent' && p.kind !== 'agent') throw new BridleError('BRIDLE_E_FORBIDDEN', 'This endpoint takes an agent API key (bridle keys create --agent NAME)');
      // Invariant 5: an agent's key can never act as an operator (approve, kill, read others).
      if (need === 'admin' && p.kind !== 'admin') throw new BridleError('BRIDLE_E_FORBIDDEN', 'This endpoint needs the admin token; agent keys cannot use it');
      return p;
    },
  };
}
