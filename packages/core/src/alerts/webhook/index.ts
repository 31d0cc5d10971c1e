import { classifyHttp, networkFailure, post, redact } from '../http.js';
import type { AlertMessage, AlertSender } from '../types.js';
import { WEBHOOK_DELIVERY_HEADER, WEBHOOK_SIGNATURE_HEADER, WEBHOOK_TIMESTAMP_HEADER, signWebhook } from './signature.js';

export * from './signature.js';

export interface WebhookOptions {
  url: string;
  /** HMAC key shared with the receiver. */
  secret: string;
  timeoutMs: number;
}

/** The JSON body Bridle posts; `id` equals the `X-Bridle-Delivery` header. */
export interface WebhookBody {
  id: string;
  alert_id: string;
  channel: string;
  kind: string;
  severity: string;
  title: string;
  text: string;
  agent_id: string | null;
  fields: Record<string, string | number>;
  dedupe_key: string;
  /** ISO 8601 time of the event. */
  at: string;
  /** Alerts the throttle dropped on this channel since the last delivery. */
  suppressed_count: number;
}

export function webhookBody(m: AlertMessage): WebhookBody {
  const a = m.alert;
  return {
    id: m.deliveryId,
    alert_id: a.id,
    channel: m.channel,
    kind: a.kind,
    severity: a.severity,
    title: a.title,
    text: a.text,
    agent_id: a.agentId ?? null,
    fields: a.fields,
    dedupe_key: a.dedupeKey,
    at: new Date(a.at).toISOString(),
    suppressed_count: m.suppressedCount,
  };
}

/**
 * A signed JSON POST for SIEMs and custom receivers. Each attempt is signed afresh with its own
 * timestamp; `X-Bridle-Delivery` stays the same across retries so receivers can drop
 * duplicates. Receivers check requests with `verifyWebhookSignature`.
 *
 * @example
 *   const sender = webhookSender({ url: 'https://siem.acme.test/hooks/bridle', secret: process.env.BRIDLE_WEBHOOK_SECRET!, timeoutMs: 10_000 });
 */
export function webhookSender(opts: WebhookOptions): AlertSender {
  return {
    kind: 'webhook',
    async send(m, signal) {
      const body = JSON.stringify(webhookBody(m));
      const ts = Math.floor(m.now / 1000);
      const headers = {
        'content-type': 'application/json',
        'user-agent': 'Bridle-Alerts/1',
        [WEBHOOK_TIMESTAMP_HEADER]: String(ts),
        [WEBHOOK_SIGNATURE_HEADER]: signWebhook(body, opts.secret, ts),
        [WEBHOOK_DELIVERY_HEADER]: m.deliveryId,
      };
      try {
        const r = classifyHttp(await post(opts.url, body, headers, signal), m.now);
        return r.ok ? r : { ...r, error: `webhook ${redact(opts.url)} ${r.error}` };
      } catch (e) {
        return networkFailure(e, opts.url, opts.timeoutMs, signal);
      }
    },
  };
}
