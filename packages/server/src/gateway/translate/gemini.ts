import type { JsonObject, JsonValue } from '@bridle/core';
import { UpstreamError, type ChatBody, type ChatChunk, type ChatCompletion, type Usage } from '../types.js';
import { arr, chatUsage, contentText, isObject, newId, nowSeconds, num, objects, str } from './common.js';

// Keys of JSON Schema that Gemini's OpenAPI-subset `Schema` rejects.
const UNSUPPORTED_SCHEMA_KEYS = new Set(['$schema', '$id', 'additionalProperties', 'strict', '$defs', 'definitions', '$ref', 'examples', 'default', 'const']);

/** A JSON Schema trimmed to what Gemini's `Schema` accepts (recursively). */
export function geminiSchema(schema: JsonValue): JsonValue {
  if (Array.isArray(schema)) return schema.map(geminiSchema);
  if (!isObject(schema)) return schema;
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(schema)) if (!UNSUPPORTED_SCHEMA_KEYS.has(k)) out[k] = k === 'properties' && isObject(v) ? Object.fromEntries(Object.entries(v).map(([p, s]) => [p, geminiSchema(s)])) : geminiSchema(v);
  return out;
}

function userParts(content: JsonValue | undefined): JsonObject[] {
  if (typeof content === 'string') return content === '' ? [] : [{ text: content }];
  const parts: JsonObject[] = [];
  for (const part of objects(content)) {
    if (part.type === 'text' && typeof part.text === 'string') parts.push({ text: part.text });
    else if (part.type === 'image_url') {
      const url = isObject(part.image_url) ? str(part.image_url.url) : str(part.image_url);
      if (url === undefined) continue;
      const m = /^data:([^;,]+);base64,(.*)$/s.exec(url);
      parts.push(m !== null ? { inlineData: { mimeType: m[1] ?? 'image/png', data: m[2] ?? '' } } : { fileData: { fileUri: url } });
    }
  }
  return parts;
}

function toolResponse(text: string): JsonObject {
  try {
    const v = JSON.parse(text) as JsonValue;
    if (isObject(v)) return v;
  } catch {
    // not JSON: wrapped below
  }
  return { content: text };
}

/**
 * A Chat Completions request → a Gemini `generateContent` request (the model goes in the URL).
 * Tool results find their function name through the assistant tool call they answer, since
 * Gemini matches responses by name.
 *
 * @example
 *   chatToGemini({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'hi' }] })
 *   // { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] }
 */
