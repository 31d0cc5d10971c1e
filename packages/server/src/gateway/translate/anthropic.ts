import type { JsonObject, JsonValue } from '@bridle/core';
import { UpstreamError, type ChatBody, type ChatChunk, type ChatCompletion, type Usage } from '../types.js';
import { chatUsage, contentText, isObject, newId, nowSeconds, num, objects, parseArguments, str } from './common.js';

export { anthropicToChat, chatToAnthropicResponse, chatChunksToAnthropicEvents, type AnthropicSseEvent, type AnthropicStreamTranslator } from './anthropic-door.js';

/** Anthropic requires max_tokens; this is used when the Chat Completions request gave none. */
export const ANTHROPIC_DEFAULT_MAX_TOKENS = 4096;

const STOP_TO_FINISH: Record<string, string> = { end_turn: 'stop', stop_sequence: 'stop', max_tokens: 'length', tool_use: 'tool_calls', pause_turn: 'stop', refusal: 'content_filter' };

/** Anthropic `stop_reason` → Chat Completions `finish_reason`. */
export function finishReasonOf(stopReason: string | undefined): string {
  return (stopReason !== undefined ? STOP_TO_FINISH[stopReason] : undefined) ?? 'stop';
}

/** Anthropic usage → ours. Anthropic's input_tokens excludes cache reads and writes; OpenAI's prompt_tokens includes them. */
export function usageFromAnthropic(u: JsonValue | undefined): Usage | null {
  if (!isObject(u)) return null;
  const input = num(u.input_tokens);
  const output = num(u.output_tokens);
  if (input === undefined && output === undefined) return null;
  const cacheRead = num(u.cache_read_input_tokens) ?? 0;
  const cacheWrite = num(u.cache_creation_input_tokens) ?? 0;
  return { inputTokens: (input ?? 0) + cacheRead + cacheWrite, outputTokens: output ?? 0, cachedInputTokens: cacheRead, estimated: false };
}

/** An OpenAI image part → an Anthropic image block (data URLs become base64 sources). */
function imageBlock(part: JsonObject): JsonObject | null {
  const image = isObject(part.image_url) ? part.image_url : {};
  const url = str(image.url) ?? str(part.image_url);
  if (url === undefined) return null;
  const m = /^data:([^;,]+);base64,(.*)$/s.exec(url);
  if (m !== null) return { type: 'image', source: { type: 'base64', media_type: m[1] ?? 'image/png', data: m[2] ?? '' } };
  return { type: 'image', source: { type: 'url', url } };
}

function userBlocks(content: JsonValue | undefined): JsonObject[] {
  if (typeof content === 'string') return content === '' ? [] : [{ type: 'text', text: content }];
  const blocks: JsonObject[] = [];
  for (const part of objects(content)) {
    if (part.type === 'text' && typeof part.text === 'string') blocks.push({ type: 'text', text: part.text });
    else if (part.type === 'image_url') {
      const b = imageBlock(part);
      if (b !== null) blocks.push(b);
    }
  }
  return blocks;
}

function toolChoiceToAnthropic(choice: JsonValue | undefined, parallel: JsonValue | undefined): JsonObject | undefined {
  let out: JsonObject | undefined;
  if (choice === 'auto') out = { type: 'auto' };
  else if (choice === 'required') out = { type: 'any' };
  else if (choice === 'none') out = { type: 'none' };
  else if (isObject(choice) && isObject(choice.function) && typeof choice.function.name === 'string') out = { type: 'tool', name: choice.function.name };
  if (parallel === false) out = { ...(out ?? { type: 'auto' }), disable_parallel_tool_use: true };
  return out;
}

function jsonInstruction(format: JsonValue | undefined): string | undefined {
  if (!isObject(format)) return undefined;
  if (format.type === 'json_object') return 'Respond with one JSON object and nothing else.';
  if (format.type === 'json_schema' && isObject(format.json_schema)) {
    return `Respond with one JSON object and nothing else, valid against this JSON Schema:\n${JSON.stringify(format.json_schema.schema ?? {})}`;
  }
  return undefined;
}

