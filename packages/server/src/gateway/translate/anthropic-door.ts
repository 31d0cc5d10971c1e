import type { JsonObject, JsonValue } from '@bridle/core';
import type { ChatBody, ChatChunk, ChatCompletion, Usage } from '../types.js';
import { isObject, newId, num, objects, str, usageFromChat } from './common.js';

/*
 * The door side: agents that speak Anthropic's Messages API (`POST /v1/messages`) are served by
 * translating their request into Chat Completions, routing it like any other, and translating
 * the answer back.
 */

const FINISH_TO_STOP: Record<string, string> = { stop: 'end_turn', length: 'max_tokens', tool_calls: 'tool_use', function_call: 'tool_use', content_filter: 'refusal' };

function stopReasonOf(finish: string | undefined): string {
  return (finish !== undefined ? FINISH_TO_STOP[finish] : undefined) ?? 'end_turn';
}

function blockText(content: JsonValue | undefined): string {
  if (typeof content === 'string') return content;
  return objects(content)
    .filter((b) => b.type === 'text' && typeof b.text === 'string')
    .map((b) => b.text as string)
    .join('');
}

function imagePart(block: JsonObject): JsonObject | null {
  const source = isObject(block.source) ? block.source : {};
  if (source.type === 'base64' && typeof source.data === 'string') return { type: 'image_url', image_url: { url: `data:${str(source.media_type) ?? 'image/png'};base64,${source.data}` } };
  if (source.type === 'url' && typeof source.url === 'string') return { type: 'image_url', image_url: { url: source.url } };
  return null;
}

/**
 * An Anthropic Messages request → a Chat Completions request. tool_result blocks become `tool`
 * messages placed before the rest of their user turn (OpenAI wants them right after the
 * assistant's tool_calls); tool_use blocks become `tool_calls` with JSON-string arguments.
 *
 * @example
 *   anthropicToChat({ model: 'claude-sonnet-4-5', max_tokens: 100, system: 'Be brief', messages: [{ role: 'user', content: 'hi' }] })
 *   // { model: 'claude-sonnet-4-5', max_tokens: 100, messages: [{ role: 'system', content: 'Be brief' }, { role: 'user', content: 'hi' }] }
 */
export function anthropicToChat(body: JsonObject): ChatBody {
  const messages: JsonObject[] = [];
  const system = blockText(body.system);
  if (system !== '') messages.push({ role: 'system', content: system });
  for (const m of objects(body.messages)) {
    const role = m.role === 'assistant' ? 'assistant' : 'user';
    if (typeof m.content === 'string') {
      messages.push({ role, content: m.content });
      continue;
    }
    const blocks = objects(m.content);
    if (role === 'assistant') {
      const text = blocks.filter((b) => b.type === 'text').map((b) => str(b.text) ?? '').join('');
      const toolCalls = blocks
        .filter((b) => b.type === 'tool_use')
        .map((b): JsonObject => ({ id: str(b.id) ?? newId('call_'), type: 'function', function: { name: str(b.name) ?? '', arguments: JSON.stringify(b.input ?? {}) } }));
      const msg: JsonObject = { role: 'assistant', content: text === '' && toolCalls.length > 0 ? null : text };
      if (toolCalls.length > 0) msg.tool_calls = toolCalls;
      messages.push(msg);
      continue;
    }
    const parts: JsonObject[] = [];
    for (const b of blocks) {
      if (b.type === 'tool_result') {
        const text = blockText(b.content);
        messages.push({ role: 'tool', tool_call_id: str(b.tool_use_id) ?? '', content: b.is_error === true ? `Error: ${text}` : text });
      } else if (b.type === 'text' && typeof b.text === 'string') parts.push({ type: 'text', text: b.text });
      else if (b.type === 'image') {
        const p = imagePart(b);
        if (p !== null) parts.push(p);
      }
    }
    if (parts.length > 0) messages.push({ role: 'user', content: parts.every((p) => p.type === 'text') ? parts.map((p) => p.text as string).join('') : parts });
  }
  const out: ChatBody = { model: str(body.model) ?? '', messages };
  const maxTokens = num(body.max_tokens);
  if (maxTokens !== undefined) out.max_tokens = maxTokens;
  for (const key of ['temperature', 'top_p'] as const) {
    const v = num(body[key]);
    if (v !== undefined) out[key] = v;
  }
  const stops = Array.isArray(body.stop_sequences) ? body.stop_sequences.filter((s): s is string => typeof s === 'string') : [];
  if (stops.length > 0) out.stop = stops;
  const tools = objects(body.tools).filter((t) => typeof t.name === 'string');
  if (tools.length > 0) {
    out.tools = tools.map((t): JsonObject => {
      const fn: JsonObject = { name: t.name as string, parameters: isObject(t.input_schema) ? t.input_schema : { type: 'object', properties: {} } };
      if (typeof t.description === 'string') fn.description = t.description;
      return { type: 'function', function: fn };
    });
  }
  const choice = isObject(body.tool_choice) ? body.tool_choice : undefined;
  if (choice !== undefined) {
    if (choice.type === 'auto') out.tool_choice = 'auto';
    else if (choice.type === 'any') out.tool_choice = 'required';
    else if (choice.type === 'none') out.tool_choice = 'none';
    else if (choice.type === 'tool' && typeof choice.name === 'string') out.tool_choice = { type: 'function', function: { name: choice.name } };
    if (choice.disable_parallel_tool_use === true) out.parallel_tool_calls = false;
  }
  if (isObject(body.metadata) && typeof body.metadata.user_id === 'string') out.user = body.metadata.user_id;
  if (body.stream === true) {
    out.stream = true;
    // The Anthropic answer's message_delta carries usage, so the Chat stream must report it.
    out.stream_options = { include_usage: true };
  }
  return out;
}

