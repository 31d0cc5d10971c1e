import { classifyHttp, clip, networkFailure, parseRetryAfter, post } from '../http.js';
import type { AlertSender, AlertDeliveryResult } from '../types.js';
import { slackMessage } from './blocks.js';

export interface SlackApiOptions {
  /** Bot token, `xoxb-…`. */
  token: string;
  /** Channel id (C0123ABCD) or name. */
  channel: string;
  /** `https://slack.com/api` in production; tests point it at a local server. */
  apiUrl: string;
  timeoutMs: number;
}

/** Slack errors that say "later", not "never"; every other `ok:false` error is a configuration problem. */
const TRANSIENT = new Set(['ratelimited', 'rate_limited', 'internal_error', 'fatal_error', 'service_unavailable', 'request_timeout']);

/**
 * Slack Web API `chat.postMessage` with a bot token. Slack answers HTTP 200 with `{ok:true}`
 * or `{ok:false, error}` (`channel_not_found`, `not_in_channel`, `invalid_auth`…), and HTTP
 * 429 with `Retry-After` (seconds) when rate limited.
 *
 * @example
 *   const sender = slackApiSender({ token: process.env.SLACK_BOT_TOKEN!, channel: 'C0123', apiUrl: 'https://slack.com/api', timeoutMs: 10_000 });
 */
export function slackApiSender(opts: SlackApiOptions): AlertSender {
  const url = `${opts.apiUrl}/chat.postMessage`;
  return {
    kind: 'slack',
    async send(m, signal): Promise<AlertDeliveryResult> {
      const body = JSON.stringify({ channel: opts.channel, ...slackMessage(m), unfurl_links: false, unfurl_media: false });
      const headers = { 'content-type': 'application/json; charset=utf-8', authorization: `Bearer ${opts.token}` };
      let reply;
      try {
        reply = await post(url, body, headers, signal);
      } catch (e) {
        return networkFailure(e, url, opts.timeoutMs, signal);
      }
      const http = classifyHttp(reply, m.now);
      if (!http.ok) return { ...http, error: `Slack chat.postMessage ${http.error}` };
      let j: { ok?: unknown; error?: unknown };
      try {
        j = JSON.parse(reply.text) as typeof j;
      } catch {
        return { ok: false, permanent: false, error: `Slack chat.postMessage answered HTTP ${reply.status} with a body that is not JSON: ${clip(reply.text) || '(empty)'}` };
      }
      if (j && j.ok === true) return { ok: true };
      const error = typeof j?.error === 'string' ? j.error : 'unknown_error';
      const retryAfterMs = parseRetryAfter(reply.headers.get('retry-after'), m.now);
      return { ok: false, permanent: !TRANSIENT.has(error), error: `Slack chat.postMessage error: ${clip(error)}`, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
    },
  };
}
