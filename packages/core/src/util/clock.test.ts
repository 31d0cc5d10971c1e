import { describe, expect, it } from 'vitest';
import { manualClock, ulidGenerator } from './clock.js';

describe('ulidGenerator', () => {
  it('keeps ids strictly increasing within one millisecond and across milliseconds', () => {
    const clock = manualClock();
    const ids = ulidGenerator(clock);
    const seen: string[] = [];
    for (let i = 0; i < 50_000; i++) {
      if (i % 10_000 === 0) clock.advance(1);
      seen.push(ids.next('act'));
    }
    for (let i = 1; i < seen.length; i++) expect(seen[i]! > seen[i - 1]!).toBe(true);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen[0]).toMatch(/^act_[0-9A-HJKMNP-TV-Z]{26}$/);
  });

  it('carries the increment across digits (a random part ending in the top digit)', () => {
    const ids = ulidGenerator(manualClock(), () => Buffer.from(Array.from({ length: 16 }, (_, i) => (i < 14 ? 0 : 31))));
    const a = ids.next('x');
    const b = ids.next('x');
    expect(a.endsWith('ZZ')).toBe(true);
    expect(b.endsWith('100')).toBe(true);
    expect(b > a).toBe(true);
  });

  it('never goes backwards when the clock does', () => {
    const clock = manualClock(Date.UTC(2026, 5, 1));
    const ids = ulidGenerator(clock);
    const a = ids.next('x');
    clock.advance(-5000);
    expect(ids.next('x') > a).toBe(true);
  });
});
