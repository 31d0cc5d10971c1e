import { BUCKET_MS, OFFLINE_MS, expectedRate, learnBucket, newModel, type ModelState } from './model.js';
import type { Tuning } from './options.js';
import { SCALES, addToRing, advanceRing, closeDispersion, dispersionOf, newDispersion, newRing, type Dispersion, type Ring } from './window.js';

/** Half-life of the noise estimate: long, because bursty tasks are rare events to count. */
const DISPERSION_HALF_LIFE_MS = 3 * 86_400_000;
/** Until the daily profile has been seen twice, allow up to 50 % more for peaks it has not learned. */
export const WARM_MS = 2 * 86_400_000;
const WARM_EXTRA = 0.5;
/** Prior of the noise estimate, in events' worth of unclumped traffic. */
const PRIOR_EVENTS = 20;
const WIDTHS = SCALES.map((s) => s.ms / s.slots);
/**
 * The baseline learns from a 10-minute bucket at most twice what it expected, plus ordinary
 * noise (a z of about 2.4). Winsorising at the alarm threshold instead lets a 5× ramp, which stays
 * under the threshold for hours, raise the level it is judged against while it runs. A
 * legitimate doubling is still learned in full, and a larger lasting step over a few days.
 */
const LEARN_FACTOR = 2;
const LEARN_CONFIDENCE = 3;

/** Everything learned about one metric (action count or spend) of one agent. Plain JSON. */
export interface SeriesState {
  model: ModelState;
  /** One ring per entry of SCALES. */
  rings: Ring[];
  /** Noise at 10 s, for the 10 s window. */
  fast: Dispersion;
  /** Noise at 1 min, for every window of a minute or more (see `thresholdOf`). */
  slow: Dispersion;
  /** Decayed Σx and Σx² per event, and those of the 10 s window being filled. */
  m1: number;
  m2: number;
  c1: number;
  c2: number;
}

export function newSeries(): SeriesState {
  return { model: newModel(), rings: SCALES.map((s) => newRing(s.slots)), fast: newDispersion(), slow: newDispersion(), m1: 0, m2: 0, c1: 0, c2: 0 };
}

/** What differs between the two metrics. Units: events for rate, micro-USD for spend. */
export interface Metric {
  name: 'rate' | 'spend';
  /** Least window sum that can alarm, per scale. */
  floors: number[];
  /** Cold-start ceiling per minute. */
  coldMax: number;
}

export function metricFor(name: 'rate' | 'spend', t: Tuning): Metric {
  // Like min_events for counts, the spend floor does not shrink below an hour's worth in short
  // windows: a quiet agent's nine cheap calls in ten seconds are not a spend anomaly.
  const floors = SCALES.map((s) => (name === 'rate' ? Math.max(t.minEvents, t.minRatePerMs * s.ms) : t.minSpendMicroPerMs * Math.max(s.ms, 3_600_000)));
  return { name, floors, coldMax: name === 'rate' ? t.coldMaxPerMinute : t.coldMaxMicroPerMinute };
}

/** Noise floor for unclumped traffic of this metric: 1 for counts, E[x²]/E[x] for spend. */
function unitNoise(s: SeriesState): number {
  return s.m1 > 0 ? s.m2 / s.m1 : 0;
}

/**
 * Clumping D for a scale. Every window of a minute or more uses the 1-minute estimate: at longer
 * lengths the Allan variance also picks up campaigns and model error, which the rate factor K
 * already allows for. Counted twice, they would grow with the agent's rate (D ≈ 0.06 μ for an
 * hourly campaign every few days) and blunt the long windows of exactly the busiest agents.
 */
export function dispersionFor(s: SeriesState, scale: number): number {
  const unit = unitNoise(s);
  return dispersionOf(scale === 0 ? s.fast : s.slow, unit, PRIOR_EVENTS * unit);
}

/** K for a scale at agent age `age` (ms since its first observation). */
export function factorFor(t: Tuning, scale: number, age: number): number {
  const k = SCALES[scale]!.label === '3h' ? t.longFactor : t.rateFactor;
  return age >= WARM_MS ? k : k * (1 + WARM_EXTRA * (1 - age / WARM_MS));
}

/**
 * Threshold for a window whose expected sum is `mu`: K·μ plus a Bernstein bound on compound
 * Poisson noise, t = bL/3 + √((bL/3)² + 2σ²L) with variance σ² = D·Kμ and jump size b = D, at
 * confidence L = ln(1/p). For Poisson traffic (D = 1) and large μ this is Kμ + √(2L·Kμ), a z of
 * √(2L); for clumped traffic at small μ the bL/3 term dominates, which matches the exponential
 * tail of task sizes.
 */
export function thresholdOf(mu: number, d: number, k: number, confidence: number, floor: number): number {
  const m = k * mu;
  const a = (d * confidence) / 3;
  const t = m + a + Math.sqrt(a * a + 2 * d * m * confidence);
  return t > floor ? t : floor;
}

