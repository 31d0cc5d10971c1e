import type { JsonObject } from '@bridle/core';
import type { UpstreamKind, UpstreamReply } from './test-upstreams.js';

/* The answers of the local test upstreams, in each provider's documented wire format. */

const CREATED = 1_730_000_000;

function pieces(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += Math.max(1, size)) out.push(text.slice(i, i + Math.max(1, size)));
  return out;
}

function modelOf(body: JsonObject | null, fallback: string): string {
  return typeof body?.model === 'string' ? body.model : fallback;
}

function toolId(i: number, id: string | undefined, prefix: string): string {
  return id ?? `${prefix}${String(i).padStart(4, '0')}`;
}

function parseArgs(text: string): JsonObject {
  try {
    return JSON.parse(text) as JsonObject;
  } catch {
    return {};
  }
}

export function completionAnswer(kind: UpstreamKind, body: JsonObject | null, r: UpstreamReply, urlModel: string): JsonObject {
  if (kind === 'anthropic') {
    const content: JsonObject[] = [];
    if (r.text !== '') content.push({ type: 'text', text: r.text });
    r.toolCalls.forEach((t, i) => content.push({ type: 'tool_use', id: toolId(i, t.id, 'toolu_'), name: t.name, input: parseArgs(t.arguments) }));
    return {
      id: 'msg_test0001', type: 'message', role: 'assistant', model: modelOf(body, 'claude'), content,
      stop_reason: r.toolCalls.length > 0 ? 'tool_use' : 'end_turn', stop_sequence: null,
      usage: { input_tokens: r.promptTokens - r.cachedTokens, output_tokens: r.completionTokens, cache_read_input_tokens: r.cachedTokens, cache_creation_input_tokens: 0 },
    };
  }
  if (kind === 'gemini') {
    const parts: JsonObject[] = [];
    if (r.text !== '') parts.push({ text: r.text });
    for (const t of r.toolCalls) parts.push({ functionCall: { name: t.name, args: parseArgs(t.arguments) } });
    const out: JsonObject = { candidates: [{ content: { role: 'model', parts }, finishReason: 'STOP', index: 0 }], modelVersion: urlModel, responseId: 'resp-test0001' };
    if (r.usage) out.usageMetadata = geminiUsage(r);
    return out;
  }
  const message: JsonObject = { role: 'assistant', content: r.text === '' && r.toolCalls.length > 0 ? null : r.text, refusal: null };
  if (r.toolCalls.length > 0) message.tool_calls = r.toolCalls.map((t, i) => ({ id: toolId(i, t.id, 'call_'), type: 'function', function: { name: t.name, arguments: t.arguments } }));
  const out: JsonObject = {
    id: 'chatcmpl-test0001', object: 'chat.completion', created: CREATED, model: modelOf(body, 'gpt-4o-mini'), system_fingerprint: 'fp_test',
    choices: [{ index: 0, message, logprobs: null, finish_reason: r.toolCalls.length > 0 ? 'tool_calls' : 'stop' }],
  };
  if (r.usage) out.usage = openAiUsage(r);
  return out;
}

function openAiUsage(r: UpstreamReply): JsonObject {
  return { prompt_tokens: r.promptTokens, completion_tokens: r.completionTokens, total_tokens: r.promptTokens + r.completionTokens, prompt_tokens_details: { cached_tokens: r.cachedTokens } };
}

function geminiUsage(r: UpstreamReply): JsonObject {
  return { promptTokenCount: r.promptTokens, candidatesTokenCount: r.completionTokens, totalTokenCount: r.promptTokens + r.completionTokens, ...(r.cachedTokens > 0 ? { cachedContentTokenCount: r.cachedTokens } : {}) };
}

const sse = (data: JsonObject | string): string => `data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`;
const named = (event: string, data: JsonObject): string => `event: ${event}\ndata: ${JSON.stringify({ type: event, ...data })}\n\n`;

