/** Breaker states as reported by `Router.breakerStates()`. */
export type BreakerState = 'closed' | 'open' | 'half_open';

export interface BreakerConfig {
  failures: number;
  windowMs: number;
  cooldownMs: number;
}

/**
 * A per-provider circuit breaker. Closed: requests flow and retryable failures are remembered
 * for `windowMs`; `failures` of them within the window open it. Open: requests are refused
 * until `cooldownMs` passed. Half-open: exactly one probe is let through; its success closes
 * the breaker, its failure opens it for another cooldown.
 *
 * @example
 *   const b = new Breaker({ failures: 5, windowMs: 30_000, cooldownMs: 30_000 }, Date.now);
 *   if (b.tryAcquire()) { try { await call(); b.success(); } catch { b.failure(); } }
 */
export class Breaker {
  private failuresAt: number[] = [];
  private openedAt: number | null = null;
  private probing = false;

  constructor(
    private readonly cfg: BreakerConfig,
    private readonly clock: () => number,
  ) {}

  state(): BreakerState {
    if (this.openedAt === null) return 'closed';
    return this.clock() - this.openedAt >= this.cfg.cooldownMs ? 'half_open' : 'open';
  }

  /** Whether a request may go now; in half-open this admits the single probe and refuses the rest. */
  tryAcquire(): boolean {
    const s = this.state();
    if (s === 'closed') return true;
    if (s === 'open' || this.probing) return false;
    this.probing = true;
    return true;
  }

  /** Milliseconds until the breaker lets a probe through (0 when it would now). */
  retryAfterMs(): number {
    if (this.openedAt === null) return 0;
    return Math.max(0, this.openedAt + this.cfg.cooldownMs - this.clock());
  }

  success(): void {
    if (this.openedAt !== null && this.probing) {
      this.openedAt = null;
      this.failuresAt = [];
    }
    this.probing = false;
  }

  failure(): void {
    const now = this.clock();
    if (this.probing || this.openedAt !== null) {
      this.openedAt = now;
      this.probing = false;
      return;
    }
    this.failuresAt.push(now);
    const since = now - this.cfg.windowMs;
    while (this.failuresAt.length > 0 && (this.failuresAt[0] ?? now) <= since) this.failuresAt.shift();
    if (this.failuresAt.length >= this.cfg.failures) {
      this.openedAt = now;
      this.failuresAt = [];
    }
  }

  /**
   * The request ended without a verdict on the provider's health: it `answered` with a 4xx (so it
   * is up, and a probe counts as a success), or the caller went away (the next request probes).
   */
  release(answered: boolean): void {
    if (answered) this.success();
    else this.probing = false;
  }
}
