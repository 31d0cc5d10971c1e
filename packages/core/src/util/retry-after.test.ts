import { describe, expect, it } from 'vitest';
import { retryAfterValueMs } from './retry-after.js';

describe('retryAfterValueMs', () => {
  const now = Date.parse('Sat, 10 Jan 2026 12:00:00 GMT');
  it('reads delay-seconds (rounded up) and HTTP dates, and nothing else', () => {
    expect(retryAfterValueMs(' 30 ', now)).toBe(30_000);
    expect(retryAfterValueMs('0.2505', now)).toBe(251);
    expect(retryAfterValueMs('Sat, 10 Jan 2026 12:01:30 GMT', now)).toBe(90_000);
    expect(retryAfterValueMs('Sat, 10 Jan 2026 11:00:00 GMT', now)).toBe(0);
    for (const bad of ['soon', '-5', '', null, undefined]) expect(retryAfterValueMs(bad, now)).toBeUndefined();
  });
});
