import type { Price } from '../types.js';

/**
 * Output tokens reserved when the request sets no `max_tokens` / `max_completion_tokens`. The
 * request is passed on unchanged, so an answer longer than this is still charged exactly, but
 * its reservation was smaller than its cost: agents that must never overrun a cap set max_tokens.
 */
export const DEFAULT_OUTPUT_TOKENS = 4096;

/**
 * The local token count is an approximation (other vendors' tokenizers differ, tools are
 * framed differently); the reservation adds this much so the provider's real figure fits in it.
 */
export const PROMPT_MARGIN = 1.25;

/** USD per million tokens is micro-USD per token; float noise is cut before rounding up. */
const micro = (x: number) => Math.ceil(Math.round(x * 1000) / 1000);

/** The reservation for a call: prompt tokens (with margin) at the input price plus the output cap at the output price. */
export function estimateMicroUsd(promptTokens: number, maxOutputTokens: number, p: Price): number {
  return micro(Math.ceil(promptTokens * PROMPT_MARGIN) * p.inputUsdPerMtok + maxOutputTokens * p.outputUsdPerMtok);
}

/** The dearest of several prices, so a fallback to a pricier target still fits the reservation. */
export function dearest(prices: readonly Price[]): Price {
  const first = prices[0];
  if (!first) throw new Error('dearest() needs at least one price');
  return prices.reduce((a, b) => ({
    inputUsdPerMtok: Math.max(a.inputUsdPerMtok, b.inputUsdPerMtok),
    outputUsdPerMtok: Math.max(a.outputUsdPerMtok, b.outputUsdPerMtok),
    source: a.source === b.source ? a.source : 'policy',
  }), first);
}
