import { asObject, platformError, requestJson, secondsHeaderMs, statusReason, type CallBudget } from '../http.js';
import { ConnectorError } from '../types.js';

/**
 * Calls to Reddit's OAuth API and the mapping of its answers to ConnectorError. Reddit reports
 * most refusals as HTTP 200 with `{ json: { errors: [[CODE, message, field]] } }` when asked for
 * `api_type=json`; transport-level limits come as 429 with `X-Ratelimit-Reset` (seconds).
 *   https://www.reddit.com/dev/api#POST_api_submit
 *   https://github.com/reddit-archive/reddit/wiki/API (rules: User-Agent, X-Ratelimit-* headers)
 */

export const PLATFORM = 'reddit';

export interface RedditCall extends CallBudget {
  method: 'GET' | 'POST';
  url: URL;
  authorization: string;
  userAgent: string;
  form?: Record<string, string>;
}

export interface RedditReply {
  status: number;
  body: Record<string, unknown>;
}

/** One request; non-2xx answers and transport failures become ConnectorErrors (2xx `json.errors` are the caller's). */
export async function redditRequest(call: RedditCall): Promise<RedditReply> {
  const res = await requestJson({
    platform: PLATFORM,
    service: 'Reddit',
    method: call.method,
    url: call.url,
    headers: { authorization: call.authorization, 'user-agent': call.userAgent },
    form: call.form,
    redirect: 'error',
  }, call);
  if (res.ok && res.body) return { status: res.status, body: res.body };
  throw httpError(res.status, res.body, res.headers, call.step);
}

function httpError(status: number, body: Record<string, unknown> | null, headers: Headers, step: string): ConnectorError {
  const said = typeof body?.message === 'string' ? body.message : typeof body?.error === 'string' ? body.error : `HTTP ${status}`;
  const message = `Reddit refused to ${step}: ${said} (HTTP ${status})`;
  const info = { status, ...(body && (typeof body.error === 'string' || typeof body.error === 'number') ? { platformCode: String(body.error) } : {}) };
  if (status === 429) {
    // X-Ratelimit-Reset is seconds from now (not an epoch), like a numeric Retry-After.
    return platformError(PLATFORM, 'rate_limited', message, { ...info, retryAfterMs: secondsHeaderMs(headers, 'x-ratelimit-reset') ?? secondsHeaderMs(headers, 'retry-after') });
  }
  if (status === 401) return new ConnectorError(PLATFORM, 'auth_expired', `${message}; the credentials are invalid, expired or revoked`, info);
  return new ConnectorError(PLATFORM, statusReason(status, 'unknown'), message, info);
}

/** `json.errors` codes (r2/r2/lib/errors.py) by what trying again can do. */
const INVALID = new Set(['NO_TEXT', 'NO_URL', 'BAD_URL', 'TOO_LONG', 'NO_SELFS', 'NO_LINKS', 'BAD_SR_NAME', 'SUBREDDIT_REQUIRED', 'SUBMIT_VALIDATION_FLAIR_REQUIRED', 'SUBMIT_VALIDATION_TITLE_REQUIREMENT', 'SUBMIT_VALIDATION_BODY_REQUIREMENT', 'SUBMIT_VALIDATION_BODY_BLACKLISTED_STRING', 'SUBMIT_VALIDATION_TITLE_BLACKLISTED_STRING', 'SUBMIT_VALIDATION_MIN_LENGTH', 'JSON_PARSE_ERROR', 'INVALID_OPTION']);
const FORBIDDEN = new Set(['SUBREDDIT_NOTALLOWED', 'SUBREDDIT_NO_ACCESS', 'NOT_WHITELISTED_BY_USER_MESSAGE', 'BANNED_FROM_SUBREDDIT', 'USER_BLOCKED', 'THREAD_LOCKED', 'INSUFFICIENT_KARMA']);

/** Classifies the first `[code, message, field]` of a 200 answer's `json.errors`. */
export function jsonErrors(body: Record<string, unknown>, step: string): ConnectorError | null {
  const json = asObject(body.json);
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
