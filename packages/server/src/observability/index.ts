import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { BridleError, type Bridle, type PipelineObserver } from '@bridle/core';
import { TransitionFeed } from './feed.js';
import { configureGenAi } from './genai.js';
import { logTransition } from './logging.js';
import { createMetrics, type Metrics } from './metrics.js';
import type { ActionTracer } from './tracing.js';
import { tracingFromEnv, type TracingOptions } from './tracing-config.js';

export { TransitionFeed, type Transition } from './feed.js';
export { recordLlmCall, configureGenAi, type LlmCallInfo, type GenAiSink } from './genai.js';
export { createLogger, logOptionsFromEnv, prettyStream, logTransition, type LoggerOptions, type LogFormat, type LogLevel } from './logging.js';
export { createMetrics, type Metrics, type MetricsOptions } from './metrics.js';
export type { ActionTracer } from './tracing.js';
export { tracingFromEnv, type TracingOptions } from './tracing-config.js';

export interface MetricsConfig {
  /** Serve `GET /metrics` (default true). */
  enabled?: boolean;
  /** Serve it without credentials (default false: a bearer read credential, or `token`, is required). */
  public?: boolean;
  /** A scrape-only bearer token, accepted besides operator credentials (BRIDLE_METRICS_TOKEN). */
  token?: string;
  /** Node process metrics (default true). */
  processMetrics?: boolean;
}

export interface ObservabilityOptions {
  metrics?: MetricsConfig;
  /** OTLP/HTTP tracing; off (zero overhead) when absent or null. */
  tracing?: TracingOptions | null;
  /** One log line per action transition on the app's logger (default true; silent without a logger). */
  lifecycleLogs?: boolean;
}

/** What `registerObservability` set up, for tests and the CLI. */
export interface Observability {
  metrics: Metrics | null;
  tracer: ActionTracer | null;
}

/**
 * Options from the environment: BRIDLE_METRICS (0 turns /metrics off), BRIDLE_METRICS_PUBLIC=1,
 * BRIDLE_METRICS_TOKEN, and the standard OTEL_EXPORTER_OTLP_* variables for tracing.
 */
export function observabilityFromEnv(env: NodeJS.ProcessEnv): ObservabilityOptions {
  const token = env.BRIDLE_METRICS_TOKEN;
  if (token !== undefined && token.length < 16) throw new BridleError('BRIDLE_E_CONFIG', 'BRIDLE_METRICS_TOKEN must be at least 16 characters');
  const off = env.BRIDLE_METRICS === '0' || env.BRIDLE_METRICS === 'false' || env.BRIDLE_METRICS === 'off';
  return {
    metrics: { enabled: !off, public: env.BRIDLE_METRICS_PUBLIC === '1' || env.BRIDLE_METRICS_PUBLIC === 'true', ...(token ? { token } : {}) },
    tracing: tracingFromEnv(env),
  };
}

const ACTION_ROUTE = /^\/v1\/(actions|approvals)\/:id(\/|$)/;

/**
 * Wires metrics (`GET /metrics`), traces and lifecycle logs into a server, and composes the
 * engine's observer from whichever are on. Everything is undone when the app closes.
 *
 * @example
 *   registerObservability(app, bridle, { ...observabilityFromEnv(process.env), authenticate: auth.authenticate });
 */
export function registerObservability(app: FastifyInstance, bridle: Bridle, opts: ObservabilityOptions & { authenticate: (req: FastifyRequest, need: 'read') => Promise<unknown> }): Observability {
  const m = opts.metrics ?? {};
  const metrics = m.enabled === false ? null : createMetrics(bridle, { processMetrics: m.processMetrics !== false });
  const log = app.log as Logger;
  const logs = opts.lifecycleLogs !== false && typeof log.isLevelEnabled === 'function';

  let feed: TransitionFeed | null = null;
  if (metrics || logs) {
    feed = new TransitionFeed(bridle);
    if (metrics) feed.on(metrics.onTransition);
    if (logs) feed.on((t) => logTransition(log, t));
  }
  const result: Observability = { metrics, tracer: null };
  let unconfigure = () => {};
  const install = (tracer: ActionTracer | null) => {
    const observer: PipelineObserver = {};
    if (feed) observer.transition = feed.transition;
    if (tracer) observer.phase = tracer.phase;
    if (feed || tracer) bridle.observe(observer);
    unconfigure();
    unconfigure = configureGenAi({ tracer: tracer?.tracer ?? null, contextOf: (id) => tracer?.contextOf(id), count: metrics ? metrics.onLlmCall : null });
  };
  install(null);
  const tracing = opts.tracing;
  if (tracing) {
    // The OpenTelemetry SDK is loaded only when tracing is on, before the server takes requests.
    app.addHook('onReady', async () => {
      const { ActionTracer } = await import('./tracing.js');
      result.tracer = new ActionTracer(bridle, tracing);
      install(result.tracer);
    });
  }

  // Request lines about one action carry its id, like the lifecycle lines do.
  app.addHook('onRequest', (req, _reply, done) => {
    const id = (req.params as { id?: unknown } | undefined)?.id;
    if (typeof id === 'string' && ACTION_ROUTE.test(req.routeOptions.url ?? '')) req.log = req.log.child({ actionId: id });
    done();
  });
  app.addHook('onResponse', (req, reply, done) => {
    req.log.debug({ method: req.method, route: req.routeOptions.url, statusCode: reply.statusCode, ms: Math.round(reply.elapsedTime * 1000) / 1000 }, 'request');
    done();
  });

  if (metrics) {
    const digest = m.token ? createHash('sha256').update(m.token).digest() : null;
    const isScrapeToken = (req: FastifyRequest) => {
      const h = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
      return digest !== null && h !== null && timingSafeEqual(createHash('sha256').update(h[1]!).digest(), digest);
    };
    app.get('/metrics', async (req, reply) => {
      if (!m.public && !isScrapeToken(req)) await opts.authenticate(req, 'read');
      void reply.header('content-type', metrics.contentType).header('cache-control', 'no-store');
      return metrics.render();
    });
  }

  app.addHook('onClose', async () => {
    if (feed || result.tracer) bridle.observe(undefined);
    feed?.close();
    unconfigure();
    await result.tracer?.shutdown();
  });
  return result;
}
