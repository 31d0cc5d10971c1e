/**
 * Token bucket per key: `perMinute` tokens, refilled continuously. Held in memory per instance;
 * shared limits across instances come with the runtime guards.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  take(key: string, perMinute: number, now: number): { ok: true; remaining: number } | { ok: false; retryAfterMs: number } {
    const ratePerMs = perMinute / 60_000;
    let b = this.buckets.get(key);
    if (!b) this.buckets.set(key, (b = { tokens: perMinute, at: now }));
    b.tokens = Math.min(perMinute, b.tokens + (now - b.at) * ratePerMs);
    b.at = now;
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return { ok: true, remaining: Math.floor(b.tokens) };
    }
    return { ok: false, retryAfterMs: Math.ceil((1 - b.tokens) / ratePerMs) };
  }
}
