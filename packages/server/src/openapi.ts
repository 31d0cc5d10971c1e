import { z } from 'zod';
import { ERROR_CODES } from '@bridle/core';
import type { RouteDoc } from './route.js';
import { errorSchema } from './schemas.js';

const json = (s: z.ZodType, io: 'input' | 'output') => z.toJSONSchema(s, { io, unrepresentable: 'any' }) as Record<string, unknown>;

/** OpenAPI 3.1 from the same zod schemas that validate requests. */
export function openApiDocument(routes: readonly RouteDoc[], version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const path = r.url.replace(/:(\w+)/g, '{$1}');
    const parameters: unknown[] = [];
    for (const [where, schema] of [['path', r.params], ['query', r.query]] as const) {
      if (!schema) continue;
      const js = json(schema, 'input') as { properties?: Record<string, unknown>; required?: string[] };
      for (const [name, s] of Object.entries(js.properties ?? {})) {
        parameters.push({ name, in: where, required: where === 'path' || (js.required ?? []).includes(name), schema: s });
      }
    }
    paths[path] ??= {};
    paths[path]![r.method.toLowerCase()] = {
      summary: r.summary,
      tags: r.tags ?? [],
      ...(r.auth === 'none' ? { security: [] } : {}),
      ...(parameters.length ? { parameters } : {}),
      ...(r.body ? { requestBody: { required: !r.body.safeParse(undefined).success, content: { 'application/json': { schema: json(r.body, 'input') } } } } : {}),
      responses: {
        '200': { description: 'OK', ...(r.response ? { content: { 'application/json': { schema: json(r.response, 'output') } } } : {}) },
        default: { description: 'Error (see docs/errors.md)', content: { 'application/json': { schema: json(errorSchema, 'output') } } },
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Bridle API', version, description: `Every error body is { error: { code, message, details } } with code one of: ${Object.keys(ERROR_CODES).join(', ')}.` },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'An agent API key (brk_…) or the admin token' } } },
    security: [{ bearer: [] }],
    paths,
  };
}
