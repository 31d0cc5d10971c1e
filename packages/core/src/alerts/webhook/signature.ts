import { createHmac, timingSafeEqual } from 'node:crypto';

export const WEBHOOK_SIGNATURE_HEADER = 'X-Bridle-Signature';
export const WEBHOOK_TIMESTAMP_HEADER = 'X-Bridle-Timestamp';
export const WEBHOOK_DELIVERY_HEADER = 'X-Bridle-Delivery';
/** How far a timestamp may be from the receiver's clock, by default: long enough for clock skew, short enough that a captured request cannot be replayed later. */
export const DEFAULT_TOLERANCE_S = 300;

/**
 * `sha256=` + hex HMAC-SHA256 over `<timestamp>.<body>`. Signing the timestamp with the body
 * means a replayed request cannot be given a fresh timestamp without the secret.
 */
export function signWebhook(body: string | Uint8Array, secret: string, timestampS: number): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestampS}.`).update(body).digest('hex')}`;
}

/** A Fetch `Headers`, or Node's `req.headers` (lower-case keys). */
export type WebhookHeaders = Headers | Record<string, string | string[] | undefined>;

export type WebhookVerification = { ok: true; deliveryId: string | undefined; timestamp: number } | { ok: false; reason: string };

function header(h: WebhookHeaders, name: string): string | undefined {
  if (typeof (h as Headers).get === 'function') return (h as Headers).get(name) ?? undefined;
  const lower = name.toLowerCase();
  const key = Object.keys(h).find((k) => k.toLowerCase() === lower);
  const v = key === undefined ? undefined : (h as Record<string, string | string[] | undefined>)[key];
  return Array.isArray(v) ? v.join(',') : v;
}

/**
 * For receivers of Bridle's signed webhooks: checks `X-Bridle-Signature` against the raw body
 * (the exact bytes received, before any JSON parsing) in constant time, and rejects a
 * timestamp more than `toleranceS` seconds from now. Pass several secrets while rotating.
 *
 * @example
 *   const v = verifyWebhookSignature(rawBody, req.headers, process.env.BRIDLE_WEBHOOK_SECRET!, 300);
 *   if (!v.ok) return res.writeHead(401).end(v.reason);
 *   if (seen.has(v.deliveryId)) return res.writeHead(200).end(); // a retry of one already handled
 */
export function verifyWebhookSignature(
  body: string | Uint8Array,
  headers: WebhookHeaders,
  secret: string | readonly string[],
  toleranceS: number = DEFAULT_TOLERANCE_S,
  nowMs: number = Date.now(),
): WebhookVerification {
  const ts = header(headers, WEBHOOK_TIMESTAMP_HEADER)?.trim();
  const sig = header(headers, WEBHOOK_SIGNATURE_HEADER);
  if (!ts || !/^\d{1,12}$/.test(ts)) return { ok: false, reason: `missing or malformed ${WEBHOOK_TIMESTAMP_HEADER}` };
  if (!sig) return { ok: false, reason: `missing ${WEBHOOK_SIGNATURE_HEADER}` };
  const timestamp = Number(ts);
  if (Math.abs(nowMs / 1000 - timestamp) > toleranceS) return { ok: false, reason: `stale ${WEBHOOK_TIMESTAMP_HEADER}: more than ${toleranceS} s from now` };
  const given = sig
    .split(',')
    .map((s) => s.trim())
    .filter((s) => /^sha256=[0-9a-f]{64}$/i.test(s))
    .map((s) => Buffer.from(s.slice(7).toLowerCase(), 'hex'));
  if (given.length === 0) return { ok: false, reason: `malformed ${WEBHOOK_SIGNATURE_HEADER}: expected sha256=<64 hex digits>` };
  for (const key of typeof secret === 'string' ? [secret] : secret) {
    const expected = Buffer.from(signWebhook(body, key, timestamp).slice(7), 'hex');
    // Every candidate is compared, matched or not, so timing does not reveal which one failed.
    let match = false;
    for (const g of given) match = timingSafeEqual(g, expected) || match;
    if (match) return { ok: true, deliveryId: header(headers, WEBHOOK_DELIVERY_HEADER), timestamp };
  }
  return { ok: false, reason: 'signature does not match' };
}
