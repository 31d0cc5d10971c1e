import { DENSE_NAMES, DENSE_SIZE, featurise, WHOLE_NAMES, WINDOW_UNITS, type Unit } from './features.js';

/** The fitted logistic regression: hashed n-gram weights, dense-feature weights and a bias. */
export interface Model {
  readonly bits: number;
  readonly weights: Float32Array;
  readonly dense: Float32Array;
  readonly bias: number;
}

/** What model.ts holds: the weights as base64 of little-endian Float32, plus metadata. */
export interface SerializedModel {
  readonly bits: number;
  readonly windowUnits: number;
  readonly denseNames: readonly string[];
  readonly dense: readonly number[];
  readonly bias: number;
  readonly weights: string;
}

/** Decodes a serialized model, refusing one made for another featuriser. */
export function loadModel(m: SerializedModel): Model {
  const names = [...DENSE_NAMES, ...WHOLE_NAMES];
  if (m.windowUnits !== WINDOW_UNITS || m.denseNames.join() !== names.join() || m.dense.length !== DENSE_SIZE) {
    throw new Error('prompt_injection model.ts was trained with other features; run scripts/train-prompt-injection.mjs');
  }
  const bytes = Buffer.from(m.weights, 'base64');
  const size = 1 << m.bits;
  if (bytes.length !== size * 4) throw new Error(`prompt_injection model.ts holds ${bytes.length} bytes of weights, expected ${size * 4}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const weights = new Float32Array(size);
  for (let i = 0; i < size; i++) weights[i] = view.getFloat32(i * 4, true);
  return { bits: m.bits, weights, dense: Float32Array.from(m.dense), bias: m.bias };
}

export interface Window {
  /** First and last unit, inclusive. */
  a: number;
  b: number;
  logit: number;
}

export interface Scored {
  units: Unit[];
  /** The highest-scoring local window, or null for a text with no units. */
  best: Window | null;
  /** The whole text scored as one window (see WHOLE_NAMES); -Infinity for a text with no units. */
  wholeLogit: number;
  /** Each unit scored as a window of its own, to point findings at single sentences. */
  unitLogits: Float64Array;
}

export const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/** The text's score: its best window, local or whole. */
export const textLogit = (s: Scored): number => Math.max(s.best?.logit ?? -Infinity, s.wholeLogit);

/**
 * Scores every window of 1..WINDOW_UNITS units, and the whole text. A window's n-gram term is the
 * sum of its units' weight sums over the square root of its n-gram count — the same number as the
 * dot product with windowVector() in features.ts, computed in O(1) per window from per-unit sums.
 */
export function scoreText(text: string, model: Model): Scored {
  const units = featurise(text, model.bits);
  const n = units.length;
  const dots = new Float64Array(n);
  for (let u = 0; u < n; u++) {
    let d = 0;
    for (const g of units[u]!.grams) d += model.weights[g]!;
    dots[u] = d;
  }
  const unitLogits = new Float64Array(n);
  const nd = DENSE_NAMES.length;
  const runMax = new Float32Array(nd);
  const share = new Float64Array(nd);
  let best: Window | null = null;
  let allDots = 0;
  let allCount = 0;
  for (let a = 0; a < n; a++) {
    runMax.fill(0);
    let dot = 0;
    let count = 0;
    allDots += dots[a]!;
    allCount += units[a]!.grams.length;
    for (let i = 0; i < nd; i++) share[i]! += units[a]!.dense[i]!;
    for (let b = a; b < Math.min(n, a + WINDOW_UNITS); b++) {
      const unit = units[b]!;
      dot += dots[b]!;
      count += unit.grams.length;
      let logit = model.bias + (count > 0 ? dot / Math.sqrt(count) : 0);
      for (let i = 0; i < nd; i++) {
        const v = Math.max(runMax[i]!, unit.dense[i]!);
        runMax[i] = v;
        logit += v * model.dense[i]!;
      }
      if (b === a) unitLogits[a] = logit;
      if (!best || logit > best.logit) best = { a, b, logit };
    }
  }
  let wholeLogit = -Infinity;
  if (n > 0) {
    wholeLogit = model.bias + model.dense[nd]! + (allCount > 0 ? allDots / Math.sqrt(allCount) : 0);
    for (let i = 0; i < nd; i++) wholeLogit += (share[i]! / n) * model.dense[nd + 1 + i]!;
  }
  return { units, best, wholeLogit, unitLogits };
}
