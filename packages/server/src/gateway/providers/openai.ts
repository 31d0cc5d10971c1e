import type { JsonObject } from '@bridle/core';
import { UpstreamError, type ChatBody, type ChatChunk, type Usage } from '../types.js';
import { isObject, num, objects, str, usageFromChat } from '../translate/common.js';
import { UpstreamHttp, type UpstreamResponse } from './http.js';
import { parseSse } from './sse.js';
import type { Provider, ProviderChat, ProviderEmbeddings, ProviderInit, ProviderStream } from './types.js';

/**
 * Any OpenAI-compatible upstream: OpenAI, Azure OpenAI (`api_key_header: api-key` plus
 * `query: { api-version }`), Groq, Ollama, vLLM, LM Studio. Bodies pass through with only
 * `model` (and, for streams, `stream_options.include_usage`) set, so unknown fields survive.
 *
 * @example
 *   const p = createOpenAiProvider({ name: 'openai', baseUrl: 'https://api.openai.com/v1', apiKey, headers: {}, query: {}, anthropicVersion: '', timeouts });
 *   const { body, usage } = await p.chat({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }, 'gpt-4o');
 */
export function createOpenAiProvider(init: ProviderInit): Provider {
  const http = new UpstreamHttp(init.name, init.baseUrl, init.query, init.timeouts);
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json', ...init.headers };
  if (init.apiKey !== undefined) {
    if (init.apiKeyHeader !== undefined) headers[init.apiKeyHeader.toLowerCase()] = init.apiKey;
    else headers.authorization = `Bearer ${init.apiKey}`;
  }
  const streamHeaders = { ...headers, accept: 'text/event-stream' };
  const chatPath = http.path('/chat/completions');
  const embeddingsPath = http.path('/embeddings');

  return {
    name: init.name,
    kind: 'openai',
    async chat(body, model, signal): Promise<ProviderChat> {
      const upstream = body.model === model && body.stream !== true ? body : { ...body, model, stream: false };
      const res = await http.request('POST', chatPath, headers, JSON.stringify(upstream), { signal, stream: false });
      const json = await http.json(res);
      const fingerprint = str(json.system_fingerprint);
      return { body: json, usage: usageFromChat(json.usage), ...(fingerprint !== undefined ? { systemFingerprint: fingerprint } : {}) };
    },
    async stream(body, model, signal): Promise<ProviderStream> {
      const clientWantsUsage = isObject(body.stream_options) && body.stream_options.include_usage === true;
      const upstream = clientWantsUsage && body.model === model && body.stream === true
        ? body
        : { ...body, model, stream: true, stream_options: { ...(isObject(body.stream_options) ? body.stream_options : {}), include_usage: true } };
      const res = await http.request('POST', chatPath, streamHeaders, JSON.stringify(upstream), { signal, stream: true });
      const state: { usage: Usage | null } = { usage: null };
      return { chunks: openAiChunks(res, init.name, clientWantsUsage, state), usage: () => state.usage, abort: () => res.abort() };
    },
    async embeddings(body, model, signal): Promise<ProviderEmbeddings> {
      const upstream = body.model === model ? body : { ...body, model };
      const res = await http.request('POST', embeddingsPath, headers, JSON.stringify(upstream), { signal, stream: false });
      const json = await http.json(res);
      const u = isObject(json.usage) ? json.usage : {};
      const input = num(u.prompt_tokens);
      return { body: json, usage: input === undefined ? null : { inputTokens: input, outputTokens: 0, cachedInputTokens: 0, estimated: false } };
    },
    close: () => http.close(),
  };
}

/**
 * Chunks of an OpenAI SSE stream. The usage-only chunk we asked for is consumed here and passed
 * on only when the client asked for it too. A stream that stops without `[DONE]` and without a
 * finish_reason was cut: that is an error, never a silently shorter answer.
 */
async function* openAiChunks(res: UpstreamResponse, provider: string, passUsage: boolean, state: { usage: Usage | null }): AsyncGenerator<ChatChunk> {
  let finished = false;
  try {
    for await (const ev of parseSse(res.body)) {
      // Keep reading to the end after [DONE] (there is nothing more): leaving early would destroy
      // the socket instead of returning it to the keep-alive pool.
      if (ev.data === '[DONE]') {
        finished = true;
        continue;
      }
      let chunk: JsonObject;
      try {
        const parsed: unknown = JSON.parse(ev.data);
        if (!isObject(parsed as JsonObject)) continue;
        chunk = parsed as JsonObject;
      } catch {
        throw new UpstreamError('server', `${provider} sent an invalid stream event`, { provider });
      }
      if (isObject(chunk.error)) throw new UpstreamError('server', `${provider} stream error: ${str(chunk.error.message) ?? 'unknown'}`, { provider, body: { error: chunk.error } });
      const usage = usageFromChat(chunk.usage);
      if (usage !== null) state.usage = usage;
      const choices = objects(chunk.choices);
      if (choices.some((c) => typeof c.finish_reason === 'string')) finished = true;
      if (choices.length === 0 && usage !== null && !passUsage) continue;
      yield chunk;
    }
    if (!finished) throw new UpstreamError('connection', `${provider} stream ended before the answer was complete`, { provider });
  } catch (e) {
    throw e instanceof UpstreamError ? e : res.failure(e);
  } finally {
    res.done();
  }
}
