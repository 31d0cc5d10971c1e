import { epochResetMs, platformError, requestJson, retryAfterMs, statusReason, type CallBudget } from '../http.js';
import { ConnectorError } from '../types.js';

/**
 * Calls to the X API v2 and the mapping of its answers to ConnectorError. Errors come as
 * problem objects `{ type, title, detail, status }` (top level, or inside `errors: [...]`);
 * 429s carry `x-rate-limit-reset` (epoch seconds) and, for the per-user daily post cap,
 * `x-user-limit-24hour-reset`.
 *   https://docs.x.com/x-api/fundamentals/response-codes-and-errors
 *   https://docs.x.com/x-api/fundamentals/rate-limits
 */

export const PLATFORM = 'x';

export interface XCall extends CallBudget {
  method: 'GET' | 'POST' | 'DELETE';
  url: URL;
  /** Builds the Authorization header; OAuth 1.0a needs the method and URL to sign. */
  authorization: (method: string, url: URL) => string;
  json?: unknown;
  now: () => number;
}

export interface XReply {
  status: number;
  body: Record<string, unknown>;
}

/** One request; any non-2xx answer or transport failure becomes a ConnectorError. */
export async function xRequest(call: XCall): Promise<XReply> {
  const res = await requestJson({
    platform: PLATFORM,
    service: 'X',
    method: call.method,
    url: call.url,
    headers: { authorization: call.authorization(call.method, call.url) },
    json: call.json,
  }, call);
  if (res.ok && res.body) return { status: res.status, body: res.body };
  throw xError(res.status, res.body, res.headers, call.step, call.now());
}

/** The first problem object of an error answer: the body itself, or `errors[0]`. */
export function problemOf(body: Record<string, unknown> | null): { type?: string; title?: string; detail?: string } {
  const first = Array.isArray(body?.errors) && typeof body.errors[0] === 'object' && body.errors[0] !== null ? (body.errors[0] as Record<string, unknown>) : null;
  const src = body && (typeof body.title === 'string' || typeof body.detail === 'string') ? body : (first ?? {});
  const pick = (v: unknown) => (typeof v === 'string' && v.length > 0 ? v : undefined);
  const type = pick(src.type);
  const title = pick(src.title);
  const detail = pick(src.detail) ?? pick(src.message);
  return { ...(type ? { type } : {}), ...(title ? { title } : {}), ...(detail ? { detail } : {}) };
}

/** Classifies an X error answer by status, with the problem detail telling duplicates from other refusals. */
export function xError(status: number, body: Record<string, unknown> | null, headers: Headers, step: string, now: number): ConnectorError {
  const p = problemOf(body);
  const said = p.detail ?? p.title ?? `HTTP ${status}`;
  const message = `X refused to ${step}: ${said} (HTTP ${status})`;
  const info = { status, ...(p.type ? { platformCode: p.type } : {}) };
  if (status === 429) {
    // When the daily post cap is spent, the 15-minute window reset is not when posting resumes.
    const daily = headers.get('x-user-limit-24hour-remaining') === '0' ? epochResetMs(headers, 'x-user-limit-24hour-reset', now) : undefined;
    return platformError(PLATFORM, 'rate_limited', message, { ...info, retryAfterMs: daily ?? epochResetMs(headers, 'x-rate-limit-reset', now) ?? retryAfterMs(headers, now) });
  }
  if (status === 401) return new ConnectorError(PLATFORM, 'auth_expired', `${message}; the access token is invalid, expired or revoked`, info);
  if (status === 403 && /duplicate/i.test(said)) return new ConnectorError(PLATFORM, 'duplicate', message, info);
  return new ConnectorError(PLATFORM, statusReason(status, 'unknown'), message, info);
}