/**
 * A Chat Completions request → an Anthropic Messages request. System and developer messages
 * become `system`; tool calls become tool_use blocks and tool messages tool_result blocks in one
 * user turn (Anthropic wants every result of a parallel call in the turn right after it);
 * consecutive same-role turns are merged. `response_format` has no Anthropic equivalent, so it
 * becomes a system instruction.
 *
 * @example
 *   chatToAnthropic({ model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'hi' }] }, 'claude-sonnet-4-5')
 *   // { model: 'claude-sonnet-4-5', max_tokens: 4096, messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }] }
 */
export function chatToAnthropic(body: ChatBody, model: string = body.model): JsonObject {
  const system: string[] = [];
  const turns: { role: 'user' | 'assistant'; content: JsonObject[] }[] = [];
  const push = (role: 'user' | 'assistant', blocks: JsonObject[]): void => {
    if (blocks.length === 0) return;
    const last = turns[turns.length - 1];
    if (last !== undefined && last.role === role) last.content.push(...blocks);
    else turns.push({ role, content: blocks });
  };
  for (const m of body.messages) {
    const role = str(m.role);
    if (role === 'system' || role === 'developer') {
      const text = contentText(m.content);
      if (text !== '') system.push(text);
    } else if (role === 'assistant') {
      const blocks: JsonObject[] = [];
      const text = contentText(m.content);
      if (text !== '') blocks.push({ type: 'text', text });
      for (const call of objects(m.tool_calls)) {
        const fn = isObject(call.function) ? call.function : {};
        blocks.push({ type: 'tool_use', id: str(call.id) ?? newId('toolu_'), name: str(fn.name) ?? '', input: parseArguments(str(fn.arguments)) });
      }
      push('assistant', blocks);
    } else if (role === 'tool' || role === 'function') {
      push('user', [{ type: 'tool_result', tool_use_id: str(m.tool_call_id) ?? str(m.name) ?? '', content: contentText(m.content) }]);
    } else {
      push('user', userBlocks(m.content));
    }
  }
  const instruction = jsonInstruction(body.response_format);
  if (instruction !== undefined) system.push(instruction);

  const out: JsonObject = { model, max_tokens: num(body.max_completion_tokens) ?? num(body.max_tokens) ?? ANTHROPIC_DEFAULT_MAX_TOKENS, messages: turns };
  if (system.length > 0) out.system = system.join('\n\n');
  const temperature = num(body.temperature);
  // OpenAI's temperature goes to 2, Anthropic's to 1.
  if (temperature !== undefined) out.temperature = Math.min(1, temperature);
  const topP = num(body.top_p);
  if (topP !== undefined) out.top_p = topP;
  const stop = typeof body.stop === 'string' ? [body.stop] : Array.isArray(body.stop) ? body.stop.filter((s): s is string => typeof s === 'string') : [];
  if (stop.length > 0) out.stop_sequences = stop;
  const tools = objects(body.tools).filter((t) => isObject(t.function));
  if (tools.length > 0) {
    out.tools = tools.map((t) => {
      const fn = t.function as JsonObject;
      const tool: JsonObject = { name: str(fn.name) ?? '', input_schema: isObject(fn.parameters) ? fn.parameters : { type: 'object', properties: {} } };
      if (typeof fn.description === 'string') tool.description = fn.description;
      return tool;
    });
    const choice = toolChoiceToAnthropic(body.tool_choice, body.parallel_tool_calls);
    if (choice !== undefined) out.tool_choice = choice;
  }
  if (typeof body.user === 'string') out.metadata = { user_id: body.user };
  if (body.stream === true) out.stream = true;
  return out;
}

/** An Anthropic Messages response → a `chat.completion`. */
export function anthropicToChatCompletion(resp: JsonObject): ChatCompletion {
  let text = '';
  const toolCalls: JsonObject[] = [];
  for (const block of objects(resp.content)) {
    if (block.type === 'text' && typeof block.text === 'string') text += block.text;
    else if (block.type === 'tool_use') {
      toolCalls.push({ id: str(block.id) ?? newId('call_'), type: 'function', function: { name: str(block.name) ?? '', arguments: JSON.stringify(block.input ?? {}) } });
    }
  }
  const message: JsonObject = { role: 'assistant', content: text === '' && toolCalls.length > 0 ? null : text, refusal: null };
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  const usage = usageFromAnthropic(resp.usage) ?? { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0, estimated: false };
  return {
    id: str(resp.id) ?? newId('chatcmpl-'),
    object: 'chat.completion',
    created: nowSeconds(),
    model: str(resp.model) ?? '',
    choices: [{ index: 0, message, logprobs: null, finish_reason: finishReasonOf(str(resp.stop_reason)) }],
    usage: chatUsage(usage),
  };
}

