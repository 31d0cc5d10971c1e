import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { BridleError, isBridleError, type Bridle } from '@bridle/core';
import { makeAuthenticator } from './auth.js';
import { openApiDocument } from './openapi.js';
import { defineRoute, register, type RouteDef } from './route.js';
import { actionRoutes } from './routes/actions.js';
import { operatorRoutes } from './routes/operator.js';
import { accountRoutes } from './routes/accounts.js';
import { connectSlack, type SlackConfig } from './slack/bridge.js';
import { modeRoutes } from './routes/modes.js';
import { eventRoutes } from './routes/events.js';
import { approvalViewRoutes } from './routes/approval-view.js';
import { dashboard, type DashboardOptions } from './dashboard/index.js';
import { registerObservability, type ObservabilityOptions } from './observability/index.js';
import { registerGateway, type GatewayOptions } from './gateway/door/index.js';

export interface ServerOptions {
  bridle: Bridle;
  /** Bearer token for operator endpoints. */
  adminToken: string;
  /** Largest request body accepted, in bytes (default 1 MiB). */
  bodyLimit?: number;
  logger?: FastifyServerOptions['logger'];
  /** Slack interactive approvals (see `slackConfigFromEnv`); off when absent. */
  slack?: SlackConfig;
  /** The dashboard: sessions, read models, live stream, static app (see dashboard/index.ts). */
  dashboard?: DashboardOptions;
  /** A ready logger (`createLogger` from observability), used instead of `logger`. */
  loggerInstance?: FastifyBaseLogger;
  /** Metrics, traces and lifecycle logs (see `observabilityFromEnv`); /metrics needs a read credential by default. */
  observability?: ObservabilityOptions;
  /** The LLM gateway door (when the policy has `gateway:`): provider-key environment, router overrides. */
  gateway?: GatewayOptions;
}

// Fastify's own error codes that mean "the client sent something wrong", mapped to ours.
const FASTIFY_CODES: Record<string, BridleError['code']> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'BRIDLE_E_INVALID_JSON',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'BRIDLE_E_INVALID_JSON',
  FST_ERR_CTP_BODY_TOO_LARGE: 'BRIDLE_E_BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'BRIDLE_E_UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'BRIDLE_E_BAD_REQUEST',
  FST_ERR_BAD_URL: 'BRIDLE_E_BAD_REQUEST',
};

/**
 * The Bridle HTTP server: the Actions API, operator endpoints, health and OpenAPI.
 *
 * @example
 *   const app = buildServer({ bridle, adminToken });
 *   await app.listen({ port: 8787, host: '127.0.0.1' });
 */
export function buildServer(opts: ServerOptions): FastifyInstance {
  const { bridle } = opts;
  const app = Fastify({ ...(opts.loggerInstance ? { loggerInstance: opts.loggerInstance } : { logger: opts.logger ?? false }), bodyLimit: opts.bodyLimit ?? 1024 * 1024, logController: new LogController({ disableRequestLogging: true }), return503OnClosing: true });
  // JSON only: anything else is a 415 rather than a string the handlers would misread.
  app.removeContentTypeParser('text/plain');
  const auth = makeAuthenticator(bridle.store, opts.adminToken);

  app.setErrorHandler((err: Error, req, reply) => {
    let e: BridleError;
    if (isBridleError(err)) e = err;
    else {
      const code = (err as { code?: string }).code;
      const mapped = code ? FASTIFY_CODES[code] : undefined;
      if (mapped) e = new BridleError(mapped, mapped === 'BRIDLE_E_BODY_TOO_LARGE' ? `Request body is larger than ${opts.bodyLimit ?? 1024 * 1024} bytes` : err.message);
      else if ((err as { statusCode?: number }).statusCode === 400) e = new BridleError('BRIDLE_E_BAD_REQUEST', err.message);
      else {
        req.log.error({ err }, 'unhandled error');
        e = new BridleError('BRIDLE_E_INTERNAL', 'Internal error; it has been logged');
      }
    }
    if (e.status >= 500) req.log.warn({ code: e.code, msg: e.message }, 'request failed');
    if (e.code === 'BRIDLE_E_UNAUTHENTICATED') reply.header('www-authenticate', 'Bearer');
    void reply.code(e.status).send({ error: e.toJSON() });
  });
  app.setNotFoundHandler((req, reply) => {
    void reply.code(404).send({ error: { code: 'BRIDLE_E_NOT_FOUND', message: `No route ${req.method} ${req.url.split('?')[0]}` } });
  });

  const dash = dashboard(bridle, opts.dashboard);
  const routes: RouteDef[] = [
    defineRoute({ method: 'GET', url: '/healthz', summary: 'Liveness: the process answers.', auth: 'none', tags: ['health'], handler: async () => ({ ok: true }) }),
    defineRoute({
      method: 'GET',
      url: '/readyz',
      summary: 'Readiness: the store answers.',
      auth: 'none',
      tags: ['health'],
      async handler({ reply }) {
        try {
          await bridle.store.db.selectFrom('chain_heads').select('agent_id').limit(1).execute();
          return { ok: true, store: bridle.store.dialect, policyVersion: bridle.policy.version };
        } catch {
          reply.code(503);
          return { ok: false, store: bridle.store.dialect };
        }
      },
    }),
    ...actionRoutes(bridle),
    ...operatorRoutes(bridle),
    ...accountRoutes(bridle),
    ...modeRoutes(bridle),
    ...eventRoutes(bridle),
    ...approvalViewRoutes(bridle),
    ...dash.routes,
  ];
  for (const r of routes) register(app, r, auth.authenticate);
  dash.install(app);
  if (opts.slack) {
    const slack = connectSlack(app, bridle, opts.slack);
    // Decisions acknowledged to Slack finish before the server stops.
    app.addHook('onClose', () => slack.drain());
  }
  registerObservability(app, bridle, { ...opts.observability, authenticate: auth.authenticate });
  const gatewayDocs = registerGateway(app, bridle, auth, opts.gateway);
  const doc = openApiDocument([...routes, ...gatewayDocs], '0.1.0');
  app.get('/openapi.json', async () => doc);
  return app;
}
