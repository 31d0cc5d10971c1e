import { classifyHttp, networkFailure, post } from '../http.js';
import type { AlertSender } from '../types.js';
import { slackMessage } from './blocks.js';

export interface SlackWebhookOptions {
  /** The incoming webhook URL (it is the secret: read from the environment, never logged). */
  url: string;
  timeoutMs: number;
}

/**
 * Slack incoming webhook: POST `{text, blocks}`. Slack answers `200 ok`, or a status with a
 * plain-text reason (`400 invalid_payload`, `404 no_service` for a revoked hook, `410
 * channel_is_archived`, `429` with Retry-After): 408, 429 and 5xx are retried, other 4xx are final.
 *
 * @example
 *   const sender = slackWebhookSender({ url: process.env.SLACK_WEBHOOK_URL!, timeoutMs: 10_000 });
 */
export function slackWebhookSender(opts: SlackWebhookOptions): AlertSender {
  return {
    kind: 'slack_webhook',
    async send(m, signal) {
      const body = JSON.stringify(slackMessage(m));
      try {
        const reply = await post(opts.url, body, { 'content-type': 'application/json' }, signal);
        const r = classifyHttp(reply, m.now);
        return r.ok ? r : { ...r, error: `Slack webhook ${r.error}` };
      } catch (e) {
        return networkFailure(e, opts.url, opts.timeoutMs, signal);
      }
    },
  };
}
