import type { JsonObject } from '@bridle/core';
import type { ChatBody } from './types.js';
import { contentText, isObject, objects, str } from './translate/common.js';

interface Encoder {
  countTokens(text: string): number;
}

let encoder: Encoder | null = null;
let loading: Promise<void> | null = null;

/**
 * Loads the o200k tokenizer (gpt-4o family; a fair approximation for other vendors' models).
 * It is a few megabytes of ranks, so it is imported on first need, not at module load; after
 * this resolves every count is synchronous.
 *
 * @example
 *   await ensureTokenizer();
 *   countTextTokens('hello world'); // 2
 */
export function ensureTokenizer(): Promise<void> {
  loading ??= import('gpt-tokenizer/encoding/o200k_base').then((m) => {
    encoder = m;
  });
  return loading;
}

/** Tokens in a text. Before the tokenizer is loaded: a conservative 1 token per 3 characters. */
export function countTextTokens(text: string): number {
  if (text === '') return 0;
  return encoder === null ? Math.ceil(text.length / 3) : encoder.countTokens(text);
}

// OpenAI cookbook "How to count tokens with tiktoken": each message costs 3 tokens of framing,
// a `name` 1 more, and every reply is primed with 3.
const PER_MESSAGE = 3;
const PER_NAME = 1;
const REPLY_PRIMING = 3;
// Low-detail image cost in OpenAI's vision pricing; high-detail images cost more, so this is a floor.
const PER_IMAGE = 85;

/** Prompt tokens of a Chat Completions request, counted the way OpenAI bills them (approximately for tools). */
export function countPromptTokens(body: ChatBody): number {
  let total = REPLY_PRIMING;
  for (const m of body.messages) {
    total += PER_MESSAGE + countTextTokens(str(m.role) ?? '') + countTextTokens(contentText(m.content));
    for (const part of objects(m.content)) if (part.type === 'image_url' || part.type === 'input_image') total += PER_IMAGE;
    const name = str(m.name);
    if (name !== undefined) total += PER_NAME + countTextTokens(name);
    for (const call of objects(m.tool_calls)) {
      const fn = isObject(call.function) ? call.function : {};
      total += countTextTokens(str(fn.name) ?? '') + countTextTokens(str(fn.arguments) ?? '');
    }
  }
  const tools = objects(body.tools);
  if (tools.length > 0) total += countTextTokens(JSON.stringify(tools));
  return total;
}

/** Completion tokens of a Chat Completions response message (text plus tool-call names and arguments). */
export function countMessageTokens(message: JsonObject): number {
  let total = countTextTokens(contentText(message.content));
  for (const call of objects(message.tool_calls)) {
    const fn = isObject(call.function) ? call.function : {};
    total += countTextTokens(str(fn.name) ?? '') + countTextTokens(str(fn.arguments) ?? '');
  }
  return total;
}
