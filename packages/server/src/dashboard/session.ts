import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { BridleError, createSession, csrfMatches, csrfTokenFor, findSession, revokeSession, SESSION_TTL_MS, verifyPassword, type Bridle, type Operator } from '@bridle/core';
import { CSRF_HEADER, SESSION_COOKIE, sessionCookie } from '../auth.js';
import { defineRoute, type RouteDef } from '../route.js';
import type { LoginLimiter } from './login-limiter.js';

const loginBody = z.object({ name: z.string().min(1).max(64), password: z.string().min(1).max(1024) }).strict();

export const sessionSchema = z.object({
  operator: z.object({ name: z.string(), role: z.enum(['viewer', 'approver', 'admin']), groups: z.array(z.string()) }),
  csrfToken: z.string().describe(`Send it as the ${CSRF_HEADER} header on every request that is not GET or HEAD`),
});

const view = (op: Operator, token: string) => ({ operator: { name: op.name, role: op.role, groups: op.groups }, csrfToken: csrfTokenFor(token) });

/** Secure cookies when the browser reached us over TLS, directly or through a proxy that says so. */
function overHttps(req: FastifyRequest): boolean {
  const fwd = req.headers['x-forwarded-proto'];
  const proto = (Array.isArray(fwd) ? fwd[0] : fwd)?.split(',')[0]?.trim().toLowerCase();
  return req.protocol === 'https' || proto === 'https';
}

function setCookie(req: FastifyRequest, reply: FastifyReply, value: string, maxAgeS: number): void {
  reply.header('set-cookie', `${SESSION_COOKIE}=${value}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${maxAgeS}${overHttps(req) ? '; Secure' : ''}`);
  // Session answers are per user: never cached by a browser or a proxy.
  reply.header('cache-control', 'no-store');
}

/** Sign in, read and sign out of a dashboard session (cookie), see docs/api.md. */
export function sessionRoutes(bridle: Bridle, opts: { limiter: LoginLimiter; ttlMs?: number | undefined }): RouteDef[] {
  const ttlMs = opts.ttlMs ?? SESSION_TTL_MS;
  return [
    defineRoute({
      method: 'POST',
      url: '/v1/session',
      summary: 'Sign in to the dashboard with an operator name and password: sets the HttpOnly session cookie and returns the CSRF token.',
      tags: ['session'],
      auth: 'none',
      body: loginBody,
      response: sessionSchema,
      async handler({ body, req, reply }) {
        const wait = opts.limiter.check(body.name);
        if (wait > 0) {
          reply.header('retry-after', Math.ceil(wait / 1000));
          throw new BridleError('BRIDLE_E_RATE_LIMITED', 'Too many failed sign-ins for this name; try again later', { retryAfterMs: wait });
        }
        // verifyPassword spends a scrypt on unknown names too, so timing does not reveal which exist.
        const op = await verifyPassword(bridle.store, body.name, body.password);
        if (!op) {
          opts.limiter.failed(body.name);
          throw new BridleError('BRIDLE_E_UNAUTHENTICATED', 'Wrong name or password');
        }
        opts.limiter.succeeded(body.name);
        const ua = req.headers['user-agent'];
        const s = await createSession(bridle.store, op.id, { clock: bridle.clock, ttlMs, userAgent: ua });
        setCookie(req, reply, s.token, Math.floor(ttlMs / 1000));
        return view(op, s.token);
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/session',
      summary: 'The signed-in operator (name, role, groups) and the session’s CSRF token; 401 when there is no live session.',
      tags: ['session'],
      auth: 'none',
      response: sessionSchema,
      async handler({ req, reply }) {
        const token = sessionCookie(req);
        const s = token ? await findSession(bridle.store, token, bridle.clock) : null;
        if (!token || !s) throw new BridleError('BRIDLE_E_UNAUTHENTICATED', token ? 'Your session has expired or was signed out; sign in again' : 'Not signed in');
        reply.header('cache-control', 'no-store');
        return view(s.operator, token);
      },
    }),
    defineRoute({
      method: 'DELETE',
      url: '/v1/session',
      summary: 'Sign out: the session is revoked on the server and the cookie cleared.',
      tags: ['session'],
      auth: 'none',
      async handler({ req, reply }) {
        const token = sessionCookie(req);
        if (token && (await findSession(bridle.store, token, bridle.clock))) {
          // A live session is only ended by its own page: another site cannot sign you out.
          const presented = req.headers[CSRF_HEADER];
          if (!csrfMatches(token, typeof presented === 'string' ? presented : undefined)) throw new BridleError('BRIDLE_E_CSRF', `Signing out needs the ${CSRF_HEADER} header with the session's csrfToken`);
          await revokeSession(bridle.store, token, bridle.clock);
        }
        setCookie(req, reply, '', 0);
        reply.code(204);
        return reply.send();
      },
    }),
  ];
}