export function chatToGemini(body: ChatBody): JsonObject {
  const system: string[] = [];
  const contents: { role: 'user' | 'model'; parts: JsonObject[] }[] = [];
  const callNames = new Map<string, string>();
  const push = (role: 'user' | 'model', parts: JsonObject[]): void => {
    if (parts.length === 0) return;
    const last = contents[contents.length - 1];
    if (last !== undefined && last.role === role) last.parts.push(...parts);
    else contents.push({ role, parts });
  };
  for (const m of body.messages) {
    const role = str(m.role);
    if (role === 'system' || role === 'developer') {
      const text = contentText(m.content);
      if (text !== '') system.push(text);
    } else if (role === 'assistant') {
      const parts: JsonObject[] = [];
      const text = contentText(m.content);
      if (text !== '') parts.push({ text });
      for (const call of objects(m.tool_calls)) {
        const fn = isObject(call.function) ? call.function : {};
        const name = str(fn.name) ?? '';
        const id = str(call.id);
        if (id !== undefined) callNames.set(id, name);
        parts.push({ functionCall: { name, args: toolResponse(str(fn.arguments) ?? '{}') } });
      }
      push('model', parts);
    } else if (role === 'tool' || role === 'function') {
      const name = callNames.get(str(m.tool_call_id) ?? '') ?? str(m.name) ?? '';
      push('user', [{ functionResponse: { name, response: toolResponse(contentText(m.content)) } }]);
    } else {
      push('user', userParts(m.content));
    }
  }
  const out: JsonObject = { contents };
  if (system.length > 0) out.systemInstruction = { parts: [{ text: system.join('\n\n') }] };

  const tools = objects(body.tools).filter((t) => isObject(t.function));
  if (tools.length > 0) {
    out.tools = [{ functionDeclarations: tools.map((t) => {
      const fn = t.function as JsonObject;
      const decl: JsonObject = { name: str(fn.name) ?? '' };
      if (typeof fn.description === 'string') decl.description = fn.description;
      if (isObject(fn.parameters)) decl.parameters = geminiSchema(fn.parameters);
      return decl;
    }) }];
    const choice = body.tool_choice;
    const mode = choice === 'required' ? 'ANY' : choice === 'none' ? 'NONE' : choice === 'auto' ? 'AUTO' : undefined;
    if (mode !== undefined) out.toolConfig = { functionCallingConfig: { mode } };
    else if (isObject(choice) && isObject(choice.function) && typeof choice.function.name === 'string') {
      out.toolConfig = { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: [choice.function.name] } };
    }
  }

  const gen: JsonObject = {};
  const copy = (from: string, to: string): void => {
    const v = num(body[from]);
    if (v !== undefined) gen[to] = v;
  };
  copy('temperature', 'temperature');
  copy('top_p', 'topP');
  copy('max_tokens', 'maxOutputTokens');
  copy('max_completion_tokens', 'maxOutputTokens');
  copy('n', 'candidateCount');
  copy('presence_penalty', 'presencePenalty');
  copy('frequency_penalty', 'frequencyPenalty');
  copy('seed', 'seed');
  const stop = typeof body.stop === 'string' ? [body.stop] : arr(body.stop).filter((s): s is string => typeof s === 'string');
  if (stop.length > 0) gen.stopSequences = stop;
  const format = isObject(body.response_format) ? body.response_format : undefined;
  if (format?.type === 'json_object') gen.responseMimeType = 'application/json';
  else if (format?.type === 'json_schema') {
    gen.responseMimeType = 'application/json';
    const schema = isObject(format.json_schema) ? format.json_schema.schema : undefined;
    if (isObject(schema)) gen.responseSchema = geminiSchema(schema);
  }
  if (Object.keys(gen).length > 0) out.generationConfig = gen;
  return out;
}

const FILTERED = new Set(['SAFETY', 'RECITATION', 'BLOCKLIST', 'PROHIBITED_CONTENT', 'SPII', 'IMAGE_SAFETY']);

function finishOf(reason: string | undefined, calledTools: boolean): string {
  if (reason === 'MAX_TOKENS') return 'length';
  if (reason !== undefined && FILTERED.has(reason)) return 'content_filter';
  return calledTools ? 'tool_calls' : 'stop';
}

/** Gemini `usageMetadata` → ours; thinking tokens are billed as output. */
export function usageFromGemini(u: JsonValue | undefined): Usage | null {
  if (!isObject(u)) return null;
  const prompt = num(u.promptTokenCount);
  if (prompt === undefined) return null;
  return {
    inputTokens: prompt,
    outputTokens: (num(u.candidatesTokenCount) ?? 0) + (num(u.thoughtsTokenCount) ?? 0),
    cachedInputTokens: num(u.cachedContentTokenCount) ?? 0,
    estimated: false,
  };
}

function candidateMessage(candidate: JsonObject, toolIndex: { next: number }): { content: string; toolCalls: JsonObject[] } {
  let content = '';
  const toolCalls: JsonObject[] = [];
  const parts = isObject(candidate.content) ? objects(candidate.content.parts) : [];
  for (const part of parts) {
    // Thought summaries are not part of the answer.
    if (typeof part.text === 'string' && part.thought !== true) content += part.text;
    if (isObject(part.functionCall)) {
      const fc = part.functionCall;
      toolCalls.push({ index: toolIndex.next++, id: str(fc.id) ?? newId('call_'), type: 'function', function: { name: str(fc.name) ?? '', arguments: JSON.stringify(fc.args ?? {}) } });
    }
  }
  return { content, toolCalls };
}

