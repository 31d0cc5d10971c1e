import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { BridleError, compileChecks, type Bridle, type GatewayConfig } from '@bridle/core';
import { defineRoute, register, type RouteDoc } from '../../route.js';
import { createRouter, type RouterOptions } from '../router.js';
import type { Router } from '../types.js';
import type { Door } from './call.js';
import { errorBody, errorHeaders, toGatewayError } from './errors.js';
import { gatewayRouteDocs } from './openapi.js';
import { readPayload, sweepPayloads } from './payloads.js';
import { chatCompletions, embeddings, listModels, messages, type Authenticator } from './routes.js';

export { readPayload, sweepPayloads } from './payloads.js';
export type { Door } from './call.js';

export interface GatewayOptions {
  /** Where provider keys are read from (default `process.env`). */
  env?: RouterOptions['env'];
  /** A router to use instead of building one from the policy (tests, embedding). */
  router?: Router;
  /** Extra router options (clock, sleep, timeout scale). */
  routerOptions?: Omit<RouterOptions, 'env'>;
  /** How often stored bodies past `audit.retention_days` are deleted (default hourly). */
  sweepEveryMs?: number;
}

const DAY_MS = 86_400_000;

/**
 * The LLM gateway door: OpenAI-compatible `POST /v1/chat/completions`, `POST /v1/embeddings`,
 * `GET /v1/models`, and Anthropic's `POST /v1/messages`, every call an `llm.chat` action through
 * the pipeline; plus `GET /v1/llm/calls/:id` for operators. Does nothing when the policy has no
 * `gateway:`. Errors on the model routes are in the provider's own shape, so SDKs raise their
 * usual exceptions. The router is built at start-up (a missing provider key stops it).
 *
 * @example
 *   const app = buildServer({ bridle, adminToken });   // calls registerGateway when bridle.policy.gateway is set
 *   const openai = new OpenAI({ baseURL: 'http://127.0.0.1:8787/v1', apiKey: agentKey });
 */
export function registerGateway(app: FastifyInstance, bridle: Bridle, auth: Authenticator, opts: GatewayOptions = {}): RouteDoc[] {
  const config: GatewayConfig | null = bridle.policy.gateway;
  if (!config) return [];
  const holder: { door: Door | null } = { door: null };
  const door = (): Door => {
    if (!holder.door) throw new BridleError('BRIDLE_E_SHUTTING_DOWN', 'The gateway is not ready');
    return holder.door;
  };
  let sweeper: NodeJS.Timeout | undefined;

  void app.register(async (scope) => {
    const router = opts.router ?? (await createRouter(config, { env: opts.env ?? process.env, ...opts.routerOptions }));
    holder.door = { bridle, router, config, outputChecks: compileChecks(config.output_checks, bridle.policy.defaults), running: new Set(), now: () => bridle.clock.now() };
    const sweep = () => sweepPayloads(bridle.store, bridle.clock.now() - config.audit.retention_days * DAY_MS).catch(() => 0);
    await sweep();
    sweeper = setInterval(() => void sweep(), opts.sweepEveryMs ?? 3_600_000);
    sweeper.unref();
    scope.addHook('onClose', async () => {
      clearInterval(sweeper);
      if (!opts.router) await router.close();
    });

    scope.setErrorHandler((err: Error, req, reply) => {
      const e = toGatewayError(err);
      if (e.status >= 500) req.log.warn({ err, code: e.code }, 'gateway request failed');
      if (e.status === 401) void reply.header('www-authenticate', 'Bearer');
      const dialect = req.routeOptions.url === '/v1/messages' ? 'anthropic' : 'openai';
      void reply.code(e.status).headers(errorHeaders(e)).send(errorBody(e, dialect));
    });
    const bodyLimit = config.max_request_bytes;
    scope.post('/v1/chat/completions', { bodyLimit }, (req, reply) => chatCompletions(door(), auth, req, reply));
    scope.post('/v1/messages', { bodyLimit }, (req, reply) => messages(door(), auth, req, reply));
    scope.post('/v1/embeddings', { bodyLimit }, (req, reply) => embeddings(door(), auth, req, reply));
    scope.get('/v1/models', (req) => listModels(door(), auth, req));
  });

  // An operator endpoint: Bridle's own error shape, like the rest of the API.
  const calls = defineRoute({
      method: 'GET',
      url: '/v1/llm/calls/:id',
      summary: 'The stored request and response bodies of one gateway call (gateway.audit.record: full).',
      auth: 'read',
      tags: ['gateway'],
      params: z.object({ id: z.string().min(1).max(64) }),
      async handler({ params }) {
        const rec = await bridle.get(params.id);
        if (rec.type !== config.action_type) throw new BridleError('BRIDLE_E_ACTION_NOT_FOUND', `Action ${params.id} is not a gateway call`, { id: params.id });
        const p = await readPayload(bridle.store, params.id);
        return {
          id: rec.id,
          agentId: rec.agentId,
          status: rec.status,
          costMicroUsd: rec.costMicroUsd,
          result: rec.result,
          stored: p !== null,
          request: p?.request ?? null,
          response: p?.response ?? null,
          requestSha256: p?.requestSha256 ?? null,
          responseSha256: p?.responseSha256 ?? null,
          storedAt: p?.createdAt ?? null,
        };
      },
    });
  register(app, calls, auth.authenticate);
  return [...gatewayRouteDocs(config.max_request_bytes), calls];
}
