import type { AlertDeliveryResult } from './types.js';
import { retryAfterValueMs } from '../util/retry-after.js';

/** Longest Retry-After honoured: a receiver asking for more is retried after this. */
export const MAX_RETRY_AFTER_MS = 3_600_000;

/**
 * Exponential backoff with "equal jitter": half the capped delay is fixed and half random, so
 * instances retrying together spread out while no retry comes sooner than half the schedule.
 * `attempt` counts attempts made so far (1 after the first failure).
 */
export function backoffMs(attempt: number, retry: { base_ms: number; max_ms: number }, random: () => number): number {
  const cap = Math.min(retry.max_ms, retry.base_ms * 2 ** Math.min(Math.max(attempt - 1, 0), 40));
  return Math.round(cap / 2 + (random() * cap) / 2);
}

/** `Retry-After` as delay-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  const ms = retryAfterValueMs(value, now);
  return ms === undefined ? undefined : Math.min(ms, MAX_RETRY_AFTER_MS);
}

export const clip = (s: string, n = 200): string => {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length > n ? `${one.slice(0, n - 1)}…` : one;
};

/** 408, 429 and 5xx may succeed later; any other non-2xx will not. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

export interface HttpReply {
  status: number;
  text: string;
  headers: Headers;
}

/**
 * POSTs once and reads the whole reply. Redirects are not followed: a redirected POST may turn
 * into a GET, or carry a signed body somewhere it was not meant to go; the error says so.
 */
export async function post(url: string, body: string, headers: Record<string, string>, signal: AbortSignal): Promise<HttpReply> {
  const res = await fetch(url, { method: 'POST', headers, body, signal, redirect: 'manual' });
  return { status: res.status, text: await res.text(), headers: res.headers };
}

/** A fetch that threw: timeout, refused connection, DNS. All are worth retrying. */
export function networkFailure(e: unknown, url: string, timeoutMs: number, signal: AbortSignal): AlertDeliveryResult {
  if (signal.aborted) return { ok: false, permanent: false, error: `no answer from ${redact(url)} within ${timeoutMs} ms` };
  // fetch() says "fetch failed" and puts the reason (ECONNREFUSED, ENOTFOUND…) in `cause`.
  const cause = e instanceof Error && e.cause instanceof Error ? e.cause.message : e instanceof Error ? e.message : String(e);
  return { ok: false, permanent: false, error: `cannot reach ${redact(url)}: ${clip(cause)}` };
}

/** The generic reading of an HTTP reply; channels with their own error format refine it. */
export function classifyHttp(reply: HttpReply, now: number): AlertDeliveryResult {
  if (reply.status >= 200 && reply.status < 300) return { ok: true };
  const said = clip(reply.text) || '(empty body)';
  if (reply.status >= 300 && reply.status < 400) {
    return { ok: false, permanent: true, error: `HTTP ${reply.status} redirect to ${reply.headers.get('location') ?? '?'} (not followed: configure the final URL)` };
  }
  const retryAfterMs = parseRetryAfter(reply.headers.get('retry-after'), now);
  return { ok: false, permanent: !isRetryableStatus(reply.status), error: `HTTP ${reply.status}: ${said}`, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
}

/**
 * Slack webhook URLs and some SIEM URLs carry their secret in the path or query: keep only the
 * origin in anything stored or logged.
 */
export function redact(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '(invalid URL)';
  }
}
