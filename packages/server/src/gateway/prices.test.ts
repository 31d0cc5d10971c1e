import { describe, expect, it } from 'vitest';
import { costMicroUsd, defaultPrice, lookupPrice } from './prices.js';
import type { Price, Usage } from './types.js';

const usage = (inputTokens: number, outputTokens: number, cachedInputTokens = 0): Usage => ({ inputTokens, outputTokens, cachedInputTokens, estimated: false });

describe('prices', () => {
  it('finds table prices for dated snapshots and Gemini resource names; policy wins', () => {
    expect(lookupPrice('claude-sonnet-4-5-20250929', {})).toEqual({ inputUsdPerMtok: 3, outputUsdPerMtok: 15, cachedInputUsdPerMtok: 0.3, source: 'table' });
    expect(lookupPrice('models/gemini-2.5-flash', {})).toMatchObject({ inputUsdPerMtok: 0.3, outputUsdPerMtok: 2.5 });
    expect(lookupPrice('gpt-4o', { 'gpt-4o': { input_usd_per_mtok: 1, output_usd_per_mtok: 1, cached_input_usd_per_mtok: 0.5 } })).toEqual({ inputUsdPerMtok: 1, outputUsdPerMtok: 1, cachedInputUsdPerMtok: 0.5, source: 'policy' });
    expect(lookupPrice('mystery-7b', {})).toBeNull();
    expect(defaultPrice('block')).toBeNull();
    expect(defaultPrice({ input_usd_per_mtok: 5, output_usd_per_mtok: 6 })).toEqual({ inputUsdPerMtok: 5, outputUsdPerMtok: 6, source: 'default' });
  });

  it('costs exactly in integer micro-USD, rounding up, with cached tokens at their price', () => {
    const gpt4o: Price = { inputUsdPerMtok: 2.5, outputUsdPerMtok: 10, cachedInputUsdPerMtok: 1.25, source: 'table' };
    expect(costMicroUsd(gpt4o, usage(1000, 100))).toBe(3500);
    expect(costMicroUsd(gpt4o, usage(1000, 100, 400))).toBe(1500 + 500 + 1000);
    // 0.15 µUSD per token × 1 token = 0.15 → 1 (never 0 for a paid call)
    expect(costMicroUsd({ inputUsdPerMtok: 0.15, outputUsdPerMtok: 0.6, source: 'table' }, usage(1, 0))).toBe(1);
    // In floating point 0.1 × 10 tokens can land a hair above 1 and round up to 2; in scaled integers it is exactly 1.
    expect(costMicroUsd({ inputUsdPerMtok: 0.1, outputUsdPerMtok: 0, source: 'table' }, usage(10, 0))).toBe(1);
    expect(costMicroUsd({ inputUsdPerMtok: 0.000001, outputUsdPerMtok: 0, source: 'table' }, usage(1_000_000, 0))).toBe(1);
    expect(costMicroUsd({ inputUsdPerMtok: 15, outputUsdPerMtok: 75, source: 'table' }, usage(2_000_000_000, 1_000_000_000))).toBe(105_000_000_000);
    expect(costMicroUsd(gpt4o, usage(0, 0))).toBe(0);
  });
});
