import { describe, expect, it } from 'vitest';
import { failureForStatus, parseDuration, parseRetryAfter } from './http.js';

describe('retry-after parsing', () => {
  it('prefers retry-after-ms, then retry-after seconds or date, then exhausted x-ratelimit resets', () => {
    expect(parseRetryAfter({ 'retry-after-ms': '250.5', 'retry-after': '9' })).toBe(251);
    expect(parseRetryAfter({ 'retry-after': '2' })).toBe(2000);
    expect(parseRetryAfter({ 'retry-after': new Date(10_000 + 5000).toUTCString() }, 10_000)).toBe(5000);
    expect(parseRetryAfter({ 'x-ratelimit-reset-requests': '1s', 'x-ratelimit-remaining-requests': '0', 'x-ratelimit-reset-tokens': '6m0s', 'x-ratelimit-remaining-tokens': '900' })).toBe(1000);
    expect(parseRetryAfter({})).toBeUndefined();
  });

  it('parses Go-style durations', () => {
    expect(parseDuration('20ms')).toBe(20);
    expect(parseDuration('1h2m3.5s')).toBe(3_723_500);
    expect(parseDuration('soon')).toBeUndefined();
  });

  it('maps statuses to failures', () => {
    expect([429, 500, 529, 401, 403, 400, 404, 408].map(failureForStatus)).toEqual(['rate_limited', 'server', 'server', 'auth', 'auth', 'client', 'client', 'timeout']);
  });
});