function anthropicUsage(u: Usage): JsonObject {
  return { input_tokens: u.inputTokens - u.cachedInputTokens, output_tokens: u.outputTokens, cache_read_input_tokens: u.cachedInputTokens, cache_creation_input_tokens: 0 };
}

/** A `chat.completion` → an Anthropic Messages response, under the model name the agent asked for. */
export function chatToAnthropicResponse(completion: ChatCompletion, model: string): JsonObject {
  const choice = objects(completion.choices)[0] ?? {};
  const message = isObject(choice.message) ? choice.message : {};
  const content: JsonObject[] = [];
  const text = typeof message.content === 'string' ? message.content : '';
  if (text !== '') content.push({ type: 'text', text });
  for (const call of objects(message.tool_calls)) {
    const fn = isObject(call.function) ? call.function : {};
    let input: JsonValue = {};
    try {
      input = JSON.parse(str(fn.arguments) ?? '{}') as JsonValue;
    } catch {
      input = { _raw: str(fn.arguments) ?? '' };
    }
    content.push({ type: 'tool_use', id: str(call.id) ?? newId('toolu_'), name: str(fn.name) ?? '', input });
  }
  const usage = usageFromChat(completion.usage) ?? { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0, estimated: false };
  return {
    id: newId('msg_'),
    type: 'message',
    role: 'assistant',
    model,
    content,
    stop_reason: stopReasonOf(str(choice.finish_reason)),
    stop_sequence: null,
    usage: anthropicUsage(usage),
  };
}

/** One Anthropic SSE event: `event: {event}\ndata: {JSON.stringify(data)}\n\n`. */
export interface AnthropicSseEvent {
  event: string;
  data: JsonObject;
}

/** Call with each chat chunk; `finish(usage)` closes the message with message_delta and message_stop. */
export type AnthropicStreamTranslator = ((chunk: ChatChunk) => AnthropicSseEvent[]) & { finish(usage: Usage): AnthropicSseEvent[] };

/**
 * Translates a Chat Completions stream into Anthropic's event sequence: message_start, then per
 * content block content_block_start / *_delta / content_block_stop (text, then one tool_use
 * block per tool call, each streaming input_json_delta), then message_delta and message_stop.
 *
 * @example
 *   const tr = chatChunksToAnthropicEvents('claude-sonnet-4-5', { inputTokens: 12 });
 *   for await (const c of stream.chunks) for (const ev of tr(c)) send(ev);
 *   for (const ev of tr.finish(stream.usage())) send(ev);
 */
export function chatChunksToAnthropicEvents(model: string, opts: { inputTokens?: number } = {}): AnthropicStreamTranslator {
  const id = newId('msg_');
  let started = false;
  let finished = false;
  let blockIndex = -1;
  let open: { kind: 'text' } | { kind: 'tool'; tool: number } | null = null;
  const toolBlocks = new Map<number, number>();
  let stopReason = 'end_turn';

  const start = (out: AnthropicSseEvent[]): void => {
    if (started) return;
    started = true;
    out.push({ event: 'message_start', data: { type: 'message_start', message: { id, type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: opts.inputTokens ?? 0, output_tokens: 0 } } } });
  };
  const close = (out: AnthropicSseEvent[]): void => {
    if (open === null) return;
    out.push({ event: 'content_block_stop', data: { type: 'content_block_stop', index: blockIndex } });
    open = null;
  };
  const openBlock = (out: AnthropicSseEvent[], block: JsonObject, state: NonNullable<typeof open>): void => {
    close(out);
    blockIndex++;
    open = state;
    out.push({ event: 'content_block_start', data: { type: 'content_block_start', index: blockIndex, content_block: block } });
  };

  const translate = (chunk: ChatChunk): AnthropicSseEvent[] => {
    const out: AnthropicSseEvent[] = [];
    start(out);
    for (const choice of objects(chunk.choices)) {
      if (num(choice.index) !== undefined && choice.index !== 0) continue;
      const delta = isObject(choice.delta) ? choice.delta : {};
      if (typeof delta.content === 'string' && delta.content !== '') {
        if (open?.kind !== 'text') openBlock(out, { type: 'text', text: '' }, { kind: 'text' });
        out.push({ event: 'content_block_delta', data: { type: 'content_block_delta', index: blockIndex, delta: { type: 'text_delta', text: delta.content } } });
      }
      for (const call of objects(delta.tool_calls)) {
        const tool = num(call.index) ?? 0;
        const fn = isObject(call.function) ? call.function : {};
        if (!toolBlocks.has(tool)) {
          openBlock(out, { type: 'tool_use', id: str(call.id) ?? newId('toolu_'), name: str(fn.name) ?? '', input: {} }, { kind: 'tool', tool });
          toolBlocks.set(tool, blockIndex);
        }
        const args = str(fn.arguments);
        if (args !== undefined && args !== '') {
          out.push({ event: 'content_block_delta', data: { type: 'content_block_delta', index: toolBlocks.get(tool) ?? blockIndex, delta: { type: 'input_json_delta', partial_json: args } } });
        }
      }
      if (typeof choice.finish_reason === 'string') stopReason = stopReasonOf(choice.finish_reason);
    }
    return out;
  };

  return Object.assign(translate, {
    finish(usage: Usage): AnthropicSseEvent[] {
      if (finished) return [];
      finished = true;
      const out: AnthropicSseEvent[] = [];
      start(out);
      close(out);
      out.push({ event: 'message_delta', data: { type: 'message_delta', delta: { stop_reason: stopReason, stop_sequence: null }, usage: anthropicUsage(usage) } });
      out.push({ event: 'message_stop', data: { type: 'message_stop' } });
      return out;
    },
  });
}
