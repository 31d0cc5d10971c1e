import { asObject, platformError, requestJson, retryAfterMs, statusReason, urlWith, type CallBudget } from '../http.js';
import type { ConnectorFailure } from '../types.js';

/**
 * Calls to TikTok's v2 API and the mapping of its envelope
 * `{ data, error: { code, message, log_id } }` (`code` is "ok" on success) to ConnectorError.
 *   https://developers.tiktok.com/doc/tiktok-api-v2-error-handling
 *   https://developers.tiktok.com/doc/content-posting-api-reference-direct-post (error table)
 *   https://developers.tiktok.com/doc/tiktok-api-v2-rate-limit (1-minute sliding window)
 */

export const PLATFORM = 'tiktok';

/** TikTok counts rate limits over a one-minute sliding window; used when no Retry-After is sent. */
const WINDOW_MS = 60_000;

export interface TikTokCall extends CallBudget {
  path: string;
  query?: Record<string, string>;
  /** JSON body; the Content Posting endpoints are all POST, some with no body. */
  body?: unknown;
  token: string;
  baseUrl: string;
  now: () => number;
}

/** One POST to the TikTok API; returns `data`, or throws a classified ConnectorError. */
export async function tiktokApi(call: TikTokCall): Promise<Record<string, unknown>> {
  const res = await requestJson({
    platform: PLATFORM,
    service: 'TikTok',
    method: 'POST',
    url: urlWith(new URL(call.path, call.baseUrl), call.query),
    headers: { authorization: `Bearer ${call.token}`, 'content-type': 'application/json; charset=UTF-8' },
    json: call.body,
    // TikTok publishes asynchronously: an init that went through has submitted the post, not published it.
    outcome: 'submitted',
  }, call);
  // Not JSON (a proxy's error page) leaves `parsed` null: classified by HTTP status below.
  const parsed = res.body;
  const err = asObject(parsed?.error);
  const code = typeof err?.code === 'string' ? err.code : undefined;
  if (res.ok && parsed && (code === undefined || code === 'ok')) {
    return asObject(parsed.data) ?? {};
  }
  const said = typeof err?.message === 'string' && err.message ? err.message : code ?? `HTTP ${res.status}`;
  const logId = typeof err?.log_id === 'string' && err.log_id ? ` (log_id ${err.log_id})` : '';
  const reason = code && code !== 'ok' ? reasonFor(code) ?? statusReason(res.status) : statusReason(res.status);
  // The daily caps do not clear within the window, so a wait would promise too early a retry.
  const wait = reason === 'rate_limited' && code !== 'spam_risk_too_many_posts' && code !== 'reached_active_user_cap' ? (retryAfterMs(res.headers, call.now()) ?? WINDOW_MS) : undefined;
  throw platformError(PLATFORM, reason, `TikTok refused to ${call.step}: ${code && code !== said ? `${code}: ` : ''}${said}${hint(code)}${logId}`, {
    status: res.status,
    platformCode: code && code !== 'ok' ? code : undefined,
    retryAfterMs: wait,
  });
}

/** Error codes from the v2 error handling page and the Direct Post error table. */
export function reasonFor(code: string): ConnectorFailure | undefined {
  switch (code) {
    case 'access_token_invalid':
    case 'auth_removed':
      return 'auth_expired';
    case 'rate_limit_exceeded':
    // A per-user daily post cap and the client's daily cap of posting users: quotas, so later works.
    case 'spam_risk_too_many_posts':
    case 'reached_active_user_cap':
      return 'rate_limited';
    case 'scope_not_authorized':
    case 'scope_permission_missed':
    case 'unaudited_client_can_only_post_to_private_accounts':
    case 'url_ownership_unverified':
      return 'forbidden';
    case 'invalid_params':
    case 'invalid_param':
    case 'invalid_file_upload':
    case 'privacy_level_option_mismatch':
    case 'file_format_check_failed':
    case 'duration_check_failed':
    case 'frame_rate_check_failed':
    case 'picture_size_check_failed':
    case 'video_pull_failed':
    case 'photo_pull_failed':
      return 'invalid';
    case 'internal_error':
    case 'internal':
      return 'unavailable';
    case 'publish_cancelled':
      return 'unknown';
  }
  // Other spam_risk_* codes (user banned from posting, spammy text): TikTok will not take this post.
  return code.startsWith('spam_risk') ? 'forbidden' : undefined;
}

function hint(code: string | undefined): string {
  if (code === 'spam_risk_too_many_posts') return ' — the daily post cap for this account is reached; try again tomorrow';
  if (code === 'url_ownership_unverified') return ' — verify the media URL\'s domain or prefix in the TikTok developer portal';
  if (code === 'unaudited_client_can_only_post_to_private_accounts') return ' — until the app passes TikTok\'s audit, set privacy_level: SELF_ONLY';
  return '';
}
