import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { toOperator } from '../operators/accounts.js';
import type { Operator } from '../operators/types.js';
import type { Store } from '../store/open.js';
import { systemClock, type Clock } from '../util/clock.js';

/** Dashboard sessions last 12 hours from sign-in; the cookie's Max-Age says the same. */
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;
/** last_seen_at is for humans ("signed in, last seen"); one write a minute is plenty. */
const TOUCH_MS = 60_000;

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

/**
 * The CSRF token of a session, derived from the cookie rather than stored: only someone who can
 * read the HttpOnly cookie's value (the server) or was given the token at sign-in knows it.
 */
export function csrfTokenFor(sessionToken: string): string {
  return createHash('sha256').update(`bridle-csrf/1:${sessionToken}`).digest('base64url');
}

/** Constant-time comparison of a presented CSRF token with the session's. */
export function csrfMatches(sessionToken: string, presented: string | undefined): boolean {
  if (typeof presented !== 'string' || presented.length === 0 || presented.length > 200) return false;
  const want = Buffer.from(csrfTokenFor(sessionToken));
  const got = Buffer.from(presented);
  return got.length === want.length && timingSafeEqual(got, want);
}

export interface SessionInfo {
  operator: Operator;
  createdAt: number;
  expiresAt: number;
}

/**
 * Opens a session for an operator (the password was checked by the caller). Returns the opaque
 * cookie value, shown once; the store keeps its sha256 only.
 *
 * @example
 *   const { token, expiresAt } = await createSession(store, op.id);
 */
export async function createSession(store: Store, operatorId: string, opts: { clock?: Clock; ttlMs?: number; userAgent?: string | undefined } = {}): Promise<{ token: string; expiresAt: number }> {
  const now = (opts.clock ?? systemClock).now();
  const token = randomBytes(32).toString('base64url');
  const expiresAt = now + (opts.ttlMs ?? SESSION_TTL_MS);
  await store.db
    .insertInto('sessions')
    .values({ token_hash: sha(token), operator_id: operatorId, created_at: now, last_seen_at: now, expires_at: expiresAt, revoked_at: null, user_agent: opts.userAgent?.slice(0, 300) ?? null })
    .execute();
  return { token, expiresAt };
}

/**
 * The session's operator as it is now, or null when the session is unknown, revoked, expired,
 * or its operator was removed. The role is read on every call, so a demotion takes effect on
 * the next request.
 */
export async function findSession(store: Store, token: string, clock: Clock = systemClock): Promise<SessionInfo | null> {
  if (typeof token !== 'string' || token.length < 20 || token.length > 200) return null;
  const row = await store.db
    .selectFrom('sessions as s')
    .innerJoin('operators as o', 'o.id', 's.operator_id')
    .select(['s.token_hash', 's.created_at as s_created', 's.last_seen_at', 's.expires_at', 's.revoked_at', 'o.id', 'o.name', 'o.role', 'o.groups', 'o.password_hash', 'o.email', 'o.slack_user_id', 'o.created_at', 'o.disabled_at'])
    .where('s.token_hash', '=', sha(token))
    .executeTakeFirst();
  const now = clock.now();
  if (!row || row.revoked_at !== null || row.disabled_at !== null || Number(row.expires_at) <= now) return null;
  if (now - Number(row.last_seen_at) >= TOUCH_MS) await store.db.updateTable('sessions').set({ last_seen_at: now }).where('token_hash', '=', row.token_hash).execute();
  return { operator: toOperator(row), createdAt: Number(row.s_created), expiresAt: Number(row.expires_at) };
}

/** Signs a session out; unknown or already revoked tokens are ignored. */
export async function revokeSession(store: Store, token: string, clock: Clock = systemClock): Promise<void> {
  if (typeof token !== 'string' || token.length > 200) return;
  await store.db.updateTable('sessions').set({ revoked_at: clock.now() }).where('token_hash', '=', sha(token)).where('revoked_at', 'is', null).execute();
}

/** Deletes sessions that ended more than a day ago, so the table does not grow forever. */
export async function pruneSessions(store: Store, clock: Clock = systemClock): Promise<number> {
  const r = await store.db.deleteFrom('sessions').where('expires_at', '<', clock.now() - 24 * 60 * 60 * 1000).executeTakeFirst();
  return Number(r.numDeletedRows);
}
