import { createHmac, timingSafeEqual } from 'node:crypto';

/** Why a request from Slack was refused; `ok` when it was not. */
export type SignatureResult = { ok: true } | { ok: false; reason: 'missing_headers' | 'malformed_timestamp' | 'stale_timestamp' | 'future_timestamp' | 'malformed_signature' | 'unsupported_version' | 'mismatch' };

export interface VerifyInput {
  /** The request body exactly as received: re-serialising a parsed body changes the bytes. */
  rawBody: string;
  /** `X-Slack-Request-Timestamp`: seconds since the epoch. */
  timestamp: string | undefined;
  /** `X-Slack-Signature`: `v0=` and 64 hex digits. */
  signature: string | undefined;
  signingSecret: string;
  /** Current time in milliseconds (injectable so tests and replays are exact). */
  now: number;
  /** Largest accepted clock distance in seconds, either way (Slack recommends 5 minutes). */
  toleranceS?: number;
}

/** `v0=` + hex HMAC-SHA256 of `v0:{timestamp}:{body}`, as Slack computes it. */
export function signSlackRequest(signingSecret: string, timestamp: string, rawBody: string): string {
  return `v0=${createHmac('sha256', signingSecret).update(`v0:${timestamp}:${rawBody}`).digest('hex')}`;
}

/**
 * Checks Slack's v0 request signature. The timestamp window is checked both ways: a past
 * timestamp bounds replays, and a future one would otherwise stretch that window.
 *
 * @example
 *   const r = verifySlackSignature({ rawBody, timestamp: h['x-slack-request-timestamp'], signature: h['x-slack-signature'], signingSecret, now: Date.now() });
 *   if (!r.ok) reply.code(401);
 */
export function verifySlackSignature(input: VerifyInput): SignatureResult {
  const { rawBody, timestamp, signature, signingSecret, now, toleranceS = 300 } = input;
  if (!timestamp || !signature) return { ok: false, reason: 'missing_headers' };
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'malformed_timestamp' };
  const skew = Number(timestamp) - Math.floor(now / 1000);
  if (skew < -toleranceS) return { ok: false, reason: 'stale_timestamp' };
  if (skew > toleranceS) return { ok: false, reason: 'future_timestamp' };
  const eq = signature.indexOf('=');
  if (eq < 1) return { ok: false, reason: 'malformed_signature' };
  if (signature.slice(0, eq) !== 'v0') return { ok: false, reason: 'unsupported_version' };
  const hex = signature.slice(eq + 1);
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) return { ok: false, reason: 'malformed_signature' };
  const expected = createHmac('sha256', signingSecret).update(`v0:${timestamp}:${rawBody}`).digest();
  // Both buffers are 32 bytes here, so timingSafeEqual cannot throw and leaks nothing by length.
  return timingSafeEqual(expected, Buffer.from(hex, 'hex')) ? { ok: true } : { ok: false, reason: 'mismatch' };
}
