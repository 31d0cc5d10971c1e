import { z } from 'zod';
import { GatewayError } from './errors.js';

/**
 * Request bodies of the gateway routes. Only what the door relies on is validated; every other
 * field (tools, tool_choice, response_format, parallel_tool_calls, vendor extensions) is kept
 * as sent and reaches the provider unchanged.
 */
const tokens = z.number().int().positive().max(10_000_000);

const chatMessage = z.looseObject({ role: z.string().min(1).max(64) });

export const chatBodySchema = z.looseObject({
  model: z.string().min(1).max(200),
  messages: z.array(chatMessage).min(1).max(10_000),
  stream: z.boolean().nullish(),
  max_tokens: tokens.nullish(),
  max_completion_tokens: tokens.nullish(),
  n: z.number().int().min(1).max(128).nullish(),
});

export const embeddingsBodySchema = z.looseObject({
  model: z.string().min(1).max(200),
  input: z.union([z.string(), z.array(z.string()).min(1), z.array(z.number()), z.array(z.array(z.number())).min(1)]),
});

const anthropicMessage = z.looseObject({ role: z.enum(['user', 'assistant']), content: z.union([z.string(), z.array(z.looseObject({ type: z.string() }))]) });

export const messagesBodySchema = z.looseObject({
  model: z.string().min(1).max(200),
  // Anthropic requires max_tokens; so does the reservation.
  max_tokens: tokens,
  messages: z.array(anthropicMessage).min(1).max(10_000),
  stream: z.boolean().nullish(),
});

/** Parses a body, or throws a 400 naming the first bad field the way the provider would (`param`). */
export function parseBody<T extends z.ZodType>(schema: T, body: unknown): z.output<T> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new GatewayError(400, 'invalid_request_error', 'BRIDLE_E_INVALID_JSON', 'The request body must be a JSON object', { retry: false });
  const r = schema.safeParse(body);
  if (r.success) return r.data;
  const issues = r.error.issues;
  const first = issues[0];
  const param = first ? first.path.map(String).join('.') : null;
  const message = issues
    .slice(0, 5)
    .map((i) => `${i.path.map(String).join('.') || '(body)'}: ${i.message}`)
    .join('; ');
  throw new GatewayError(400, 'invalid_request_error', 'BRIDLE_E_VALIDATION', `Invalid request body: ${message}`, { param, retry: false });
}

const PROMPT = /^[A-Za-z0-9][\w./-]{0,127}@[\w.+-]{1,64}$/;

/** `x-bridle-prompt: name@version`, recorded with the call; malformed values are refused rather than half-recorded. */
export function promptHeader(v: string | string[] | undefined): string | null {
  if (v === undefined) return null;
  const s = Array.isArray(v) ? v[0] : v;
  if (s === undefined || s === '') return null;
  if (!PROMPT.test(s)) throw new GatewayError(400, 'invalid_request_error', 'BRIDLE_E_VALIDATION', 'x-bridle-prompt must be name@version (e.g. support-reply@3)', { param: 'x-bridle-prompt', retry: false });
  return s;
}

/** `Idempotency-Key`: a retried call with the same key is the same action (and after an approval, runs it). */
export function idempotencyHeader(v: string | string[] | undefined): string | undefined {
  const s = Array.isArray(v) ? v[0] : v;
  if (s === undefined || s === '') return undefined;
  if (s.length > 200) throw new GatewayError(400, 'invalid_request_error', 'BRIDLE_E_VALIDATION', 'Idempotency-Key is longer than 200 characters', { param: 'idempotency-key', retry: false });
  return s;
}
