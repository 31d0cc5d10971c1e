import { ConnectorError, type ConnectorFailure } from '../types.js';

/**
 * Calls to the Graph API (graph.facebook.com / graph.instagram.com) and the mapping of its
 * error object `{ error: { message, type, code, error_subcode, is_transient, error_user_msg } }`
 * to ConnectorError. Codes from
 * https://developers.facebook.com/docs/graph-api/guides/error-handling and
 * https://developers.facebook.com/documentation/instagram-platform/instagram-graph-api/reference/error-codes
 */

export const PLATFORM = 'instagram';

export interface GraphCall {
  method: 'GET' | 'POST' | 'DELETE';
  url: URL;
  token: string;
  /** Form fields for POST (the Graph API reads application/x-www-form-urlencoded bodies). */
  form?: Record<string, string>;
  signal: AbortSignal;
  timeoutMs: number;
  /** What the call does, for messages ("create the media container"). */
  step: string;
  /** Said in a timeout message when the call may have had its effect anyway. */
  mayHaveHappened?: boolean;
  now: () => number;
}

export interface GraphReply {
  status: number;
  body: Record<string, unknown>;
}

/** One Graph API request; any non-2xx answer or transport failure becomes a ConnectorError. */
export async function graph(call: GraphCall): Promise<GraphReply> {
  const timeout = AbortSignal.timeout(call.timeoutMs);
  const signal = AbortSignal.any([call.signal, timeout]);
  // The token goes in a header, not the query string, so it never lands in proxy or access logs.
  const headers: Record<string, string> = { authorization: `Bearer ${call.token}`, accept: 'application/json' };
  let body: string | undefined;
  if (call.form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(call.form).toString();
  }
  let res: Response;
  let text: string;
  try {
    res = await fetch(call.url, { method: call.method, headers, ...(body !== undefined ? { body } : {}), signal });
    text = await res.text();
  } catch (e) {
    if (signal.aborted) {
      const unknown = call.mayHaveHappened ? '; the post may or may not have been published' : '';
      throw new ConnectorError(PLATFORM, 'timeout', `Instagram did not answer in time to ${call.step} (${timeout.aborted ? `${call.timeoutMs} ms` : 'aborted'})${unknown}`);
    }
    throw new ConnectorError(PLATFORM, 'network', `could not reach Instagram to ${call.step}: ${e instanceof Error ? (e.cause instanceof Error ? e.cause.message : e.message) : String(e)}`);
  }
  const parsed = parseJson(text);
  if (res.ok && parsed) return { status: res.status, body: parsed };
  throw graphError(res.status, parsed, res.headers, call.step, call.now());
}

function parseJson(text: string): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(text);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

const RATE_LIMIT_CODES = new Set([4, 17, 32, 613]);
/** Subcodes the Instagram error table says to simply try again. */
const RETRY_SUBCODES = new Set([2207001, 2207003, 2207032, 2207053]);

/** Classifies a Graph API error answer: by `error.code`/`error_subcode` first, HTTP status last. */
export function graphError(status: number, body: Record<string, unknown> | null, headers: Headers, step: string, now: number): ConnectorError {
  const err = body && typeof body.error === 'object' && body.error !== null ? (body.error as Record<string, unknown>) : null;
  const code = typeof err?.code === 'number' ? err.code : undefined;
  const sub = typeof err?.error_subcode === 'number' ? err.error_subcode : undefined;
  const said = [err?.message, err?.error_user_msg].filter((m): m is string => typeof m === 'string' && m.length > 0).join(' — ');
  const message = `Instagram refused to ${step}: ${said || `HTTP ${status}`}`;
  const platformCode = code === undefined ? undefined : sub === undefined ? String(code) : `${code}/${sub}`;
  let reason: ConnectorFailure;
  let retryAfterMs: number | undefined;
  if (code === 190 || code === 102 || code === 2500) reason = 'auth_expired';
  else if ((code !== undefined && (RATE_LIMIT_CODES.has(code) || (code >= 80001 && code <= 80014))) || sub === 2207042) {
    reason = 'rate_limited';
    retryAfterMs = usageRetryAfter(headers) ?? retryAfterHeader(headers, now);
  } else if ((sub !== undefined && RETRY_SUBCODES.has(sub)) || code === 1 || code === 2 || err?.is_transient === true) reason = 'unavailable';
  else if (code === 100 && sub === 33) reason = 'not_found';
  else if (code === 3 || code === 10 || code === 368 || (code !== undefined && code >= 200 && code <= 299) || sub === 2207050 || sub === 2207051) reason = 'forbidden';
  else if (code !== undefined && status < 500) reason = 'invalid';
  else reason = byStatus(status);
  if (reason === 'rate_limited' && retryAfterMs === undefined) retryAfterMs = retryAfterHeader(headers, now);
  return new ConnectorError(PLATFORM, reason, message, { status, ...(platformCode ? { platformCode } : {}), ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) });
}

function byStatus(status: number): ConnectorFailure {
  if (status === 401) return 'auth_expired';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not_found';
  if (status === 429) return 'rate_limited';
  if (status >= 500) return 'unavailable';
  if (status >= 400) return 'invalid';
  return 'unknown';
}

/**
 * The Business Use Case header `X-Business-Use-Case-Usage: {"<id>": [{ "type": "instagram",
 * "estimated_time_to_regain_access": <minutes>, … }]}` says when a throttled account recovers.
 */
function usageRetryAfter(headers: Headers): number | undefined {
  const raw = headers.get('x-business-use-case-usage');
  if (!raw) return undefined;
  let minutes = -1;
  try {
    const v: unknown = JSON.parse(raw);
    if (v && typeof v === 'object') {
      for (const list of Object.values(v as Record<string, unknown>)) {
        if (!Array.isArray(list)) continue;
        for (const e of list) {
          const m = (e as Record<string, unknown> | null)?.estimated_time_to_regain_access;
          if (typeof m === 'number' && Number.isFinite(m)) minutes = Math.max(minutes, m);
        }
      }
    }
  } catch {
    return undefined;
  }
  return minutes > 0 ? minutes * 60_000 : undefined;
}

/** `Retry-After` in seconds or as an HTTP date. */
export function retryAfterHeader(headers: Headers, now: number): number | undefined {
  const raw = headers.get('retry-after');
  if (!raw) return undefined;
  if (/^\d+$/.test(raw.trim())) return Number(raw.trim()) * 1000;
  const at = Date.parse(raw);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
