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

export interface XCall {
  method: 'GET' | 'POST' | 'DELETE';
  url: URL;
  /** Builds the Authorization header; OAuth 1.0a needs the method and URL to sign. */
  authorization: (method: string, url: URL) => string;
  json?: unknown;
  signal: AbortSignal;
  timeoutMs: number;
  /** What the call does, for messages ("create the post"). */
  step: string;
  /** Said in a timeout message when the call may have had its effect anyway. */
  mayHaveHappened?: boolean;
  now: () => number;
}

export interface XReply {
  status: number;
  body: Record<string, unknown>;
}

/** One request; any non-2xx answer or transport failure becomes a ConnectorError. */
export async function xRequest(call: XCall): Promise<XReply> {
  const timeout = AbortSignal.timeout(call.timeoutMs);
  const signal = AbortSignal.any([call.signal, timeout]);
  const headers: Record<string, string> = { authorization: call.authorization(call.method, call.url), accept: 'application/json' };
  if (call.json !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  let text: string;
  try {
    res = await fetch(call.url, { method: call.method, headers, ...(call.json !== undefined ? { body: JSON.stringify(call.json) } : {}), signal });
    text = await res.text();
  } catch (e) {
    if (signal.aborted) {
      const unknown = call.mayHaveHappened ? '; the post may or may not have been published' : '';
      throw new ConnectorError(PLATFORM, 'timeout', `X did not answer in time to ${call.step} (${timeout.aborted ? `${call.timeoutMs} ms` : 'aborted'})${unknown}`);
    }
    throw new ConnectorError(PLATFORM, 'network', `could not reach X to ${call.step}: ${causeOf(e)}`);
  }
  const body = parseObject(text);
  if (res.ok && body) return { status: res.status, body };
  throw xError(res.status, body, res.headers, call.step, call.now());
}

export function causeOf(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  return e.cause instanceof Error ? e.cause.message : e.message;
}

export function parseObject(text: string): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(text);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
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

/** Milliseconds until an epoch-seconds reset header, or undefined when absent or past. */
function untilReset(headers: Headers, name: string, now: number): number | undefined {
  const v = Number(headers.get(name));
  if (!Number.isFinite(v) || v <= 0) return undefined;
  const ms = v * 1000 - now;
  return ms > 0 ? Math.ceil(ms) : 0;
}

/** Retry-After as seconds or an HTTP date. */
export function retryAfterHeader(headers: Headers, now: number): number | undefined {
  const v = headers.get('retry-after');
  if (!v) return undefined;
  if (/^\d+$/.test(v.trim())) return Number(v.trim()) * 1000;
  const at = Date.parse(v);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}

/** Classifies an X error answer by status, with the problem detail telling duplicates from other refusals. */
export function xError(status: number, body: Record<string, unknown> | null, headers: Headers, step: string, now: number): ConnectorError {
  const p = problemOf(body);
  const said = p.detail ?? p.title ?? `HTTP ${status}`;
  const message = `X refused to ${step}: ${said} (HTTP ${status})`;
  const info = { status, ...(p.type ? { platformCode: p.type } : {}) };
  if (status === 429) {
    // When the daily post cap is spent, the 15-minute window reset is not when posting resumes.
    const daily = headers.get('x-user-limit-24hour-remaining') === '0' ? untilReset(headers, 'x-user-limit-24hour-reset', now) : undefined;
    const retryAfterMs = daily ?? untilReset(headers, 'x-rate-limit-reset', now) ?? retryAfterHeader(headers, now);
    return new ConnectorError(PLATFORM, 'rate_limited', message, { ...info, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) });
  }
  if (status === 401) return new ConnectorError(PLATFORM, 'auth_expired', `${message}; the access token is invalid, expired or revoked`, info);
  if (status === 403) return new ConnectorError(PLATFORM, /duplicate/i.test(said) ? 'duplicate' : 'forbidden', message, info);
  if (status === 404) return new ConnectorError(PLATFORM, 'not_found', message, info);
  if (status === 400 || status === 422) return new ConnectorError(PLATFORM, 'invalid', message, info);
  if (status >= 500) return new ConnectorError(PLATFORM, 'unavailable', message, info);
  return new ConnectorError(PLATFORM, 'unknown', message, info);
}
