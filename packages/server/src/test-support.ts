import { Bridle, createApiKey, parsePolicy } from '@bridle/core';
import { testStore, type TestStore } from '../../core/src/test-support.js';
import { buildServer } from './app.js';

export const ADMIN = 'test-admin-token-0123456789';

export const serverPolicy = `
agents:
  alpha:
    mode: auto
    budget: { daily_usd: 0.05 }
    rate: { per_minute: 600 }
  beta:
    mode: draft
actions:
  social.post:
    estimate_usd: 0.01
    checks:
      - max_length: {}
      - banned_phrases: { list: [guaranteed returns] }
  email.send:
    approval: always
`;

/** A real server on a real store, with one key per agent. */
export async function testServer(dialect: 'sqlite' | 'postgres', policy = serverPolicy) {
  const t: TestStore = await testStore(dialect);
  const bridle = await Bridle.open({ store: t.store, policy: parsePolicy(policy) });
  const app = buildServer({ bridle, adminToken: ADMIN });
  const alpha = (await createApiKey(bridle, 'alpha', { actor: { type: 'operator', id: 'test' } })).key;
  const beta = (await createApiKey(bridle, 'beta', { actor: { type: 'operator', id: 'test' } })).key;
  return {
    t,
    bridle,
    app,
    keys: { alpha, beta },
    async close() {
      await app.close();
      await bridle.close();
      await t.cleanup();
    },
  };
}
