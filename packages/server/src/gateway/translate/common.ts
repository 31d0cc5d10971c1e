import type { JsonObject, JsonValue } from '@bridle/core';
import type { Usage } from '../types.js';

/** Narrowing helpers for untrusted JSON: bodies come from agents and upstreams. */
export function isObject(v: JsonValue | undefined): v is JsonObject {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

export function str(v: JsonValue | undefined): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export function num(v: JsonValue | undefined): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

export function arr(v: JsonValue | undefined): JsonValue[] {
  return Array.isArray(v) ? v : [];
}

export function objects(v: JsonValue | undefined): JsonObject[] {
  return arr(v).filter(isObject);
}

/** The text of an OpenAI message `content`: a string, or the text parts of an array. */
export function contentText(content: JsonValue | undefined): string {
  if (typeof content === 'string') return content;
  let out = '';
  for (const part of objects(content)) if (typeof part.text === 'string') out += part.text;
  return out;
}

/** Parses tool-call arguments; a model that produced invalid JSON still gets its text through. */
export function parseArguments(text: string | undefined): JsonObject {
  if (text === undefined || text.trim() === '') return {};
  try {
    const v = JSON.parse(text) as JsonValue;
    return isObject(v) ? v : { value: v };
  } catch {
    return { _raw: text };
  }
}

/** Chat Completions `usage` from our Usage (prompt_tokens includes cached tokens, as OpenAI reports it). */
export function chatUsage(u: Usage): JsonObject {
  return {
    prompt_tokens: u.inputTokens,
    completion_tokens: u.outputTokens,
    total_tokens: u.inputTokens + u.outputTokens,
    prompt_tokens_details: { cached_tokens: u.cachedInputTokens },
  };
}

/** Our Usage from a Chat Completions `usage` object, or null when it is absent or malformed. */
export function usageFromChat(u: JsonValue | undefined): Usage | null {
  if (!isObject(u)) return null;
  const input = num(u.prompt_tokens);
  const output = num(u.completion_tokens);
  if (input === undefined || output === undefined) return null;
  const details = isObject(u.prompt_tokens_details) ? u.prompt_tokens_details : {};
  return { inputTokens: input, outputTokens: output, cachedInputTokens: num(details.cached_tokens) ?? 0, estimated: false };
}

let idCounter = 0;
/** Ids for translated objects; unique within the process, not secret. */
export function newId(prefix: string): string {
  idCounter = (idCounter + 1) % 1_000_000_000;
  return `${prefix}${Date.now().toString(36)}${idCounter.toString(36)}`;
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
