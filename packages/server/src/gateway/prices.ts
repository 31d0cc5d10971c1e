import { readFileSync } from 'node:fs';
import type { ModelPrice } from '@bridle/core';
import type { Price, Usage } from './types.js';

interface TableEntry {
  input: number;
  output: number;
  cached_input?: number;
}

// Read at load rather than imported: JSON import attributes need a newer Node than we support,
// and the file must stay plain data that operators can read and diff.
const TABLE: ReadonlyMap<string, TableEntry> = new Map(
  Object.entries((JSON.parse(readFileSync(new URL('./prices.json', import.meta.url), 'utf8')) as { models: Record<string, TableEntry> }).models),
);

const DATE_SUFFIX = /-(\d{4}-\d{2}-\d{2}|\d{8}|latest)$/;

/** Names a model may be priced under: as given, without a `models/` prefix, without a date or `-latest` suffix. */
function candidates(model: string): string[] {
  const bare = model.replace(/^models\//, '');
  const undated = bare.replace(DATE_SUFFIX, '');
  return [...new Set([model, bare, undated])];
}

function fromPolicy(p: ModelPrice, source: Price['source']): Price {
  return {
    inputUsdPerMtok: p.input_usd_per_mtok,
    outputUsdPerMtok: p.output_usd_per_mtok,
    ...(p.cached_input_usd_per_mtok !== undefined ? { cachedInputUsdPerMtok: p.cached_input_usd_per_mtok } : {}),
    source,
  };
}

/**
 * The price of a provider model: `gateway.prices` first, then the built-in table (prices.json),
 * matching dated snapshots (`gpt-4o-2024-08-06`, `claude-sonnet-4-5-20250929`) to their model.
 * Null when unknown; the caller applies `unknown_model_price`.
 *
 * @example
 *   lookupPrice('gpt-4o-mini-2024-07-18', {}) // { inputUsdPerMtok: 0.15, outputUsdPerMtok: 0.6, cachedInputUsdPerMtok: 0.075, source: 'table' }
 */
export function lookupPrice(model: string, overrides: Record<string, ModelPrice>): Price | null {
  const names = candidates(model);
  for (const name of names) {
    const p = overrides[name];
    if (p !== undefined) return fromPolicy(p, 'policy');
  }
  for (const name of names) {
    const t = TABLE.get(name);
    if (t !== undefined) return { inputUsdPerMtok: t.input, outputUsdPerMtok: t.output, ...(t.cached_input !== undefined ? { cachedInputUsdPerMtok: t.cached_input } : {}), source: 'table' };
  }
  return null;
}

/** `unknown_model_price` as a Price, or null for `block`. */
export function defaultPrice(setting: 'block' | ModelPrice): Price | null {
  return setting === 'block' ? null : fromPolicy(setting, 'default');
}

const SCALE = 1_000_000n;

/** A USD-per-million-token price as an exact integer count of millionths (prices have at most 6 decimals). */
function scaled(usdPerMtok: number): bigint {
  return BigInt(Math.round(usdPerMtok * 1_000_000));
}

/**
 * The exact cost of a call in integer micro-USD, rounded up. 1 USD per million tokens is exactly
 * 1 micro-USD per token, so cost = Σ tokens × price; prices are scaled to integers first so no
 * floating-point error reaches the money. Cached input tokens (a subset of input tokens) are
 * charged at the cached price when there is one.
 *
 * @example
 *   costMicroUsd({ inputUsdPerMtok: 2.5, outputUsdPerMtok: 10, source: 'table' }, { inputTokens: 1000, outputTokens: 100, cachedInputTokens: 0, estimated: false }) // 3500
 */
export function costMicroUsd(price: Price, usage: Usage): number {
  const cached = BigInt(Math.max(0, Math.min(usage.cachedInputTokens, usage.inputTokens)));
  const input = BigInt(Math.max(0, usage.inputTokens)) - cached;
  const output = BigInt(Math.max(0, usage.outputTokens));
  const cachedPrice = price.cachedInputUsdPerMtok ?? price.inputUsdPerMtok;
  const total = input * scaled(price.inputUsdPerMtok) + cached * scaled(cachedPrice) + output * scaled(price.outputUsdPerMtok);
  return Number((total + SCALE - 1n) / SCALE);
}