/** A Gemini `generateContent` response → a `chat.completion`. */
export function geminiToChatCompletion(resp: JsonObject, model: string): ChatCompletion {
  const choices = objects(resp.candidates).map((c, i): JsonObject => {
    const { content, toolCalls } = candidateMessage(c, { next: 0 });
    const message: JsonObject = { role: 'assistant', content: content === '' && toolCalls.length > 0 ? null : content, refusal: null };
    if (toolCalls.length > 0) message.tool_calls = toolCalls.map(({ index: _index, ...rest }) => rest);
    return { index: num(c.index) ?? i, message, logprobs: null, finish_reason: finishOf(str(c.finishReason), toolCalls.length > 0) };
  });
  if (choices.length === 0) {
    // The prompt itself was blocked (promptFeedback.blockReason): no candidates at all.
    choices.push({ index: 0, message: { role: 'assistant', content: null, refusal: null }, logprobs: null, finish_reason: 'content_filter' });
  }
  const usage = usageFromGemini(resp.usageMetadata) ?? { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0, estimated: false };
  return { id: str(resp.responseId) ?? newId('chatcmpl-'), object: 'chat.completion', created: nowSeconds(), model: str(resp.modelVersion) ?? model, choices, usage: chatUsage(usage) };
}

/**
 * A stateful translator of `:streamGenerateContent?alt=sse` events (each a whole
 * GenerateContentResponse) into Chat Completions chunks. Gemini sends function calls whole, so
 * each becomes one tool_calls delta carrying its full arguments. The stream has no end
 * sentinel: `finished()` says whether a finishReason arrived; `end()` emits the usage chunk.
 */
export function geminiEventsToChat(provider: string, model: string, includeUsage: boolean): { push(ev: JsonObject): ChatChunk[]; end(): ChatChunk[]; usage(): Usage | null; finished(): boolean } {
  let id = newId('chatcmpl-');
  const created = nowSeconds();
  let usage: Usage | null = null;
  let started = false;
  let done = false;
  let calledTools = false;
  const toolIndex = { next: 0 };
  const chunk = (delta: JsonObject, finish: string | null = null): ChatChunk => ({ id, object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] });
  return {
    usage: () => usage,
    finished: () => done,
    push(ev) {
      if (isObject(ev.error)) {
        const status = num(ev.error.code);
        throw new UpstreamError(status === 429 ? 'rate_limited' : 'server', `${provider} stream error: ${str(ev.error.message) ?? ''}`, { provider, body: { error: ev.error } });
      }
      const out: ChatChunk[] = [];
      if (!started) {
        started = true;
        id = str(ev.responseId) ?? id;
        out.push(chunk({ role: 'assistant', content: '' }));
      }
      usage = usageFromGemini(ev.usageMetadata) ?? usage;
      const candidate = objects(ev.candidates)[0];
      if (candidate === undefined) {
        if (isObject(ev.promptFeedback) && typeof ev.promptFeedback.blockReason === 'string') {
          done = true;
          out.push(chunk({}, 'content_filter'));
        }
        return out;
      }
      const { content, toolCalls } = candidateMessage(candidate, toolIndex);
      if (content !== '') out.push(chunk({ content }));
      if (toolCalls.length > 0) {
        calledTools = true;
        out.push(chunk({ tool_calls: toolCalls }));
      }
      const reason = str(candidate.finishReason);
      if (reason !== undefined) {
        done = true;
        out.push(chunk({}, finishOf(reason, calledTools)));
      }
      return out;
    },
    end() {
      return includeUsage && usage !== null ? [{ id, object: 'chat.completion.chunk', created, model, choices: [], usage: chatUsage(usage) }] : [];
    },
  };
}