/** The whole stream as separate SSE events, so tests can cut it after any of them. */
export function streamEvents(kind: UpstreamKind, body: JsonObject | null, r: UpstreamReply, urlModel: string): string[] {
  const texts = pieces(r.text, r.chunkChars);
  if (kind === 'anthropic') {
    const out = [named('message_start', { message: { id: 'msg_test0001', type: 'message', role: 'assistant', model: modelOf(body, 'claude'), content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: r.promptTokens - r.cachedTokens, output_tokens: 1, cache_read_input_tokens: r.cachedTokens, cache_creation_input_tokens: 0 } } })];
    out.push(named('ping', {}));
    let index = 0;
    if (r.text !== '') {
      out.push(named('content_block_start', { index, content_block: { type: 'text', text: '' } }));
      for (const t of texts) out.push(named('content_block_delta', { index, delta: { type: 'text_delta', text: t } }));
      out.push(named('content_block_stop', { index }));
      index++;
    }
    r.toolCalls.forEach((t, i) => {
      out.push(named('content_block_start', { index, content_block: { type: 'tool_use', id: toolId(i, t.id, 'toolu_'), name: t.name, input: {} } }));
      for (const p of pieces(t.arguments, r.chunkChars)) out.push(named('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: p } }));
      out.push(named('content_block_stop', { index }));
      index++;
    });
    out.push(named('message_delta', { delta: { stop_reason: r.toolCalls.length > 0 ? 'tool_use' : 'end_turn', stop_sequence: null }, usage: { output_tokens: r.completionTokens } }));
    out.push(named('message_stop', {}));
    return out;
  }
  if (kind === 'gemini') {
    const out = texts.map((t) => sse({ candidates: [{ content: { role: 'model', parts: [{ text: t }] }, index: 0 }], modelVersion: urlModel, responseId: 'resp-test0001' }));
    const parts: JsonObject[] = r.toolCalls.map((t) => ({ functionCall: { name: t.name, args: parseArgs(t.arguments) } }));
    const last: JsonObject = { candidates: [{ content: { role: 'model', parts }, finishReason: 'STOP', index: 0 }], modelVersion: urlModel, responseId: 'resp-test0001' };
    if (r.usage) last.usageMetadata = geminiUsage(r);
    out.push(sse(last));
    return out;
  }
  const model = modelOf(body, 'gpt-4o-mini');
  const wantsUsage = typeof body?.stream_options === 'object' && body.stream_options !== null && !Array.isArray(body.stream_options) && body.stream_options.include_usage === true;
  const base = { id: 'chatcmpl-test0001', object: 'chat.completion.chunk', created: CREATED, model, system_fingerprint: 'fp_test' };
  const chunk = (delta: JsonObject, finish: string | null = null): string => sse({ ...base, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }], ...(wantsUsage ? { usage: null } : {}) });
  const out = [chunk({ role: 'assistant', content: '', refusal: null })];
  for (const t of texts) out.push(chunk({ content: t }));
  r.toolCalls.forEach((t, index) => {
    out.push(chunk({ tool_calls: [{ index, id: toolId(index, t.id, 'call_'), type: 'function', function: { name: t.name, arguments: '' } }] }));
    for (const p of pieces(t.arguments, r.chunkChars)) out.push(chunk({ tool_calls: [{ index, function: { arguments: p } }] }));
  });
  out.push(chunk({}, r.toolCalls.length > 0 ? 'tool_calls' : 'stop'));
  if (wantsUsage && r.usage) out.push(sse({ ...base, choices: [], usage: openAiUsage(r) }));
  out.push(sse('[DONE]'));
  return out;
}

export function embeddingsAnswer(endpoint: 'embeddings' | 'embed' | 'batchEmbed', body: JsonObject | null, r: UpstreamReply): JsonObject {
  const vector = (i: number): number[] => [0.1 * (i + 1), -0.2, 0.3];
  if (endpoint === 'embed') return { embedding: { values: vector(0) } };
  if (endpoint === 'batchEmbed') {
    const n = Array.isArray(body?.requests) ? body.requests.length : 0;
    return { embeddings: Array.from({ length: n }, (_, i) => ({ values: vector(i) })) };
  }
  const inputs = Array.isArray(body?.input) ? body.input : [body?.input ?? ''];
  const out: JsonObject = { object: 'list', data: inputs.map((_, i) => ({ object: 'embedding', index: i, embedding: vector(i) })), model: modelOf(body, 'text-embedding-3-small') };
  if (r.usage) out.usage = { prompt_tokens: r.promptTokens, total_tokens: r.promptTokens };
  return out;
}

/** Pre-serialised answers for instant mode: the same bytes every time, no work per request. */
export function instantAnswers(kind: UpstreamKind): { json: Buffer; stream: Buffer } {
  const r: UpstreamReply = { text: 'ok', toolCalls: [], usage: true, promptTokens: 5, completionTokens: 1, cachedTokens: 0, chunkChars: 64, delayMs: 0 };
  const body: JsonObject = { model: 'instant', stream_options: { include_usage: true } };
  return {
    json: Buffer.from(JSON.stringify(completionAnswer(kind, body, r, 'instant'))),
    stream: Buffer.from(streamEvents(kind, body, r, 'instant').join('')),
  };
}
