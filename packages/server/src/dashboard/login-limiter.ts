/** How failed sign-ins slow down guessing: a few free tries, then a lock that doubles. */
export interface LoginLimiterOptions {
  /** Failures within `windowMs` before the name is locked (default 5). */
  maxFailures?: number;
  windowMs?: number;
  /** The first lock; each further failure doubles it, up to `maxLockMs`. */
  baseLockMs?: number;
  maxLockMs?: number;
  now?: () => number;
}

interface Entry {
  failures: number;
  firstAt: number;
  lockedUntil: number;
}

/** Names tracked at most; beyond that the oldest are forgotten (a flood of names cannot exhaust memory). */
const MAX_NAMES = 10_000;

/**
 * Per-name sign-in throttle, in memory (per instance). Locks a name, not an address, so an
 * attacker spreading guesses over many addresses is still slowed; a lock is short, so a real
 * operator locked out by someone else's guesses gets back in within minutes.
 *
 * @example
 *   const wait = limiter.check('ann'); // 0, or ms until the next try
 */
export function loginLimiter(opts: LoginLimiterOptions = {}) {
  const maxFailures = opts.maxFailures ?? 5;
  const windowMs = opts.windowMs ?? 15 * 60_000;
  const baseLockMs = opts.baseLockMs ?? 30_000;
  const maxLockMs = opts.maxLockMs ?? 15 * 60_000;
  const now = opts.now ?? Date.now;
  const names = new Map<string, Entry>();
  const key = (name: string) => name.toLowerCase().slice(0, 64);
  return {
    /** Milliseconds until this name may try again; 0 when it may now. */
    check(name: string): number {
      const e = names.get(key(name));
      return e ? Math.max(0, e.lockedUntil - now()) : 0;
    },
    failed(name: string): void {
      const k = key(name);
      const t = now();
      let e = names.get(k);
      if (!e || t - e.firstAt > windowMs) e = { failures: 0, firstAt: t, lockedUntil: 0 };
      e.failures++;
      if (e.failures >= maxFailures) e.lockedUntil = t + Math.min(maxLockMs, baseLockMs * 2 ** (e.failures - maxFailures));
      names.delete(k);
      names.set(k, e);
      if (names.size > MAX_NAMES) names.delete(names.keys().next().value!);
    },
    succeeded(name: string): void {
      names.delete(key(name));
    },
  };
}

export type LoginLimiter = ReturnType<typeof loginLimiter>;
