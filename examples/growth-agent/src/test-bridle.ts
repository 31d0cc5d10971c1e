import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { Bridle, createApiKey, parsePolicy, builtInConnectors } from '@bridle/core';
import { buildServer } from '@bridle/server';
import { testStore, type TestStore } from '../../../packages/core/src/test-support.js';
import type { ActionView } from './client.js';

/*
 * A REAL Bridle for the agent's tests: the engine on a temp SQLite store, the HTTP server on
 * 127.0.0.1 with an ephemeral port, and keys for the agents named. Not part of the build.
 */

export const ADMIN = 'growth-test-admin-token-0123456789';

export interface TestBridle {
  url: string;
  bridle: Bridle;
  t: TestStore;
  keys: Record<string, string>;
  /** An operator request with the admin token, as `alice`. */
  admin<T = ActionView>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; body: T }>;
  outboxRows(actionId: string): Promise<number>;
  /** Actions this agent has in the store. */
  actionCount(agentId: string): Promise<number>;
  /** A temp directory for agent state files, removed on close. */
  dir: string;
  close(): Promise<void>;
}

export async function startTestBridle(policy: string, agents: string[], opts: { env?: Record<string, string> } = {}): Promise<TestBridle> {
  const t = await testStore('sqlite');
  const bridle = await Bridle.open({ store: t.store, policy: parsePolicy(policy, { file: 'test-policy.yaml', connectors: [...builtInConnectors] }) });
  const app = buildServer({ bridle, adminToken: ADMIN, gateway: { env: opts.env ?? {} } });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const keys: Record<string, string> = {};
  for (const a of agents) keys[a] = (await createApiKey(bridle, a, { actor: { type: 'operator', id: 'test' } })).key;
  const dir = mkdtempSync(join(tmpdir(), 'growth-agent-'));
  return {
    url,
    bridle,
    t,
    keys,
    dir,
    async admin<T>(method: 'GET' | 'POST', path: string, body?: unknown) {
      const res = await fetch(`${url}${path}`, {
        method,
        headers: { authorization: `Bearer ${ADMIN}`, 'x-bridle-operator': 'alice', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(15_000),
      });
      return { status: res.status, body: (await res.json()) as T };
    },
    async outboxRows(actionId) {
      return (await t.store.db.selectFrom('outbox').select('id').where('action_id', '=', actionId).execute()).length;
    },
    async actionCount(agentId) {
      return (await t.store.db.selectFrom('actions').select('id').where('agent_id', '=', agentId).execute()).length;
    },
    async close() {
      await app.close();
      await bridle.close();
      await t.cleanup();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Polls `probe` every 100 ms until it returns a value, for at most `ms`. */
export async function until<T>(probe: () => Promise<T | undefined>, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
