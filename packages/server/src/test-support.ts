import { Bridle, createApiKey, parsePolicy, type Connector } from '@bridle/core';
import type { FastifyBaseLogger } from 'fastify';
import { testStore, type TestStore } from '../../core/src/test-support.js';
import { buildServer } from './app.js';
import type { ObservabilityOptions } from './observability/index.js';

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

/** What a test server is built with beyond its store and policy. */
export interface TestServerOptions {
  /** Extra connectors; the policy is then checked to name only these and the built-in outbox. */
  connectors?: Record<string, Connector>;
  observability?: ObservabilityOptions;
  loggerInstance?: FastifyBaseLogger;
}

/** A real server on a real store, with one key per agent. */
export async function testServer(dialect: 'sqlite' | 'postgres', policy = serverPolicy, opts: TestServerOptions = {}) {
  const t: TestStore = await testStore(dialect);
  const known = opts.connectors ? { connectors: ['outbox', ...Object.keys(opts.connectors)] } : {};
  const bridle = await Bridle.open({ store: t.store, policy: parsePolicy(policy, known), connectors: opts.connectors });
  const app = buildServer({ bridle, adminToken: ADMIN, observability: opts.observability, loggerInstance: opts.loggerInstance });
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
