import { UpstreamError, type ChatChunk } from '../types.js';
import { anthropicEventsToChat, anthropicToChatCompletion, chatToAnthropic, usageFromAnthropic } from '../translate/anthropic.js';
import { isObject } from '../translate/common.js';
import { UpstreamHttp, type UpstreamResponse } from './http.js';
import { relayJsonSse } from './sse.js';
import type { Provider, ProviderChat, ProviderInit, ProviderStream } from './types.js';

/**
 * Anthropic's Messages API, natively: Chat Completions bodies are translated on the way in and
 * the answers (and stream events) back. Auth is `x-api-key` plus `anthropic-version`.
 *
 * @example
 *   const p = createAnthropicProvider({ name: 'claude', baseUrl: 'https://api.anthropic.com', apiKey, headers: {}, query: {}, anthropicVersion: '2023-06-01', timeouts });
 */
export function createAnthropicProvider(init: ProviderInit): Provider {
  const http = new UpstreamHttp(init.name, init.baseUrl, init.query, init.timeouts);
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json', 'anthropic-version': init.anthropicVersion, ...init.headers };
  if (init.apiKey !== undefined) headers[(init.apiKeyHeader ?? 'x-api-key').toLowerCase()] = init.apiKey;
  const streamHeaders = { ...headers, accept: 'text/event-stream' };
  const path = http.path('/v1/messages');

  return {
    name: init.name,
    kind: 'anthropic',
    async chat(body, model, signal): Promise<ProviderChat> {
      const upstream = chatToAnthropic({ ...body, stream: false }, model);
      const res = await http.request('POST', path, headers, JSON.stringify(upstream), { signal, stream: false });
      const json = await http.json(res);
      return { body: anthropicToChatCompletion(json), usage: usageFromAnthropic(json.usage) };
    },
    async stream(body, model, signal): Promise<ProviderStream> {
      const upstream = chatToAnthropic({ ...body, stream: true }, model);
      const res = await http.request('POST', path, streamHeaders, JSON.stringify(upstream), { signal, stream: true });
      const includeUsage = isObject(body.stream_options) && body.stream_options.include_usage === true;
      const tr = anthropicEventsToChat(init.name, includeUsage);
      return { chunks: anthropicChunks(res, init.name, tr), usage: () => tr.usage(), abort: () => res.abort() };
    },
    embeddings(): Promise<never> {
      return Promise.reject(new UpstreamError('client', `${init.name} is an Anthropic provider, and Anthropic has no embeddings API; route embedding models to an OpenAI-compatible or Gemini provider`, { provider: init.name, status: 400 }));
    },
    close: () => http.close(),
  };
}

function anthropicChunks(res: UpstreamResponse, provider: string, tr: ReturnType<typeof anthropicEventsToChat>): AsyncGenerator<ChatChunk> {
  return relayJsonSse(res, provider, (data) => tr.push(data), () => {
    if (!tr.finished()) throw new UpstreamError('connection', `${provider} stream ended before message_stop`, { provider });
    return [];
  });
}
