import { platformError, requestJson, retryAfterMs, statusReason, type CallBudget } from '../http.js';
import { ConnectorError } from '../types.js';

/**
 * Calls to LinkedIn's versioned REST API (every request carries `LinkedIn-Version: YYYYMM` and
 * `X-Restli-Protocol-Version: 2.0.0`) and the mapping of its error answers
 * `{ status, code?, serviceErrorCode?, message, errorDetails? }` to ConnectorError.
 *   https://learn.microsoft.com/en-us/linkedin/shared/api-guide/concepts/error-handling
 *   https://learn.microsoft.com/en-us/linkedin/shared/api-guide/concepts/rate-limits
 *   https://learn.microsoft.com/en-us/linkedin/marketing/versioning
 */

export const PLATFORM = 'linkedin';

export interface LinkedInCall extends CallBudget {
  method: 'GET' | 'POST' | 'DELETE';
  url: URL;
  token: string;
  version: string;
  json?: unknown;
  now: () => number;
}

export interface LinkedInReply {
  status: number;
  headers: Headers;
  body: Record<string, unknown> | null;
}

/** One request; any non-2xx answer or transport failure becomes a ConnectorError. */
export async function linkedinRequest(call: LinkedInCall): Promise<LinkedInReply> {
  const res = await requestJson({
    platform: PLATFORM,
    service: 'LinkedIn',
    method: call.method,
    url: call.url,
    headers: { authorization: `Bearer ${call.token}`, 'linkedin-version': call.version, 'x-restli-protocol-version': '2.0.0' },
    json: call.json,
  }, call);
  // 201 and 204 answers carry no body: the post URN comes in a header.
  if (res.ok) return { status: res.status, headers: res.headers, body: res.body };
  throw linkedinError(res.status, res.body, res.headers, call.step, call.now());
}

/** Classifies a LinkedIn error answer: by status, with the message telling duplicates from other 422s. */
export function linkedinError(status: number, body: Record<string, unknown> | null, headers: Headers, step: string, now: number): ConnectorError {
  const said = typeof body?.message === 'string' ? body.message : `HTTP ${status}`;
  const code = typeof body?.code === 'string' ? body.code : typeof body?.serviceErrorCode === 'number' ? String(body.serviceErrorCode) : undefined;
  const message = `LinkedIn refused to ${step}: ${said} (HTTP ${status}${code ? `, ${code}` : ''})`;
  const info = { status, ...(code ? { platformCode: code } : {}) };
  if (status === 429) {
    return platformError(PLATFORM, 'rate_limited', `${message}; LinkedIn's daily quotas reset at midnight UTC`, { ...info, retryAfterMs: retryAfterMs(headers, now) });
  }
  if (status === 401) return new ConnectorError(PLATFORM, 'auth_expired', `${message}; the access token is invalid, expired or revoked (they last 60 days)`, info);
  const detail = body?.errorDetails !== undefined ? JSON.stringify(body.errorDetails) : '';
  if ((status === 422 || status === 409 || status === 400) && /duplicate/i.test(`${said} ${detail}`)) return new ConnectorError(PLATFORM, 'duplicate', message, info);
  // 426: the LinkedIn-Version asked for is sunset or does not exist.
  if (status === 426) return new ConnectorError(PLATFORM, 'invalid', `${message}; set api_version to a supported YYYYMM`, info);
  return new ConnectorError(PLATFORM, statusReason(status, 'unknown'), message, info);
}
