/**
 * Sliding windows and the noise estimate the thresholds need. All state is plain data (numbers
 * and number arrays), so a snapshot is the state itself and a restore continues bit for bit.
 */

/** The window lengths watched. Short ones are the burst path, long ones catch sustained rises. */
export const SCALES = [
  { label: '10s', ms: 10_000, slots: 10 },
  { label: '1m', ms: 60_000, slots: 12 },
  { label: '10m', ms: 600_000, slots: 10 },
  { label: '1h', ms: 3_600_000, slots: 12 },
  { label: '3h', ms: 10_800_000, slots: 12 },
] as const;

export type WindowLabel = (typeof SCALES)[number]['label'];

/**
 * A window as a ring of sub-buckets: the sum covers the last `slots` sub-buckets, i.e. between
 * (slots − 1) and slots sub-bucket widths. Advancing clears at most `slots` cells, so an
 * observation costs O(1) whatever the gap since the previous one.
 */
export interface Ring {
  cells: number[];
  /** Absolute index (time / width) of the newest cell. */
  head: number;
  sum: number;
}

export function newRing(slots: number): Ring {
  return { cells: new Array<number>(slots).fill(0), head: 0, sum: 0 };
}

export function advanceRing(r: Ring, index: number): void {
  const d = index - r.head;
  if (d <= 0) return;
  const n = r.cells.length;
  if (d >= n) {
    r.cells.fill(0);
    r.sum = 0;
  } else {
    for (let i = 1; i <= d; i++) {
      const j = (r.head + i) % n;
      r.sum -= r.cells[j]!;
      r.cells[j] = 0;
    }
  }
  r.head = index;
}

export function addToRing(r: Ring, x: number): void {
  const j = r.head % r.cells.length;
  r.cells[j] = r.cells[j]! + x;
  r.sum += x;
}

/**
 * How clumped the traffic is at one window length: D = Var(count) / E(count), estimated with the
 * Allan variance of consecutive tumbling windows, Σ(cᵢ − cᵢ₋₁)² / 2Σc. Poisson traffic gives 1; an
 * agent whose tasks make 5 calls in a row gives about 5. Differencing neighbours cancels the slow
 * daily swing, so D measures short-term noise only, and empty windows add nothing to either sum,
 * so a long silence costs nothing to account for. Both sums decay with a half-life.
 */
export interface Dispersion {
  /** Tumbling window (time / length) being filled. */
  index: number;
  current: number;
  previous: number;
  /** Decayed Σ(cᵢ − cᵢ₋₁)² / 2. */
  squares: number;
  /** Decayed Σc. */
  total: number;
  at: number;
}

export function newDispersion(): Dispersion {
  return { index: -1, current: 0, previous: 0, squares: 0, total: 0, at: 0 };
}

/** Closes the window being filled; `cap` winsorises it so an attack cannot teach itself normal. */
export function closeDispersion(d: Dispersion, index: number, at: number, cap: number, halfLifeMs: number): void {
  if (d.index >= 0) {
    const f = 2 ** (-(at - d.at) / halfLifeMs);
    const c = Math.min(d.current, cap);
    const diff = c - d.previous;
    d.squares = d.squares * f + (diff * diff) / 2;
    d.total = d.total * f + c;
    if (index > d.index + 1) {
      // The window after it was empty: one more pair (c, 0); the pairs of empty windows add 0.
      d.squares += (c * c) / 2;
      d.previous = 0;
    } else d.previous = c;
  }
  d.at = at;
  d.index = index;
  d.current = 0;
}

/**
 * D with a prior worth `prior` units of traffic at `floor` (the value for unclumped traffic), so
 * a handful of windows cannot set it, and never below that floor: regular traffic is treated as
 * Poisson, the conservative choice.
 */
export function dispersionOf(d: Dispersion, floor: number, prior: number): number {
  const v = (d.squares + prior * floor) / (d.total + prior);
  return v > floor ? v : floor;
}
