import type { FastifyInstance } from 'fastify';
import { pruneSessions, type Bridle } from '@bridle/core';
import type { RouteDef } from '../route.js';
import { auditRoutes } from './audit.js';
import { loginLimiter, type LoginLimiterOptions } from './login-limiter.js';
import { readModelRoutes } from './read-models.js';
import { sessionRoutes } from './session.js';
import { registerStatic } from './static.js';
import { OperatorStream, streamRoutes, type StreamOptions } from './stream.js';

export { auditItemView, instant } from './audit.js';
export { CSP, DEFAULT_DIST } from './static.js';

export interface DashboardOptions {
  /** The built app (default: packages/dashboard/dist); false serves no static files at all. */
  distDir?: string | false;
  /** Session lifetime (default 12 h). */
  sessionTtlMs?: number;
  login?: LoginLimiterOptions;
  stream?: StreamOptions;
}

/**
 * Everything the dashboard needs from the server: session sign-in, its read models, the
 * operators' live stream, and the static app. `routes` join the server's route list (so they
 * are in the OpenAPI document); `install` adds the static files and the shutdown hooks.
 *
 * @example
 *   const dash = dashboard(bridle, { distDir: '/srv/bridle/dashboard' });
 *   routes.push(...dash.routes); // then, after registering them: dash.install(app)
 */
export function dashboard(bridle: Bridle, opts: DashboardOptions = {}) {
  const stream = new OperatorStream(bridle, opts.stream);
  const limiter = loginLimiter(opts.login);
  const routes: RouteDef[] = [...sessionRoutes(bridle, { limiter, ttlMs: opts.sessionTtlMs }), ...readModelRoutes(bridle), ...auditRoutes(bridle), ...streamRoutes(stream)];
  return {
    routes,
    stream,
    install(app: FastifyInstance): void {
      if (opts.distDir !== false) registerStatic(app, { distDir: opts.distDir });
      // Old sessions are swept hourly; a live one is never touched.
      const sweep = setInterval(() => void pruneSessions(bridle.store, bridle.clock).catch(() => {}), 3_600_000);
      sweep.unref();
      // Open streams would hold the server open; end them first.
      app.addHook('preClose', (done) => {
        clearInterval(sweep);
        stream.close();
        done();
      });
    },
  };
}
