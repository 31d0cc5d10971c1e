import { BridleError } from '@bridle/core';
import type { Block, MessageRef, SlackMessage } from './types.js';

export interface SlackClientOptions {
  /** Bot token (`xoxb-…`); sent only in the Authorization header, never logged or put in errors. */
  token: string;
  /** Web API base, default `https://slack.com/api/`; tests point it at a local server. */
  baseUrl?: string;
  /** Only response_urls starting with this are followed (default `https://hooks.slack.com/`). */
  responseUrlPrefix?: string;
  /** Retries after a 429, each after its Retry-After (default 2). */
  maxRetries?: number;
  /** Longest Retry-After honoured, in seconds (default 30): beyond it the call fails instead. */
  maxRetryAfterS?: number;
  timeoutMs?: number;
  /** Injectable so tests do not wait. */
  sleep?: (ms: number) => Promise<void>;
}

export interface SlackClient {
  postMessage(channel: string, message: SlackMessage): Promise<MessageRef>;
  update(ref: MessageRef, message: SlackMessage): Promise<MessageRef>;
  postEphemeral(channel: string, user: string, text: string): Promise<void>;
  viewsOpen(triggerId: string, view: Block): Promise<{ viewId: string }>;
  /** POSTs to an interaction's response_url (no token: the URL is the credential). */
  respond(responseUrl: string, body: Record<string, unknown>): Promise<void>;
}

type Json = Record<string, unknown>;

/**
 * A small Slack Web API client over global fetch. `{ok:false,error}` and HTTP failures become
 * BridleError BRIDLE_E_CONNECTOR (timeouts BRIDLE_E_CONNECTOR_TIMEOUT) with `details.slackError`.
 *
 * @example
 *   const slack = createSlackClient({ token: process.env.BRIDLE_SLACK_BOT_TOKEN! });
 *   const ref = await slack.postMessage('C0123', approvalMessage(view));
 */
export function createSlackClient(opts: SlackClientOptions): SlackClient {
  const base = (opts.baseUrl ?? 'https://slack.com/api/').replace(/\/?$/, '/');
  const prefix = opts.responseUrlPrefix ?? 'https://hooks.slack.com/';
  const maxRetries = opts.maxRetries ?? 2;
  const maxRetryAfterS = opts.maxRetryAfterS ?? 30;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const timeoutMs = opts.timeoutMs ?? 10_000;

  async function send(what: string, url: string, body: Json, auth: boolean): Promise<Response> {
    for (let attempt = 0; ; attempt++) {
      let res: Response;
      try {
        res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json; charset=utf-8', ...(auth ? { authorization: `Bearer ${opts.token}` } : {}) },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (e) {
        const timedOut = e instanceof Error && (e.name === 'TimeoutError' || e.name === 'AbortError');
        if (timedOut) throw new BridleError('BRIDLE_E_CONNECTOR_TIMEOUT', `Slack ${what} did not answer within ${timeoutMs} ms`, { method: what });
        // The cause's message only (not the error object): nothing that could carry headers.
        throw new BridleError('BRIDLE_E_CONNECTOR', `Slack ${what} could not be reached: ${e instanceof Error ? e.message : String(e)}`, { method: what });
      }
      if (res.status !== 429) return res;
      const retryAfterS = Number(res.headers.get('retry-after') ?? '1');
      const wait = Number.isFinite(retryAfterS) && retryAfterS >= 0 ? retryAfterS : 1;
      await res.body?.cancel();
      if (attempt >= maxRetries || wait > maxRetryAfterS) {
        throw new BridleError('BRIDLE_E_CONNECTOR', `Slack rate-limited ${what}; retry after ${wait} s`, { method: what, slackError: 'ratelimited', retryAfterS: wait });
      }
      await sleep(wait * 1000);
    }
  }

  async function call(method: string, body: Json): Promise<Json> {
    const res = await send(method, base + method, body, true);
    const text = await res.text();
    let json: Json | undefined;
    try {
      json = JSON.parse(text) as Json;
    } catch {
      json = undefined;
    }
    if (!res.ok || !json) throw new BridleError('BRIDLE_E_CONNECTOR', `Slack ${method} answered HTTP ${res.status}`, { method, status: res.status });
    if (json.ok !== true) {
      const err = typeof json.error === 'string' ? json.error : 'unknown_error';
      const hint = err === 'invalid_auth' || err === 'not_authed' || err === 'token_revoked' ? ' (check BRIDLE_SLACK_BOT_TOKEN)' : err === 'missing_scope' ? ' (the app needs the chat:write scope)' : err === 'channel_not_found' || err === 'not_in_channel' ? ' (invite the app to the channel)' : '';
      throw new BridleError('BRIDLE_E_CONNECTOR', `Slack ${method} failed: ${err}${hint}`, { method, slackError: err });
    }
    return json;
  }

  const str = (v: unknown, what: string): string => {
    if (typeof v !== 'string') throw new BridleError('BRIDLE_E_CONNECTOR', `Slack answered without ${what}`);
    return v;
  };

  return {
    async postMessage(channel, message) {
      const r = await call('chat.postMessage', { channel, text: message.text, blocks: message.blocks, unfurl_links: false, unfurl_media: false });
      return { channel: str(r.channel, 'channel'), ts: str(r.ts, 'ts') };
    },
    async update(ref, message) {
      const r = await call('chat.update', { channel: ref.channel, ts: ref.ts, text: message.text, blocks: message.blocks });
      return { channel: str(r.channel, 'channel'), ts: str(r.ts, 'ts') };
    },
    async postEphemeral(channel, user, text) {
      await call('chat.postEphemeral', { channel, user, text });
    },
    async viewsOpen(triggerId, view) {
      const r = await call('views.open', { trigger_id: triggerId, view });
      const v = r.view as Json | undefined;
      return { viewId: str(v?.id, 'view.id') };
    },
    async respond(responseUrl, body) {
      if (!responseUrl.startsWith(prefix)) throw new BridleError('BRIDLE_E_CONNECTOR', `Refusing response_url outside ${prefix}`, { method: 'response_url' });
      const res = await send('response_url', responseUrl, body, false);
      const text = (await res.text()).slice(0, 200);
      // Slack answers "ok" or {"ok":true}; failures are HTTP 4xx with a word such as expired_url, or {"ok":false,"error":…}.
      const jsonError = /^\s*\{/.test(text) ? /"ok"\s*:\s*false/.test(text) : false;
      if (!res.ok || jsonError) throw new BridleError('BRIDLE_E_CONNECTOR', `Slack response_url answered HTTP ${res.status}: ${text}`, { method: 'response_url', status: res.status, slackError: text });
    },
  };
}
