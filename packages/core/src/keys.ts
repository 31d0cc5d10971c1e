import { createHash, randomBytes } from 'node:crypto';
import type { Actor } from './audit/entry.js';
import { BridleError } from './errors.js';
import type { AuditInput } from './audit/entry.js';
import type { Clock, IdGenerator } from './util/clock.js';
import type { Store } from './store/open.js';

/** Agent API keys are random 192-bit secrets; a fast hash is right for them (unlike passwords). */
export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export interface ApiKeyInfo {
  id: string;
  agentId: string;
  prefix: string;
  label: string | null;
  createdAt: number;
  revokedAt: number | null;
}

/**
 * What key management needs: a store, an audit sink and the policy's agents. A running Bridle
 * is one; the CLI builds one with `openAdmin` so it can manage keys beside a live server.
 */
export interface AdminContext {
  readonly store: Store;
  readonly ids: IdGenerator;
  readonly clock: Clock;
  readonly policy: { readonly agents: ReadonlyMap<string, unknown> };
  audit(entries: AuditInput[]): Promise<void>;
  entry(chain: string, actionId: string | null, kind: string, actor: Actor): AuditInput;
}

/** Creates a key for one agent. The secret is returned once and only its hash is stored. */
export async function createApiKey(bridle: AdminContext, agentId: string, opts: { label?: string; actor: Actor }): Promise<{ key: string; info: ApiKeyInfo }> {
  if (!bridle.policy.agents.has(agentId)) throw new BridleError('BRIDLE_E_UNKNOWN_AGENT', `No agent named "${agentId}" in the policy; add it under agents: first`);
  const secret = randomBytes(24).toString('base64url');
  const key = `brk_${secret}`;
  const info: ApiKeyInfo = { id: bridle.ids.next('key'), agentId, prefix: key.slice(0, 10), label: opts.label ?? null, createdAt: bridle.clock.now(), revokedAt: null };
  await bridle.store.db.insertInto('api_keys').values({ id: info.id, agent_id: agentId, key_hash: hashKey(key), prefix: info.prefix, label: info.label, created_at: info.createdAt, revoked_at: null }).execute();
  await bridle.audit([{ ...bridle.entry(agentId, null, 'key.created', opts.actor), data: { keyId: info.id, prefix: info.prefix, label: info.label } }]);
  return { key, info };
}

export async function listApiKeys(store: Store, agentId?: string): Promise<ApiKeyInfo[]> {
  let q = store.db.selectFrom('api_keys').selectAll().orderBy('created_at');
  if (agentId) q = q.where('agent_id', '=', agentId);
  return (await q.execute()).map((r) => ({ id: r.id, agentId: r.agent_id, prefix: r.prefix, label: r.label, createdAt: r.created_at, revokedAt: r.revoked_at }));
}

export async function revokeApiKey(bridle: AdminContext, keyIdOrPrefix: string, actor: Actor): Promise<ApiKeyInfo> {
  const row = await bridle.store.db.selectFrom('api_keys').selectAll().where((eb) => eb.or([eb('id', '=', keyIdOrPrefix), eb('prefix', '=', keyIdOrPrefix)])).executeTakeFirst();
  if (!row) throw new BridleError('BRIDLE_E_NOT_FOUND', `No API key ${keyIdOrPrefix}`);
  const now = bridle.clock.now();
  if (row.revoked_at === null) {
    await bridle.store.db.updateTable('api_keys').set({ revoked_at: now }).where('id', '=', row.id).execute();
    await bridle.audit([{ ...bridle.entry(row.agent_id, null, 'key.revoked', actor), data: { keyId: row.id, prefix: row.prefix } }]);
  }
  return { id: row.id, agentId: row.agent_id, prefix: row.prefix, label: row.label, createdAt: row.created_at, revokedAt: row.revoked_at ?? now };
}

/** The agent a key belongs to, or null for an unknown or revoked key. */
export async function authenticateKey(store: Store, key: string): Promise<string | null> {
  if (!key.startsWith('brk_') || key.length > 200) return null;
  const row = await store.db.selectFrom('api_keys').select(['agent_id', 'revoked_at']).where('key_hash', '=', hashKey(key)).executeTakeFirst();
  return row && row.revoked_at === null ? row.agent_id : null;
}
