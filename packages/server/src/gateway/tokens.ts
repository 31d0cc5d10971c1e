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
 * Its ranks take about 20 MB of heap, so it is imported only when a provider reports no usage
 * and Bridle must count itself (reservations use `promptTokenBound`, which needs none); after
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

/**
 * Prompt tokens of a Chat Completions request, the way OpenAI frames them: each message's role,
 * name, text and tool calls measured by `measure`, plus the cookbook's per-message framing.
 */
function promptTokens(body: ChatBody, measure: (text: string) => number): number {
  let total = REPLY_PRIMING;
  for (const m of body.messages) {
    total += PER_MESSAGE + measure(str(m.role) ?? '') + measure(contentText(m.content));
    for (const part of objects(m.content)) if (part.type === 'image_url' || part.type === 'input_image') total += PER_IMAGE;
    const name = str(m.name);
    if (name !== undefined) total += PER_NAME + measure(name);
    for (const call of objects(m.tool_calls)) {
      const fn = isObject(call.function) ? call.function : {};
      total += measure(str(fn.name) ?? '') + measure(str(fn.arguments) ?? '');
    }
  }
  const tools = objects(body.tools);
  if (tools.length > 0) total += measure(JSON.stringify(tools));
  return total;
}

/** Prompt tokens of a Chat Completions request, counted the way OpenAI bills them (approximately for tools). */
export function countPromptTokens(body: ChatBody): number {
  return promptTokens(body, countTextTokens);
}

/**
 * An upper bound on a text's tokens without a tokenizer: its UTF-8 length. A BPE token (o200k,
 * cl100k, Claude's, Gemini's byte-fallback pieces) covers at least one byte, so a text never has
 * more tokens than bytes.
 */
export function textTokenBound(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/**
 * What a call's reservation is made for: `countPromptTokens` with every text measured by
 * `textTokenBound`. It never counts fewer tokens than the tokenizer would (images still count
 * at the low-detail floor), costs no tokenizer in memory and no BPE work per call; the
 * reservation is larger (about 4× for English text), and is settled at the provider's count.
 */
export function promptTokenBound(body: ChatBody): number {
  return promptTokens(body, textTokenBound);
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
