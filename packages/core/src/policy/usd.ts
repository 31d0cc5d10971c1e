import { z } from 'zod';

/** A USD amount in configuration: non-negative, at most 6 decimals (micro-USD is exact). */
export const usd = z
  .number()
  .nonnegative()
  .max(1e9, { message: 'at most 1,000,000,000 USD' })
  .refine(hasAtMostSixDecimals, { message: 'at most 6 decimal places (Bridle counts money in micro-USD)' });

/** Decided on the number's shortest decimal form, which float arithmetic on n·1e6 cannot do exactly. */
function hasAtMostSixDecimals(n: number): boolean {
  if (!Number.isFinite(n)) return false;
  const text = String(n);
  const exp = /e-(\d+)$/.exec(text);
  if (exp) return Number(exp[1]) + (text.split('e')[0]!.split('.')[1]?.length ?? 0) <= 6;
  return (text.split('.')[1]?.length ?? 0) <= 6;
}
