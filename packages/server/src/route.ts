import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { BridleError } from '@bridle/core';
import type { AuthLevel as Auth, Principal } from './auth.js';

/**
 * One route, described once: its schemas validate requests and also produce the OpenAPI
 * document, so the two cannot drift apart.
 */
export interface RouteDef<B extends z.ZodType = z.ZodType, Q extends z.ZodType = z.ZodType, P extends z.ZodType = z.ZodType> {
  method: 'GET' | 'POST' | 'DELETE';
  url: string;
  summary: string;
  auth: Auth;
  body?: B;
  query?: Q;
  params?: P;
  response?: z.ZodType;
  tags?: string[];
  handler(input: { body: z.output<B>; query: z.output<Q>; params: z.output<P>; principal: Principal; req: FastifyRequest; reply: FastifyReply }): Promise<unknown>;
}

/** What the OpenAPI document needs of a route: everything but its handler. */
export type RouteDoc = Omit<RouteDef, 'handler'>;

export function defineRoute<B extends z.ZodType = z.ZodNever, Q extends z.ZodType = z.ZodNever, P extends z.ZodType = z.ZodNever>(def: RouteDef<B, Q, P>): RouteDef {
  return def as unknown as RouteDef;
}

function parse<T extends z.ZodType>(schema: T | undefined, value: unknown, where: string): z.output<T> {
  if (!schema) return undefined as z.output<T>;
  const r = schema.safeParse(value ?? (where === 'body' ? undefined : {}));
  if (r.success) return r.data;
  const issues = r.error.issues.map((i) => ({ path: [where, ...i.path.map(String)].join('.'), message: i.message }));
  throw new BridleError('BRIDLE_E_VALIDATION', `Invalid ${where}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, { issues });
}

export function register(app: FastifyInstance, def: RouteDef, authenticate: (req: FastifyRequest, need: Auth) => Promise<Principal>): void {
  app.route({
    method: def.method,
    url: def.url,
    handler: async (req, reply) => {
      const principal = await authenticate(req, def.auth);
      const params = parse(def.params, req.params, 'path');
      const query = parse(def.query, req.query, 'query');
      const body = parse(def.body, req.body, 'body');
      return def.handler({ body, query, params, principal, req, reply });
    },
  });
}
