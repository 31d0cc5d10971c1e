import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { BridleError } from '../errors.js';
import { hashKey } from '../keys.js';
import type { Store } from '../store/open.js';
import { systemClock, ulidGenerator, type Clock } from '../util/clock.js';
import { parseOrThrow, toOperator } from './accounts.js';
import type { Operator } from './types.js';

export const OPERATOR_TOKEN_PREFIX = 'bro_';
/** last_used_at is a hint for humans ("unused for 90 days"); one write a minute is plenty. */
const TOUCH_MS = 60_000;

export interface OperatorTokenInfo {
  id: string;
  operatorId: string;
  prefix: string;
  label: string | null;
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

const labelSchema = z.string().max(200, 'labels may have at most 200 characters').optional();

/**
 * Creates an API token for an active operator. The token (`bro_` + 256 random bits) is returned
 * once; only its sha256 is stored, as for agent keys.
 *
 * @example
 *   const { token } = await createOperatorToken(store, 'alice', 'laptop');
 */
export async function createOperatorToken(store: Store, operatorName: string, label?: string, clock: Clock = systemClock): Promise<{ token: string; prefix: string; info: OperatorTokenInfo }> {
  const l = parseOrThrow(labelSchema, label, 'token label');
  const op = await store.db.selectFrom('operators').select(['id']).where('name', '=', operatorName).where('disabled_at', 'is', null).executeTakeFirst();
  if (!op) throw new BridleError('BRIDLE_E_NOT_FOUND', `No operator "${operatorName}" (see bridle users list)`, { name: operatorName });
  const token = `${OPERATOR_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
  const info: OperatorTokenInfo = { id: ulidGenerator(clock).next('otk'), operatorId: op.id, prefix: token.slice(0, 10), label: l ?? null, createdAt: clock.now(), lastUsedAt: null, revokedAt: null };
  await store.db.insertInto('operator_tokens').values({ id: info.id, operator_id: op.id, token_hash: hashKey(token), prefix: info.prefix, label: info.label, created_at: info.createdAt, last_used_at: null, revoked_at: null }).execute();
  return { token, prefix: info.prefix, info };
}

export async function listOperatorTokens(store: Store, operatorName: string): Promise<OperatorTokenInfo[]> {
  const rows = await store.db
    .selectFrom('operator_tokens as t')
    .innerJoin('operators as o', 'o.id', 't.operator_id')
    .selectAll('t')
    .where('o.name', '=', operatorName)
    .orderBy('t.created_at')
    .execute();
  return rows.map((r) => ({ id: r.id, operatorId: r.operator_id, prefix: r.prefix, label: r.label, createdAt: Number(r.created_at), lastUsedAt: r.last_used_at === null ? null : Number(r.last_used_at), revokedAt: r.revoked_at === null ? null : Number(r.revoked_at) }));
}

/** Revokes a token by id or prefix; revoking twice is harmless. */
export async function revokeOperatorToken(store: Store, idOrPrefix: string, clock: Clock = systemClock): Promise<OperatorTokenInfo> {
  const r = await store.db.selectFrom('operator_tokens').selectAll().where((eb) => eb.or([eb('id', '=', idOrPrefix), eb('prefix', '=', idOrPrefix)])).executeTakeFirst();
  if (!r) throw new BridleError('BRIDLE_E_NOT_FOUND', `No operator token ${idOrPrefix}`);
  const now = clock.now();
  if (r.revoked_at === null) await store.db.updateTable('operator_tokens').set({ revoked_at: now }).where('id', '=', r.id).execute();
  return { id: r.id, operatorId: r.operator_id, prefix: r.prefix, label: r.label, createdAt: Number(r.created_at), lastUsedAt: r.last_used_at === null ? null : Number(r.last_used_at), revokedAt: r.revoked_at === null ? now : Number(r.revoked_at) };
}

/** The operator a token belongs to, or null for an unknown or revoked token or a removed operator. */
export async function authenticateOperatorToken(store: Store, token: string, clock: Clock = systemClock): Promise<Operator | null> {
  if (!token.startsWith(OPERATOR_TOKEN_PREFIX) || token.length > 200) return null;
  const row = await store.db
    .selectFrom('operator_tokens as t')
    .innerJoin('operators as o', 'o.id', 't.operator_id')
    .select(['t.id as token_id', 't.last_used_at', 't.revoked_at', 'o.id', 'o.name', 'o.role', 'o.groups', 'o.password_hash', 'o.email', 'o.slack_user_id', 'o.created_at', 'o.disabled_at'])
    .where('t.token_hash', '=', hashKey(token))
    .executeTakeFirst();
  if (!row || row.revoked_at !== null || row.disabled_at !== null) return null;
  const now = clock.now();
  if (row.last_used_at === null || now - Number(row.last_used_at) >= TOUCH_MS) {
    await store.db.updateTable('operator_tokens').set({ last_used_at: now }).where('id', '=', row.token_id).execute();
  }
  return toOperator(row);
}