/**
 * A stateful translator of Anthropic stream events into Chat Completions chunks: text deltas
 * become `delta.content`, each tool_use block a `tool_calls` entry with its own `index` whose
 * input_json_delta fragments become `arguments` deltas, and message_delta's stop_reason the
 * `finish_reason`. `usage()` is Anthropic's figures (input from message_start, output from the
 * cumulative message_delta). An `error` event throws UpstreamError.
 */
export function anthropicEventsToChat(provider: string, includeUsage: boolean): { push(event: JsonObject): ChatChunk[]; usage(): Usage | null; finished(): boolean } {
  let id = newId('chatcmpl-');
  let model = '';
  const created = nowSeconds();
  let usage: Usage | null = null;
  let done = false;
  const toolIndex = new Map<number, number>();
  const chunk = (delta: JsonObject, finish: string | null = null): ChatChunk => ({
    id, object: 'chat.completion.chunk', created, model,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
  });
  return {
    usage: () => usage,
    finished: () => done,
    push(ev) {
      switch (ev.type) {
        case 'message_start': {
          const msg = isObject(ev.message) ? ev.message : {};
          id = str(msg.id) ?? id;
          model = str(msg.model) ?? model;
          usage = usageFromAnthropic(msg.usage);
          return [chunk({ role: 'assistant', content: '' })];
        }
        case 'content_block_start': {
          const block = isObject(ev.content_block) ? ev.content_block : {};
          if (block.type === 'tool_use') {
            const index = toolIndex.size;
            toolIndex.set(num(ev.index) ?? 0, index);
            return [chunk({ tool_calls: [{ index, id: str(block.id) ?? newId('call_'), type: 'function', function: { name: str(block.name) ?? '', arguments: '' } }] })];
          }
          if (block.type === 'text' && typeof block.text === 'string' && block.text !== '') return [chunk({ content: block.text })];
          return [];
        }
        case 'content_block_delta': {
          const delta = isObject(ev.delta) ? ev.delta : {};
          if (delta.type === 'text_delta' && typeof delta.text === 'string') return [chunk({ content: delta.text })];
          if (delta.type === 'input_json_delta' && typeof delta.partial_json === 'string') {
            const index = toolIndex.get(num(ev.index) ?? 0) ?? 0;
            return [chunk({ tool_calls: [{ index, function: { arguments: delta.partial_json } }] })];
          }
          return [];
        }
        case 'message_delta': {
          const delta = isObject(ev.delta) ? ev.delta : {};
          const u = isObject(ev.usage) ? ev.usage : {};
          const output = num(u.output_tokens);
          const base = usage ?? { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0, estimated: false };
          const later = usageFromAnthropic(u);
          // message_delta usage is cumulative; newer API versions repeat the input figures in it.
          usage = later !== null && num(u.input_tokens) !== undefined ? later : { ...base, outputTokens: output ?? base.outputTokens };
          return typeof delta.stop_reason === 'string' ? [chunk({}, finishReasonOf(delta.stop_reason))] : [];
        }
        case 'message_stop': {
          done = true;
          return includeUsage && usage !== null ? [{ id, object: 'chat.completion.chunk', created, model, choices: [], usage: chatUsage(usage) }] : [];
        }
        case 'error': {
          const err = isObject(ev.error) ? ev.error : {};
          const type = str(err.type) ?? 'api_error';
          const failure = type === 'rate_limit_error' ? 'rate_limited' : type === 'overloaded_error' || type === 'api_error' ? 'server' : 'client';
          throw new UpstreamError(failure, `${provider} stream error (${type}): ${str(err.message) ?? ''}`, { provider, body: { type: 'error', error: err } });
        }
        default:
          return [];
      }
    },
  };
}
