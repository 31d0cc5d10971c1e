import { randomBytes } from 'node:crypto';

/** Injectable time source (invariant 7): tests and replays pass a fixed or stepping clock. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock tests can move by hand. */
export function manualClock(start = Date.UTC(2026, 0, 1)): Clock & { advance(ms: number): void; set(ms: number): void } {
  let t = start;
  return {
    now: () => t,
    advance: (ms) => {
      t += ms;
    },
    set: (ms) => {
      t = ms;
    },
  };
}

/** Injectable id source. Ids sort by creation time, which keyset pagination relies on. */
export interface IdGenerator {
  next(prefix: string): string;
}

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

function encodeTime(ms: number): string {
  let out = '';
  let t = ms;
  for (let i = 0; i < 10; i++) {
    out = CROCKFORD[t % 32] + out;
    t = Math.floor(t / 32);
  }
  return out;
}

/**
 * ULID-style ids (48-bit time, then an 80-bit random part that increments within one
 * millisecond so ids stay strictly ordered even at tens of thousands per millisecond). The
 * random part is kept as base-32 digits and incremented in place: no BigInt on the hot path.
 */
export function ulidGenerator(clock: Clock = systemClock, random: (n: number) => Buffer = randomBytes): IdGenerator {
  let lastMs = -1;
  let timePart = '';
  const digits = new Array<number>(16).fill(0);
  return {
    next(prefix: string): string {
      const ms = Math.max(clock.now(), lastMs);
      if (ms !== lastMs) {
        lastMs = ms;
        timePart = encodeTime(ms);
        const bytes = random(16);
        // The top digit stays below 16 so a millisecond's increments cannot overflow the part.
        for (let i = 0; i < 16; i++) digits[i] = bytes[i]! & (i === 0 ? 15 : 31);
      } else {
        let i = 15;
        while (i >= 0 && digits[i] === 31) digits[i--] = 0;
        if (i >= 0) digits[i]!++;
      }
      let rand = '';
      for (let i = 0; i < 16; i++) rand += CROCKFORD[digits[i]!];
      return `${prefix}_${timePart}${rand}`;
    },
  };
}

/** Deterministic ids for tests: prefix_000001, prefix_000002, … */
export function sequentialIds(): IdGenerator {
  let n = 0;
  return { next: (prefix) => `${prefix}_${String(++n).padStart(8, '0')}` };
}
