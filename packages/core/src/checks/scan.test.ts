import { describe, expect, it } from 'vitest';
import { scanChecks, scanOne } from './scan.js';

describe('scan', () => {
  it('runs the named checks with their options and reports the first flagging category with spans', async () => {
    const checks = await scanChecks(['banned_phrases', 'max_length'], { banned_phrases: { list: ['risk free'] }, max_length: { max: 10 } });
    const r = await scanOne({ id: 7, text: 'A risk-free offer' }, checks);
    expect(r).toMatchObject({ id: 7, flagged: true, category: 'banned_phrase', score: 0 });
    expect(r.findings.map((f) => f.check)).toEqual(['banned_phrases', 'max_length']);
    expect(r.findings[0]!.span).toEqual({ start: 2, end: 11 });
    expect((await scanOne({ id: 8, code: 'ok' }, checks)).flagged).toBe(false);
  });

  it('refuses unknown checks and bad options with a clear message', async () => {
    await expect(scanChecks(['nope'])).rejects.toThrow(/Unknown check "nope"/);
    await expect(scanChecks(['banned_phrases'], { banned_phrases: { list: [] } })).rejects.toThrow(/Options for banned_phrases: list/);
  });

  it('by default uses only the checks that need no options of their own', async () => {
    const names = (await scanChecks(undefined)).map((c) => c.name);
    expect(names).toContain('max_length');
    expect(names).not.toContain('banned_phrases');
  });
});
