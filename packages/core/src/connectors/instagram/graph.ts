import { asObject, platformError, requestJson, retryAfterMs, statusReason, type CallBudget } from '../http.js';
import type { ConnectorError, ConnectorFailure } from '../types.js';

/**
 * Calls to the Graph API (graph.facebook.com / graph.instagram.com) and the mapping of its
 * error object `{ error: { message, type, code, error_subcode, is_transient, error_user_msg } }`
 * to ConnectorError. Codes from
 * https://developers.facebook.com/docs/graph-api/guides/error-handling and
 * https://developers.facebook.com/documentation/instagram-platform/instagram-graph-api/reference/error-codes
 */

export const PLATFORM = 'instagram';

export interface GraphCall extends CallBudget {
  method: 'GET' | 'POST' | 'DELETE';
  url: URL;
  token: string;
  /** Form fields for POST (the Graph API reads application/x-www-form-urlencoded bodies). */
  form?: Record<string, string>;
  now: () => number;
}

export interface GraphReply {
  status: number;
  body: Record<string, unknown>;
}

/** One Graph API request; any non-2xx answer or transport failure becomes a ConnectorError. */
export async function graph(call: GraphCall): Promise<GraphReply> {
  const res = await requestJson({
    platform: PLATFORM,
    service: 'Instagram',
    method: call.method,
    url: call.url,
    // The token goes in a header, not the query string, so it never lands in proxy or access logs.
    headers: { authorization: `Bearer ${call.token}` },
    form: call.form,
  }, call);
  if (res.ok && res.body) return { status: res.status, body: res.body };
  throw graphError(res.status, res.body, res.headers, call.step, call.now());
}

const RATE_LIMIT_CODES = new Set([4, 17, 32, 613]);
/** Subcodes the Instagram error table says to simply try again. */
const RETRY_SUBCODES = new Set([2207001, 2207003, 2207032, 2207053]);

/** Classifies a Graph API error answer: by `error.code`/`error_subcode` first, HTTP status last. */
export function graphError(status: number, body: Record<string, unknown> | null, headers: Headers, step: string, now: number): ConnectorError {
  const err = asObject(body?.error);
  const code = typeof err?.code === 'number' ? err.code : undefined;
  const sub = typeof err?.error_subcode === 'number' ? err.error_subcode : undefined;
  const said = [err?.message, err?.error_user_msg].filter((m): m is string => typeof m === 'string' && m.length > 0).join(' — ');
  const message = `Instagram refused to ${step}: ${said || `HTTP ${status}`}`;
  const platformCode = code === undefined ? undefined : sub === undefined ? String(code) : `${code}/${sub}`;
  let reason: ConnectorFailure;
  let wait: number | undefined;
  if (code === 190 || code === 102 || code === 2500) reason = 'auth_expired';
  else if ((code !== undefined && (RATE_LIMIT_CODES.has(code) || (code >= 80001 && code <= 80014))) || sub === 2207042) {
    reason = 'rate_limited';
    wait = usageRetryAfter(headers) ?? retryAfterMs(headers, now);
  } else if ((sub !== undefined && RETRY_SUBCODES.has(sub)) || code === 1 || code === 2 || err?.is_transient === true) reason = 'unavailable';
  else if (code === 100 && sub === 33) reason = 'not_found';
  else if (code === 3 || code === 10 || code === 368 || (code !== undefined && code >= 200 && code <= 299) || sub === 2207050 || sub === 2207051) reason = 'forbidden';
  else if (code !== undefined && status < 500) reason = 'invalid';
  else reason = statusReason(status);
  if (reason === 'rate_limited' && wait === undefined) wait = retryAfterMs(headers, now);
  return platformError(PLATFORM, reason, message, { status, platformCode, retryAfterMs: wait });
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
