import { ConnectorError } from '../types.js';

/**
 * Calls to Reddit's OAuth API and the mapping of its answers to ConnectorError. Reddit reports
 * most refusals as HTTP 200 with `{ json: { errors: [[CODE, message, field]] } }` when asked for
 * `api_type=json`; transport-level limits come as 429 with `X-Ratelimit-Reset` (seconds).
 *   https://www.reddit.com/dev/api#POST_api_submit
 *   https://github.com/reddit-archive/reddit/wiki/API (rules: User-Agent, X-Ratelimit-* headers)
 */

export const PLATFORM = 'reddit';

export interface RedditCall {
  method: 'GET' | 'POST';
  url: URL;
  authorization: string;
  userAgent: string;
  form?: Record<string, string>;
  signal: AbortSignal;
  timeoutMs: number;
  step: string;
  mayHaveHappened?: boolean;
}

export interface RedditReply {
  status: number;
  body: Record<string, unknown>;
}

/** One request; non-2xx answers and transport failures become ConnectorErrors (2xx `json.errors` are the caller's). */
export async function redditRequest(call: RedditCall): Promise<RedditReply> {
  const timeout = AbortSignal.timeout(call.timeoutMs);
  const signal = AbortSignal.any([call.signal, timeout]);
  const headers: Record<string, string> = { authorization: call.authorization, 'user-agent': call.userAgent, accept: 'application/json' };
  let body: string | undefined;
  if (call.form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(call.form).toString();
  }
  let res: Response;
  let text: string;
  try {
    res = await fetch(call.url, { method: call.method, headers, ...(body !== undefined ? { body } : {}), signal, redirect: 'error' });
    text = await res.text();
  } catch (e) {
    if (signal.aborted) {
      const unknown = call.mayHaveHappened ? '; the post may or may not have been published' : '';
      throw new ConnectorError(PLATFORM, 'timeout', `Reddit did not answer in time to ${call.step} (${timeout.aborted ? `${call.timeoutMs} ms` : 'aborted'})${unknown}`);
    }
    throw new ConnectorError(PLATFORM, 'network', `could not reach Reddit to ${call.step}: ${e instanceof Error ? (e.cause instanceof Error ? e.cause.message : e.message) : String(e)}`);
  }
  const parsed = parseObject(text);
  if (res.ok && parsed) return { status: res.status, body: parsed };
  throw httpError(res.status, parsed, res.headers, call.step);
}

export function parseObject(text: string): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(text);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function httpError(status: number, body: Record<string, unknown> | null, headers: Headers, step: string): ConnectorError {
  const said = typeof body?.message === 'string' ? body.message : typeof body?.error === 'string' ? body.error : `HTTP ${status}`;
  const message = `Reddit refused to ${step}: ${said} (HTTP ${status})`;
  const info = { status, ...(body && (typeof body.error === 'string' || typeof body.error === 'number') ? { platformCode: String(body.error) } : {}) };
  if (status === 429) {
    const reset = Number(headers.get('x-ratelimit-reset'));
    const retry = Number(headers.get('retry-after'));
    const retryAfterMs = Number.isFinite(reset) && reset > 0 ? reset * 1000 : Number.isFinite(retry) && retry > 0 ? retry * 1000 : undefined;
    return new ConnectorError(PLATFORM, 'rate_limited', message, { ...info, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) });
  }
  if (status === 401) return new ConnectorError(PLATFORM, 'auth_expired', `${message}; the credentials are invalid, expired or revoked`, info);
  if (status === 403) return new ConnectorError(PLATFORM, 'forbidden', message, info);
  if (status === 404) return new ConnectorError(PLATFORM, 'not_found', message, info);
  if (status === 400 || status === 422) return new ConnectorError(PLATFORM, 'invalid', message, info);
  if (status >= 500) return new ConnectorError(PLATFORM, 'unavailable', message, info);
  return new ConnectorError(PLATFORM, 'unknown', message, info);
}

/** `json.errors` codes (r2/r2/lib/errors.py) by what trying again can do. */
const INVALID = new Set(['NO_TEXT', 'NO_URL', 'BAD_URL', 'TOO_LONG', 'NO_SELFS', 'NO_LINKS', 'BAD_SR_NAME', 'SUBREDDIT_REQUIRED', 'SUBMIT_VALIDATION_FLAIR_REQUIRED', 'SUBMIT_VALIDATION_TITLE_REQUIREMENT', 'SUBMIT_VALIDATION_BODY_REQUIREMENT', 'SUBMIT_VALIDATION_BODY_BLACKLISTED_STRING', 'SUBMIT_VALIDATION_TITLE_BLACKLISTED_STRING', 'SUBMIT_VALIDATION_MIN_LENGTH', 'JSON_PARSE_ERROR', 'INVALID_OPTION']);
const FORBIDDEN = new Set(['SUBREDDIT_NOTALLOWED', 'SUBREDDIT_NO_ACCESS', 'NOT_WHITELISTED_BY_USER_MESSAGE', 'BANNED_FROM_SUBREDDIT', 'USER_BLOCKED', 'THREAD_LOCKED', 'INSUFFICIENT_KARMA']);

/** Classifies the first `[code, message, field]` of a 200 answer's `json.errors`. */
export function jsonErrors(body: Record<string, unknown>, step: string): ConnectorError | null {
  const json = body.json !== null && typeof body.json === 'object' ? (body.json as Record<string, unknown>) : null;
  const errors = Array.isArray(json?.errors) ? json.errors : [];
  const first = errors.find((e): e is unknown[] => Array.isArray(e) && typeof e[0] === 'string');
  if (!first) return null;
  const code = first[0] as string;
  const said = typeof first[1] === 'string' ? first[1] : code;
  const field = typeof first[2] === 'string' && first[2] ? ` (field ${first[2]})` : '';
  const message = `Reddit refused to ${step}: ${code}: ${said}${field}`;
  const info = { status: 200, platformCode: code };
  if (code === 'RATELIMIT') {
    // `json.ratelimit` (seconds) when present; otherwise the "try again in N minutes" in the message.
    const seconds = typeof json?.ratelimit === 'number' ? json.ratelimit : waitFromMessage(said);
    return new ConnectorError(PLATFORM, 'rate_limited', message, { ...info, ...(seconds !== undefined ? { retryAfterMs: Math.ceil(seconds * 1000) } : {}) });
  }
  if (code === 'ALREADY_SUB') return new ConnectorError(PLATFORM, 'duplicate', message, info);
  if (code === 'USER_REQUIRED') return new ConnectorError(PLATFORM, 'auth_expired', message, info);
  if (code === 'SUBREDDIT_NOEXIST') return new ConnectorError(PLATFORM, 'not_found', message, info);
  if (FORBIDDEN.has(code)) return new ConnectorError(PLATFORM, 'forbidden', message, info);
  if (INVALID.has(code) || code.startsWith('SUBMIT_VALIDATION_')) return new ConnectorError(PLATFORM, 'invalid', message, info);
  return new ConnectorError(PLATFORM, 'unknown', message, info);
}

/** "try again in 9 minutes", "take a break for 5 minutes", "… 30 seconds …", "1 hour". */
export function waitFromMessage(message: string): number | undefined {
  const m = /(\d+)\s*(second|minute|hour|millisecond)s?/i.exec(message);
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = m[2]!.toLowerCase();
  return unit === 'hour' ? n * 3600 : unit === 'minute' ? n * 60 : unit === 'second' ? n : n / 1000;
}