/** Time a ring's sum covers at `t`, never more than the agent's age. */
export function coveredMs(r: Ring, scale: number, t: number, age: number): number {
  const g = WIDTHS[scale]!;
  const covered = (r.cells.length - 1) * g + (t - r.head * g);
  return Math.max(1, Math.min(covered, age));
}

/** Records one observation of size `x` at `t`, first learning from every bucket and window it closes. */
export function record(s: SeriesState, metric: Metric, tun: Tuning, confidence: number[], t: number, first: number, x: number): void {
  const age = t - first;
  const cold = age < tun.historyMs;
  const m = s.model;
  const bucket = Math.floor(age / BUCKET_MS);
  if (bucket > m.bucket) {
    const mid = first + (m.bucket + 0.5) * BUCKET_MS;
    const cap = cold ? metric.coldMax * 10 : thresholdOf(BUCKET_MS * expectedRate(m, mid, tun.seasonal), dispersionFor(s, 2), LEARN_FACTOR, LEARN_CONFIDENCE, 0);
    learnBucket(m, Math.min(m.sum, cap) / BUCKET_MS, mid, tun.fastHalfLifeMs, tun.slowHalfLifeMs, tun.seasonal);
    const empty = bucket - m.bucket - 1;
    if (empty * BUCKET_MS <= OFFLINE_MS) {
      for (let b = m.bucket + 1; b < bucket; b++) learnBucket(m, 0, first + (b + 0.5) * BUCKET_MS, tun.fastHalfLifeMs, tun.slowHalfLifeMs, tun.seasonal);
    }
    m.bucket = bucket;
    m.sum = 0;
  }
  m.sum += x;

  const fastIndex = Math.floor(t / SCALES[0].ms);
  if (fastIndex !== s.fast.index) {
    const f = s.fast.index >= 0 ? 2 ** (-(t - s.fast.at) / DISPERSION_HALF_LIFE_MS) : 0;
    s.m1 = s.m1 * f + s.c1;
    s.m2 = s.m2 * f + s.c2;
    s.c1 = 0;
    s.c2 = 0;
    closeDispersion(s.fast, fastIndex, t, cold ? metric.coldMax : capFor(s, metric, tun, confidence, 0, SCALES[0].ms * expectedRate(m, t, tun.seasonal), age), DISPERSION_HALF_LIFE_MS);
  }
  s.c1 += x;
  s.c2 += x * x;
  const slowIndex = Math.floor(t / SCALES[1].ms);
  if (slowIndex !== s.slow.index) {
    closeDispersion(s.slow, slowIndex, t, cold ? metric.coldMax : capFor(s, metric, tun, confidence, 1, SCALES[1].ms * expectedRate(m, t, tun.seasonal), age), DISPERSION_HALF_LIFE_MS);
  }
  s.fast.current += x;
  s.slow.current += x;

  for (let i = 0; i < SCALES.length; i++) {
    const r = s.rings[i]!;
    const idx = Math.floor(t / WIDTHS[i]!);
    if (idx !== r.head) advanceRing(r, idx);
    addToRing(r, x);
  }
}

/** The most a closed window may contribute to learning: its alarm threshold. */
function capFor(s: SeriesState, metric: Metric, tun: Tuning, confidence: number[], scale: number, mu: number, age: number): number {
  return thresholdOf(mu, dispersionFor(s, scale), factorFor(tun, scale, age), confidence[scale]!, metric.floors[scale]!);
}

/** A window over its threshold, before it becomes a Verdict. */
export interface Breach {
  scale: number;
  observed: number;
  baseline: number;
  threshold: number;
  dispersion: number;
}

/** The window furthest over its threshold at `t`, or null. Allocates only on a breach. */
export function breach(s: SeriesState, metric: Metric, tun: Tuning, confidence: number[], t: number, first: number): Breach | null {
  const age = t - first;
  if (age < tun.historyMs) {
    const r = s.rings[1]!;
    if (r.sum <= metric.coldMax) return null;
    const baseline = expectedRate(s.model, t, tun.seasonal) * coveredMs(r, 1, t, age);
    return { scale: 1, observed: r.sum, baseline, threshold: metric.coldMax, dispersion: dispersionFor(s, 1) };
  }
  let best: Breach | null = null;
  let bestRatio = 1;
  const rate = expectedRate(s.model, t, tun.seasonal);
  for (let i = 0; i < SCALES.length; i++) {
    const r = s.rings[i]!;
    const floor = metric.floors[i]!;
    if (r.sum <= floor) continue;
    const k = factorFor(tun, i, age);
    const mu = rate * coveredMs(r, i, t, age);
    if (r.sum <= k * mu) continue;
    const d = dispersionFor(s, i);
    const threshold = thresholdOf(mu, d, k, confidence[i]!, floor);
    const ratio = r.sum / threshold;
    if (ratio > bestRatio) {
      bestRatio = ratio;
      best = { scale: i, observed: r.sum, baseline: mu, threshold, dispersion: d };
    }
  }
  return best;
}
