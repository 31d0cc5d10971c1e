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

export interface LinkedInCall {
  method: 'GET' | 'POST' | 'DELETE';
  url: URL;
  token: string;
  version: string;
  json?: unknown;
  signal: AbortSignal;
  timeoutMs: number;
  step: string;
  mayHaveHappened?: boolean;
  now: () => number;
}

export interface LinkedInReply {
  status: number;
  headers: Headers;
  body: Record<string, unknown> | null;
}

/** One request; any non-2xx answer or transport failure becomes a ConnectorError. */
export async function linkedinRequest(call: LinkedInCall): Promise<LinkedInReply> {
  const timeout = AbortSignal.timeout(call.timeoutMs);
  const signal = AbortSignal.any([call.signal, timeout]);
  const headers: Record<string, string> = {
    authorization: `Bearer ${call.token}`,
    'linkedin-version': call.version,
    'x-restli-protocol-version': '2.0.0',
    accept: 'application/json',
  };
  if (call.json !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  let text: string;
  try {
    res = await fetch(call.url, { method: call.method, headers, ...(call.json !== undefined ? { body: JSON.stringify(call.json) } : {}), signal });
    text = await res.text();
  } catch (e) {
    if (signal.aborted) {
      const unknown = call.mayHaveHappened ? '; the post may or may not have been published' : '';
      throw new ConnectorError(PLATFORM, 'timeout', `LinkedIn did not answer in time to ${call.step} (${timeout.aborted ? `${call.timeoutMs} ms` : 'aborted'})${unknown}`);
    }
    throw new ConnectorError(PLATFORM, 'network', `could not reach LinkedIn to ${call.step}: ${e instanceof Error ? (e.cause instanceof Error ? e.cause.message : e.message) : String(e)}`);
  }
  const body = parseObject(text);
  if (res.ok) return { status: res.status, headers: res.headers, body };
  throw linkedinError(res.status, body, res.headers, call.step, call.now());
}

function parseObject(text: string): Record<string, unknown> | null {
  if (text === '') return null;
  try {
    const v: unknown = JSON.parse(text);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function retryAfter(headers: Headers, now: number): number | undefined {
  const v = headers.get('retry-after')?.trim();
  if (!v) return undefined;
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}

/** Classifies a LinkedIn error answer: by status, with the message telling duplicates from other 422s. */
export function linkedinError(status: number, body: Record<string, unknown> | null, headers: Headers, step: string, now: number): ConnectorError {
  const said = typeof body?.message === 'string' ? body.message : `HTTP ${status}`;
  const code = typeof body?.code === 'string' ? body.code : typeof body?.serviceErrorCode === 'number' ? String(body.serviceErrorCode) : undefined;
  const message = `LinkedIn refused to ${step}: ${said} (HTTP ${status}${code ? `, ${code}` : ''})`;
  const info = { status, ...(code ? { platformCode: code } : {}) };
  if (status === 429) {
    const ms = retryAfter(headers, now);
    return new ConnectorError(PLATFORM, 'rate_limited', `${message}; LinkedIn's daily quotas reset at midnight UTC`, { ...info, ...(ms !== undefined ? { retryAfterMs: ms } : {}) });
  }
  if (status === 401) return new ConnectorError(PLATFORM, 'auth_expired', `${message}; the access token is invalid, expired or revoked (they last 60 days)`, info);
  if (status === 403) return new ConnectorError(PLATFORM, 'forbidden', message, info);
  if (status === 404) return new ConnectorError(PLATFORM, 'not_found', message, info);
  const detail = body?.errorDetails !== undefined ? JSON.stringify(body.errorDetails) : '';
  if ((status === 422 || status === 409 || status === 400) && /duplicate/i.test(`${said} ${detail}`)) return new ConnectorError(PLATFORM, 'duplicate', message, info);
  // 426: the LinkedIn-Version asked for is sunset or does not exist.
  if (status === 400 || status === 422 || status === 426) return new ConnectorError(PLATFORM, 'invalid', status === 426 ? `${message}; set api_version to a supported YYYYMM` : message, info);
  if (status >= 500) return new ConnectorError(PLATFORM, 'unavailable', message, info);
  return new ConnectorError(PLATFORM, 'unknown', message, info);
}
