/** Money is integer micro-USD everywhere (DESIGN: exact money). */
export const MICRO_PER_USD = 1_000_000;

/** Converts a decimal USD amount from configuration to micro-USD, refusing sub-micro precision. */
export function usdToMicro(usd: number): number {
  const micro = Math.round(usd * MICRO_PER_USD);
  if (Math.abs(usd * MICRO_PER_USD - micro) > 1e-6 * Math.max(1, Math.abs(micro))) {
    throw new RangeError(`${usd} USD has more than 6 decimal places`);
  }
  return micro;
}

export function formatMicroUsd(micro: number): string {
  const sign = micro < 0 ? '-' : '';
  const abs = Math.abs(micro);
  const dollars = Math.floor(abs / MICRO_PER_USD);
  const frac = String(abs % MICRO_PER_USD).padStart(6, '0').replace(/0{1,4}$/, '');
  return `${sign}$${dollars}.${frac.length < 2 ? frac.padEnd(2, '0') : frac}`;
}
