import { describe, expect, it } from 'vitest';
import { findingsFor, segments } from './highlight';

describe('segments', () => {
  it('cuts text at finding spans (UTF-16 units)', () => {
    const text = 'Try 🚀 guaranteed returns now';
    const start = text.indexOf('guaranteed');
    const f = { message: 'banned', field: 'text', span: { start, end: start + 'guaranteed returns'.length } };
    const s = segments(text, [f]);
    expect(s.map((x) => x.text)).toEqual(['Try 🚀 ', 'guaranteed returns', ' now']);
    expect(s[1]!.findings).toEqual([f]);
    expect(s[0]!.findings).toEqual([]);
    expect(s.map((x) => x.text).join('')).toBe(text);
  });
  it('splits overlapping findings so each piece knows every finding covering it', () => {
    const a = { message: 'a', span: { start: 0, end: 6 } };
    const b = { message: 'b', span: { start: 3, end: 9 } };
    const s = segments('abcdefghij', [a, b]);
    expect(s.map((x) => [x.text, x.findings.map((f) => f.message).join('')])).toEqual([
      ['abc', 'a'],
      ['def', 'ab'],
      ['ghi', 'b'],
      ['j', ''],
    ]);
  });
  it('clamps spans past the end and drops empty ones', () => {
    const s = segments('short', [{ message: 'x', span: { start: 3, end: 99 } }, { message: 'y', span: { start: 2, end: 2 } }]);
    expect(s.map((x) => [x.text, x.findings.length])).toEqual([
      ['sho', 0],
      ['rt', 1],
    ]);
  });
  it('collects findings of one field from every check', () => {
    const checks = [
      { name: 'banned_phrases', passed: false, score: 0, reason: '', findings: [{ message: 'm', field: 'text', span: { start: 0, end: 1 } }, { message: 'n', field: 'title', span: { start: 0, end: 1 } }] },
      { name: 'pii', passed: true, score: 1, reason: '', findings: [{ message: 'no span', field: 'text' }] },
    ];
    expect(findingsFor(checks, 'text')).toEqual([{ message: 'm', field: 'text', span: { start: 0, end: 1 }, check: 'banned_phrases' }]);
  });
});
