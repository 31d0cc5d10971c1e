import { createApiKey, listApiKeys, openAdmin, revokeApiKey } from '@bridle/core';
import { adminPolicy, openCliStore, type CommonOptions } from '../config.js';
import { emit, table } from '../output.js';

const operator = { type: 'operator' as const, id: process.env.BRIDLE_OPERATOR ?? process.env.USER ?? 'cli' };

export async function keysCreate(o: CommonOptions & { agent: string; label?: string }): Promise<void> {
  const policy = adminPolicy(o);
  const store = await openCliStore(o);
  const admin = openAdmin(store, policy);
  try {
    const { key, info } = await createApiKey(admin, o.agent, { ...(o.label ? { label: o.label } : {}), actor: operator });
    emit(o.json, { key, ...info }, () => `Created key ${info.id} for agent ${info.agentId}.\n\n  ${key}\n\nStore it now: Bridle keeps only its hash and cannot show it again.`);
  } finally {
    await admin.close();
    await store.close();
  }
}

export async function keysList(o: CommonOptions & { agent?: string }): Promise<void> {
  const store = await openCliStore(o);
  try {
    const keys = await listApiKeys(store, o.agent);
    emit(o.json, keys, () =>
      keys.length === 0
        ? 'No keys. Create one with: bridle keys create --agent NAME'
        : table([['ID', 'AGENT', 'PREFIX', 'LABEL', 'CREATED', 'STATUS'], ...keys.map((k) => [k.id, k.agentId, `${k.prefix}…`, k.label ?? '', new Date(k.createdAt).toISOString(), k.revokedAt ? 'revoked' : 'active'])]),
    );
  } finally {
    await store.close();
  }
}

export async function keysRevoke(id: string, o: CommonOptions): Promise<void> {
  const policy = adminPolicy(o);
  const store = await openCliStore(o);
  const admin = openAdmin(store, policy);
  try {
    const info = await revokeApiKey(admin, id, operator);
    emit(o.json, info, () => `Revoked ${info.id} (${info.prefix}…) of agent ${info.agentId}. A running server stops accepting it within 5 seconds.`);
  } finally {
    await admin.close();
    await store.close();
  }
}
