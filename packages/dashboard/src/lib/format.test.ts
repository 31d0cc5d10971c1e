import { describe, expect, it } from 'vitest';
import { ago, capLevel, capShare, duration, pct, usd } from './format';

describe('format', () => {
  it('prints micro-USD as dollars, keeping sub-cent amounts visible', () => {
    expect(usd(0)).toBe('$0.00');
    expect(usd(1_234_567)).toBe('$1.23');
    expect(usd(1_500_000_000)).toBe('$1,500.00');
    expect(usd(2500)).toBe('$0.0025');
  });
  it('bands spend against a cap', () => {
    expect(capLevel(10, null)).toBe('none');
    expect(capLevel(69, 100)).toBe('ok');
    expect(capLevel(70, 100)).toBe('warn');
    expect(capLevel(95, 100)).toBe('danger');
    expect(capLevel(1, 0)).toBe('danger');
    expect(capShare(150, 100)).toBe(1);
    expect(capShare(25, 100)).toBe(0.25);
    expect(capShare(25, null)).toBeNull();
  });
  it('prints ratios, durations and ages', () => {
    expect(pct(0)).toBe('0%');
    expect(pct(0.25)).toBe('25%');
    expect(pct(0.034)).toBe('3.4%');
    expect(pct(Number.NaN)).toBe('–');
    expect(duration(250)).toBe('250 ms');
    expect(duration(1500)).toBe('1.5 s');
    expect(duration(90_000)).toBe('1.5 min');
    const now = Date.parse('2026-01-01T12:00:00Z');
    expect(ago('2026-01-01T11:59:50Z', now)).toBe('just now');
    expect(ago('2026-01-01T11:30:00Z', now)).toBe('30 min ago');
    expect(ago('2025-12-30T12:00:00Z', now)).toBe('2 d ago');
  });
});
