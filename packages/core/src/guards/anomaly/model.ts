/**
 * The learned baseline of one metric: expected rate(t) = level × profile(hour of day). This is
 * multiplicative Holt–Winters without trend, fed with 10-minute buckets:
 *
 * - `level` is the higher of two exponentially weighted means of the deseasonalised rate: a short
 *   one (half-life a day by default, so a 2× ramp over a day is mostly absorbed but a 5× ramp
 *   over hours is not) and a long one (seven times longer), which remembers the usual rate
 *   through a quiet weekend or holiday so the next busy morning does not look anomalous. Missing
 *   an anomaly just after a real drop is the cheaper mistake for a detector of rises. Both are
 *   symmetric means: an asymmetric (fast up, slow down) mean was tried first and settles well
 *   above the mean of noisy, clumped traffic.
 * - `profile` holds 24 factors (mean 1), linearly interpolated between hour centres so an
 *   expectation has no step at the top of the hour. Each is learned as a running mean over its
 *   first three days or so (with a prior of "flat"), then with a three-day half-life. A step up is
 *   clipped to the current factor (a 3× campaign counts as 2×), so one campaign cannot inflate
 *   its hour for days; steps down are not, so deep night troughs are learned within a day or two.
 *
 * Both start as running means (bias-corrected averages) rather than from zero, so the first
 * hour of traffic gives a usable level at once.
 */
export const BUCKET_MS = 600_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** No hour is expected below a quarter of the daily mean: a night slot learned from a handful of
 * events must not turn a normal-sized daytime action into a 20× outlier. */
export const PROFILE_MIN = 0.25;
/** Prior weight of "flat" per slot, in bucket updates (one day's worth). */
const PROFILE_PRIOR = 6;
/** Three-day half-life per slot; a slot gets about six bucket updates a day. */
const PROFILE_ALPHA = 1 - 2 ** (-1 / 18);
/** A gap longer than this is the agent not running, not the agent being quiet: learn nothing. */
export const OFFLINE_MS = DAY_MS;

export interface ModelState {
  /** Deseasonalised rate per ms, short and long half-life. */
  fast: number;
  slow: number;
  /** Buckets learned so far (for the running-mean start). */
  n: number;
  profile: number[];
  /** Weight learned per profile slot. */
  weights: number[];
  /** Index of the bucket being filled, counted from the agent's first observation. */
  bucket: number;
  sum: number;
}

export function newModel(): ModelState {
  return { fast: 0, slow: 0, n: 0, profile: new Array<number>(24).fill(1), weights: new Array<number>(24).fill(0), bucket: 0, sum: 0 };
}

/** Position of `t` between hour centres: slot h covers its hour's middle, so 14:30 is slot 14. */
function hourPosition(t: number): number {
  return (((t % DAY_MS) + DAY_MS) % DAY_MS) / HOUR_MS - 0.5;
}

export function seasonFactor(m: ModelState, t: number, seasonal: boolean): number {
  if (!seasonal) return 1;
  // Allocation-free: this runs on every observation.
  const h = hourPosition(t);
  const base = Math.floor(h);
  const w = h - base;
  const v = m.profile[(base + 24) % 24]! * (1 - w) + m.profile[(base + 25) % 24]! * w;
  return v > PROFILE_MIN ? v : PROFILE_MIN;
}

export function levelOf(m: ModelState): number {
  return m.fast > m.slow ? m.fast : m.slow;
}

export function expectedRate(m: ModelState, t: number, seasonal: boolean): number {
  return levelOf(m) * seasonFactor(m, t, seasonal);
}

/** Learns one closed bucket whose rate (per ms) was `rate`, centred at `mid`. */
export function learnBucket(m: ModelState, rate: number, mid: number, fastHalfLifeMs: number, slowHalfLifeMs: number, seasonal: boolean): void {
  const s = seasonFactor(m, mid, seasonal);
  const x = rate / s;
  const start = 1 / (m.n + 1);
  m.fast += Math.max(1 - 2 ** (-BUCKET_MS / fastHalfLifeMs), start) * (x - m.fast);
  m.slow += Math.max(1 - 2 ** (-BUCKET_MS / slowHalfLifeMs), start) * (x - m.slow);
  m.n++;
  if (!seasonal || m.n < 2 || m.fast <= 0) return;
  // Gradient step on the interpolated profile: each slot moves by its share of the error. The
  // short level is the reference, so the profile learns the day's shape, not the week's.
  const h = hourPosition(mid);
  const base = Math.floor(h);
  const err = Math.min(s, rate / m.fast - s);
  step(m, (base + 24) % 24, 1 - (h - base), err);
  step(m, (base + 25) % 24, h - base, err);
  // Keep the profile's mean at 1 so `level` stays the daily mean rate; the product is unchanged.
  let total = 0;
  for (const v of m.profile) total += v;
  const mean = total / 24;
  for (let j = 0; j < 24; j++) m.profile[j] = m.profile[j]! / mean;
  m.fast *= mean;
  m.slow *= mean;
}

function step(m: ModelState, j: number, share: number, err: number): void {
  if (share === 0) return;
  const rate = Math.max(PROFILE_ALPHA, 1 / (m.weights[j]! + PROFILE_PRIOR));
  m.profile[j] = Math.max(0.01, m.profile[j]! + rate * share * err);
  m.weights[j] = m.weights[j]! + share;
}
