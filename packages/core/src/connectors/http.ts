import { BridleError } from '../errors.js';
import { ConnectorError, type ConnectorFailure } from './types.js';
import { retryAfterValueMs } from '../util/retry-after.js';

/*
 * The HTTP plumbing every platform connector (x, reddit, linkedin, instagram, tiktok) shares:
 * credentials from the environment, one bounded request with transport failures already
 * classified, JSON bodies read leniently, and the header and status conventions that mean the
 * same on every platform. What a platform's error body means stays in that connector's folder.
 */

/**
 * A reader of required credentials for one connector. An unset or empty variable throws
 * BRIDLE_E_CONFIG while the connector is created, so a missing secret stops start-up rather than
 * the first post.
 *
 * @example
 *   const need = envReader('x', env);
 *   const token = need(options.access_token_env, 'the user access token');
 */
export function envReader(connector: string, env: Readonly<Record<string, string | undefined>>): (name: string, what: string) => string {
  return (name, what) => {
    const v = env[name];
    if (!v) throw new BridleError('BRIDLE_E_CONFIG', `${connector} connector: environment variable ${name} (${what}) is not set`);
    return v;
  };
}

/**
 * The signal for one request: aborted when the caller's (ctx.signal) is, or after `timeoutMs`.
 * `timedOut()` tells the two apart, so a message can say which it was.
 */
export function requestSignal(parent: AbortSignal, timeoutMs: number): { signal: AbortSignal; timedOut: () => boolean } {
  const timeout = AbortSignal.timeout(timeoutMs);
  return { signal: AbortSignal.any([parent, timeout]), timedOut: () => timeout.aborted };
}

/** What one platform request sends, and how its failures are worded. */
export interface JsonRequest {
  /** The ConnectorError platform ('x'). */
  platform: string;
  /** The platform's name in messages ('X'). */
  service: string;
  method: string;
  url: URL;
  /** Sent as-is; `accept: application/json` and a content-type matching the body are added unless given. */
  headers: Record<string, string>;
  /** A JSON body. */
  json?: unknown;
  /** An application/x-www-form-urlencoded body (instead of `json`). */
  form?: Record<string, string>;
  redirect?: RequestInit['redirect'];
  /** The effect named when a call that may have happened times out: "the post may or may not have been <outcome>". Default "published". */
  outcome?: string;
}

/** The per-call fields a connector hands its platform's request function; each platform's call type extends it. */
export interface CallBudget {
  /** The caller's signal (ctx.signal). */
  signal: AbortSignal;
  /** Per HTTP request (the connector's timeout_ms). */
  timeoutMs: number;
  /** What the call does, for messages ("create the post"). */
  step: string;
  /** The call may have taken effect although no answer came: a timeout then says so. */
  mayHaveHappened?: boolean;
}

/** An answer of any status; `body` is the JSON object it carried, or null (empty, not JSON, not an object). */
export interface JsonAnswer {
  status: number;
  ok: boolean;
  headers: Headers;
  body: Record<string, unknown> | null;
}

/**
 * Sends one request and reads its whole body, within `call.timeoutMs` and the caller's signal. A
 * transport failure throws ConnectorError 'timeout' or 'network' (both retryable); every HTTP
 * answer, error statuses included, is returned for the platform to classify.
 */
export async function requestJson(req: JsonRequest, call: CallBudget): Promise<JsonAnswer> {
  const { signal, timedOut } = requestSignal(call.signal, call.timeoutMs);
  const headers: Record<string, string> = { accept: 'application/json', ...req.headers };
  let body: string | undefined;
  if (req.form) {
    headers['content-type'] ??= 'application/x-www-form-urlencoded';
    body = new URLSearchParams(req.form).toString();
  } else if (req.json !== undefined) {
    headers['content-type'] ??= 'application/json';
    body = JSON.stringify(req.json);
  }
  let res: Response;
  let text: string;
  try {
    res = await fetch(req.url, { method: req.method, headers, ...(body !== undefined ? { body } : {}), ...(req.redirect ? { redirect: req.redirect } : {}), signal });
    text = await res.text();
  } catch (e) {
    if (signal.aborted) {
      const unknown = call.mayHaveHappened ? `; the post may or may not have been ${req.outcome ?? 'published'}` : '';
      throw new ConnectorError(req.platform, 'timeout', `${req.service} did not answer in time to ${call.step} (${timedOut() ? `${call.timeoutMs} ms` : 'aborted'})${unknown}`);
    }
    throw new ConnectorError(req.platform, 'network', `could not reach ${req.service} to ${call.step}: ${causeOf(e)}`);
  }
  return { status: res.status, ok: res.ok, headers: res.headers, body: parseObject(text) };
}

