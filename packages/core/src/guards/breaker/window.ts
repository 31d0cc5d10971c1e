/**
 * Calls and errors over a sliding window, in fixed buckets: O(1) per call and bounded memory,
 * at the price of the window edge moving a bucket at a time (1/30 of the window).
 */
export class SlidingCounts {
  private readonly calls: Float64Array;
  private readonly errors: Float64Array;
  private readonly bucketMs: number;
  private head = 0;
  private headStart = 0;
  private totalCalls = 0;
  private totalErrors = 0;

  constructor(windowMs: number, buckets = 30) {
    this.calls = new Float64Array(buckets);
    this.errors = new Float64Array(buckets);
    this.bucketMs = Math.max(1, Math.ceil(windowMs / buckets));
  }

  private advance(now: number): void {
    const n = this.calls.length;
    if (this.totalCalls === 0) {
      this.headStart = now - (now % this.bucketMs);
      return;
    }
    let steps = Math.floor((now - this.headStart) / this.bucketMs);
    if (steps <= 0) return;
    if (steps > n) steps = n;
    for (let i = 0; i < steps; i++) {
      this.head = (this.head + 1) % n;
      this.totalCalls -= this.calls[this.head]!;
      this.totalErrors -= this.errors[this.head]!;
      this.calls[this.head] = 0;
      this.errors[this.head] = 0;
    }
    this.headStart = now - (now % this.bucketMs);
  }

  add(ok: boolean, now: number): void {
    this.advance(now);
    this.calls[this.head]! += 1;
    this.totalCalls += 1;
    if (!ok) {
      this.errors[this.head]! += 1;
      this.totalErrors += 1;
    }
  }

  read(now: number): { calls: number; errors: number } {
    this.advance(now);
    return { calls: this.totalCalls, errors: this.totalErrors };
  }

  reset(): void {
    this.calls.fill(0);
    this.errors.fill(0);
    this.totalCalls = 0;
    this.totalErrors = 0;
  }
}
