import { ConnectorError, type ConnectorFailure } from '../types.js';

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

export interface TikTokCall {
  path: string;
  query?: Record<string, string>;
  /** JSON body; the Content Posting endpoints are all POST, some with no body. */
  body?: unknown;
  token: string;
  baseUrl: string;
  signal: AbortSignal;
  timeoutMs: number;
  step: string;
  /** Said in a timeout message when the call may have had its effect anyway. */
  mayHaveHappened?: boolean;
  now: () => number;
}

/** One POST to the TikTok API; returns `data`, or throws a classified ConnectorError. */
export async function tiktokApi(call: TikTokCall): Promise<Record<string, unknown>> {
  const timeout = AbortSignal.timeout(call.timeoutMs);
  const signal = AbortSignal.any([call.signal, timeout]);
  const url = new URL(call.path, call.baseUrl);
  for (const [k, v] of Object.entries(call.query ?? {})) url.searchParams.set(k, v);
  let res: Response;
  let text: string;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${call.token}`, 'content-type': 'application/json; charset=UTF-8', accept: 'application/json' },
      ...(call.body !== undefined ? { body: JSON.stringify(call.body) } : {}),
      signal,
    });
    text = await res.text();
  } catch (e) {
    if (signal.aborted) {
      const unknown = call.mayHaveHappened ? '; the post may or may not have been submitted' : '';
      throw new ConnectorError(PLATFORM, 'timeout', `TikTok did not answer in time to ${call.step} (${timeout.aborted ? `${call.timeoutMs} ms` : 'aborted'})${unknown}`);
    }
    throw new ConnectorError(PLATFORM, 'network', `could not reach TikTok to ${call.step}: ${e instanceof Error ? (e.cause instanceof Error ? e.cause.message : e.message) : String(e)}`);
  }
  let parsed: Record<string, unknown> | null = null;
  try {
    const v: unknown = JSON.parse(text);
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) parsed = v as Record<string, unknown>;
  } catch {
    // Not JSON (a proxy's error page): classified by HTTP status below.
  }
  const err = parsed && typeof parsed.error === 'object' && parsed.error !== null ? (parsed.error as Record<string, unknown>) : null;
  const code = typeof err?.code === 'string' ? err.code : undefined;
  if (res.ok && parsed && (code === undefined || code === 'ok')) {
    return parsed.data !== null && typeof parsed.data === 'object' && !Array.isArray(parsed.data) ? (parsed.data as Record<string, unknown>) : {};
  }
  const said = typeof err?.message === 'string' && err.message ? err.message : code ?? `HTTP ${res.status}`;
  const logId = typeof err?.log_id === 'string' && err.log_id ? ` (log_id ${err.log_id})` : '';
  const reason = code && code !== 'ok' ? reasonFor(code) ?? byStatus(res.status) : byStatus(res.status);
  let retryAfterMs: number | undefined;
  if (reason === 'rate_limited' && code !== 'spam_risk_too_many_posts' && code !== 'reached_active_user_cap') retryAfterMs = retryAfter(res.headers, call.now()) ?? WINDOW_MS;
  throw new ConnectorError(PLATFORM, reason, `TikTok refused to ${call.step}: ${code && code !== said ? `${code}: ` : ''}${said}${hint(code)}${logId}`, {
    status: res.status,
    ...(code && code !== 'ok' ? { platformCode: code } : {}),
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
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

function byStatus(status: number): ConnectorFailure {
  if (status === 401) return 'auth_expired';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not_found';
  if (status === 429) return 'rate_limited';
  if (status >= 500) return 'unavailable';
  if (status >= 400) return 'invalid';
  return 'unknown';
}

function retryAfter(headers: Headers, now: number): number | undefined {
  const raw = headers.get('retry-after')?.trim();
  if (!raw) return undefined;
  if (/^\d+$/.test(raw)) return Number(raw) * 1000;
  const at = Date.parse(raw);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