/** undici wraps the real reason (ECONNREFUSED, a TLS error) in `cause` under a bare "fetch failed". */
export function causeOf(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  return e.cause instanceof Error ? e.cause.message : e.message;
}

/** `v` as a JSON object, or null for anything else (arrays included). */
export function asObject(v: unknown): Record<string, unknown> | null {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
}

/** A body's JSON object, or null: proxies and load balancers answer errors with HTML or nothing. */
export function parseObject(text: string): Record<string, unknown> | null {
  try {
    return asObject(JSON.parse(text));
  } catch {
    return null;
  }
}

/** `v` when it is a finite number; platforms send null or strings for counts they do not have. */
export function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** True for an absolute http: or https: URL, the only kind a platform can fetch or link to. */
export function isHttpUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return u.protocol === 'https:' || u.protocol === 'http:';
  } catch {
    return false;
  }
}

/** A copy of `base` with `query` set on it. */
export function urlWith(base: string | URL, query: Record<string, string> = {}): URL {
  const u = new URL(base);
  for (const [k, v] of Object.entries(query)) u.searchParams.set(k, v);
  return u;
}

/** `Retry-After` (RFC 9110 §10.2.3) as milliseconds: delay-seconds, or an HTTP date relative to `now`. */
export function retryAfterMs(headers: Headers, now: number): number | undefined {
  return retryAfterValueMs(headers.get('retry-after'), now);
}

/** A header giving seconds until a limit resets (Reddit's X-Ratelimit-Reset), as milliseconds; undefined unless positive. */
export function secondsHeaderMs(headers: Headers, name: string): number | undefined {
  const v = Number(headers.get(name));
  return Number.isFinite(v) && v > 0 ? v * 1000 : undefined;
}

/** A header giving the epoch second a limit resets (X's x-rate-limit-reset), as milliseconds from `now`; 0 once past. */
export function epochResetMs(headers: Headers, name: string, now: number): number | undefined {
  const v = Number(headers.get(name));
  if (!Number.isFinite(v) || v <= 0) return undefined;
  const ms = v * 1000 - now;
  return ms > 0 ? Math.ceil(ms) : 0;
}

/**
 * What an HTTP status alone says, for answers whose body names no more precise cause. 400 and
 * 422 are 'invalid'; any other 4xx is `otherClientError` (connectors differ on whether an
 * unexpected 4xx is the request's fault); 1xx-3xx are 'unknown'.
 */
export function statusReason(status: number, otherClientError: ConnectorFailure = 'invalid'): ConnectorFailure {
  if (status === 401) return 'auth_expired';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not_found';
  if (status === 429) return 'rate_limited';
  if (status >= 500) return 'unavailable';
  if (status === 400 || status === 422) return 'invalid';
  if (status >= 400) return otherClientError;
  return 'unknown';
}

/** A ConnectorError whose info leaves out the fields that are undefined. */
export function platformError(
  platform: string,
  reason: ConnectorFailure,
  message: string,
  info: { status?: number | undefined; platformCode?: string | undefined; retryAfterMs?: number | undefined },
): ConnectorError {
  const clean: { status?: number; platformCode?: string; retryAfterMs?: number } = {};
  if (info.status !== undefined) clean.status = info.status;
  if (info.platformCode !== undefined) clean.platformCode = info.platformCode;
  if (info.retryAfterMs !== undefined) clean.retryAfterMs = info.retryAfterMs;
  return new ConnectorError(platform, reason, message, clean);
}
