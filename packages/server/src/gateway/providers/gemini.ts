import type { JsonObject } from '@bridle/core';
import { UpstreamError, type ChatChunk } from '../types.js';
import { arr, isObject, objects } from '../translate/common.js';
import { chatToGemini, geminiEventsToChat, geminiToChatCompletion, usageFromGemini } from '../translate/gemini.js';
import { UpstreamHttp, type UpstreamResponse } from './http.js';
import { relayJsonSse } from './sse.js';
import type { Provider, ProviderChat, ProviderEmbeddings, ProviderInit, ProviderStream } from './types.js';

/**
 * Google's Gemini API (`generativelanguage.googleapis.com/v1beta`), natively: `:generateContent`,
 * `:streamGenerateContent?alt=sse` and `:batchEmbedContents`, authenticated by `x-goog-api-key`
 * (a header, never the `?key=` query, so keys stay out of URLs and logs).
 *
 * @example
 *   const p = createGeminiProvider({ name: 'gemini', baseUrl: 'https://generativelanguage.googleapis.com/v1beta', apiKey, headers: {}, query: {}, anthropicVersion: '', timeouts });
 */
export function createGeminiProvider(init: ProviderInit): Provider {
  const http = new UpstreamHttp(init.name, init.baseUrl, init.query, init.timeouts);
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json', ...init.headers };
  if (init.apiKey !== undefined) headers[(init.apiKeyHeader ?? 'x-goog-api-key').toLowerCase()] = init.apiKey;
  const streamHeaders = { ...headers, accept: 'text/event-stream' };
  const modelPath = (model: string, method: string, query?: string): string => http.path(`/models/${encodeURIComponent(model.replace(/^models\//, ''))}:${method}`, query);

  return {
    name: init.name,
    kind: 'gemini',
    async chat(body, model, signal): Promise<ProviderChat> {
      const res = await http.request('POST', modelPath(model, 'generateContent'), headers, JSON.stringify(chatToGemini(body)), { signal, stream: false });
      const json = await http.json(res);
      return { body: geminiToChatCompletion(json, model), usage: usageFromGemini(json.usageMetadata) };
    },
    async stream(body, model, signal): Promise<ProviderStream> {
      const res = await http.request('POST', modelPath(model, 'streamGenerateContent', 'alt=sse'), streamHeaders, JSON.stringify(chatToGemini(body)), { signal, stream: true });
      const includeUsage = isObject(body.stream_options) && body.stream_options.include_usage === true;
      const tr = geminiEventsToChat(init.name, model, includeUsage);
      return { chunks: geminiChunks(res, init.name, tr), usage: () => tr.usage(), abort: () => res.abort() };
    },
    async embeddings(body, model, signal): Promise<ProviderEmbeddings> {
      const inputs = typeof body.input === 'string' ? [body.input] : arr(body.input).filter((s): s is string => typeof s === 'string');
      if (inputs.length === 0) throw new UpstreamError('client', 'embeddings "input" must be a string or an array of strings for a Gemini provider', { provider: init.name, status: 400 });
      const name = `models/${model.replace(/^models\//, '')}`;
      const requests = inputs.map((text): JsonObject => {
        const r: JsonObject = { model: name, content: { parts: [{ text }] } };
        if (typeof body.dimensions === 'number') r.outputDimensionality = body.dimensions;
        return r;
      });
      const res = await http.request('POST', modelPath(model, 'batchEmbedContents'), headers, JSON.stringify({ requests }), { signal, stream: false });
      const json = await http.json(res);
      const data = objects(json.embeddings).map((e, index): JsonObject => ({ object: 'embedding', index, embedding: arr(e.values) }));
      return { body: { object: 'list', data, model }, usage: null };
    },
    close: () => http.close(),
  };
}

function geminiChunks(res: UpstreamResponse, provider: string, tr: ReturnType<typeof geminiEventsToChat>): AsyncGenerator<ChatChunk> {
  return relayJsonSse(res, provider, (data) => tr.push(data), () => {
    if (!tr.finished()) throw new UpstreamError('connection', `${provider} stream ended before a finishReason`, { provider });
    return tr.end();
  });
}
