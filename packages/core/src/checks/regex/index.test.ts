import { describe, it, expect } from 'vitest';
import type { CheckResult } from '../types.js';
import type { JsonObject } from '../../json.js';
import { MAX_FINDINGS, regex } from './index.js';

const signal = new AbortController().signal;

function run(raw: unknown, params: JsonObject): CheckResult {
  const check = regex.create(regex.options.parse(raw));
  expect(check.sync).toBe(true);
  const result = check.run({ agentId: 'a', actionType: 'social.post', params }, signal);
  if (result instanceof Promise) throw new Error('regex must be synchronous');
  return result;
}

function issue(raw: unknown): { path: PropertyKey[]; message: string } | undefined {
  const r = regex.options.safeParse(raw);
  expect(r.success).toBe(false);
  return r.error?.issues[0];
}

describe('regex deny mode', () => {
  it('flags every match with its span, in reading order, and redacts with the pattern name', () => {
    const patterns = [
      { pattern: 'TICKET-\\d+', name: 'ticket', message: 'internal ticket id' },
      { pattern: 'secret', flags: 'i' },
    ];
    const text = 'See TICKET-42 (SECRET) and TICKET-7.';
    const r = run({ patterns }, { text });
    expect(r).toMatchObject({ passed: false, score: 0, category: 'ticket', reason: 'matched patterns ticket, /secret/i' });
    expect(r.findings).toEqual([
      { message: 'internal ticket id', field: 'text', span: { start: 4, end: 13 }, match: 'TICKET-42' },
      { message: 'matches /secret/i', field: 'text', span: { start: 15, end: 21 }, match: 'SECRET' },
      { message: 'internal ticket id', field: 'text', span: { start: 27, end: 35 }, match: 'TICKET-7' },
    ]);
    expect(r.redacted).toEqual({ text: 'See [TICKET] ([REDACTED]) and [TICKET].' });
  });

  it('passes when nothing matches, and respects case without the i flag', () => {
    expect(run({ patterns: [{ pattern: 'secret' }] }, { text: 'SECRET' })).toEqual({ passed: true, score: 1, reason: 'no pattern matched', findings: [] });
  });

  it('counts spans in UTF-16 units and honours the m, s and u flags', () => {
    expect(run({ patterns: [{ pattern: '\\p{Emoji_Presentation}+', flags: 'u' }] }, { text: 'hi 😀😀!' }).findings[0]?.span).toEqual({ start: 3, end: 7 });
    expect(run({ patterns: [{ pattern: '^b', flags: 'm' }] }, { text: 'a\nb' }).findings[0]?.span).toEqual({ start: 2, end: 3 });
    expect(run({ patterns: [{ pattern: 'a.b', flags: 's' }] }, { text: 'a\nb' }).passed).toBe(false);
    expect(run({ patterns: [{ pattern: 'a.b' }] }, { text: 'a\nb' }).passed).toBe(true);
  });

  it('steps past empty lookaround matches instead of looping', () => {
    const r = run({ patterns: [{ pattern: '(?=foo)' }] }, { text: 'foo foo' });
    expect(r.findings.map((f) => f.span)).toEqual([{ start: 0, end: 0 }, { start: 4, end: 4 }]);
    expect(r.redacted).toEqual({ text: 'foo foo' });
  });

  it(`lists at most ${MAX_FINDINGS} findings but redacts every match`, () => {
    const text = 'x'.repeat(150);
    const r = run({ patterns: [{ pattern: 'x', name: 'x' }] }, { text });
    expect(r.findings).toHaveLength(MAX_FINDINGS);
    expect(r.reason).toBe(`matched pattern x (150 matches, first ${MAX_FINDINGS} listed)`);
    expect(r.redacted).toEqual({ text: '[X]'.repeat(150) });
  });

  it('searches only the named string fields', () => {
    const r = run({ patterns: [{ pattern: 'x' }], fields: ['title', 'n'] }, { title: 'ax', text: 'x', n: 1 });
    expect(r.findings.map((f) => [f.field, f.span])).toEqual([['title', { start: 1, end: 2 }]]);
  });
});

describe('regex require mode', () => {
  const opts = { mode: 'require', fields: ['text', 'caption'], patterns: [{ pattern: '#(ad|sponsored)\\b', flags: 'i', name: 'disclosure' }] };

  it('passes when each pattern matches in some field', () => {
    expect(run(opts, { text: 'Great shoes', caption: 'Thanks! #AD' })).toEqual({ passed: true, score: 1, reason: 'all required patterns found', findings: [] });
  });

  it('fails when a pattern matches nowhere, even twice in a row (no lastIndex leak)', () => {
    const check = regex.create(regex.options.parse(opts));
    for (const text of ['#ad here', 'nothing here', 'nothing here', '#adverb']) {
      const r = check.run({ agentId: 'a', actionType: 'x', params: { text } }, signal) as CheckResult;
      expect(r.passed, text).toBe(text === '#ad here');
      if (!r.passed) {
        expect(r).toMatchObject({ score: 0, reason: 'missing required pattern disclosure', findings: [{ message: 'required pattern disclosure not found' }] });
      }
    }
  });
});

describe('regex options', () => {
  it('has defaults', () => {
    expect(regex.options.parse({ patterns: [{ pattern: 'a' }] })).toEqual({ patterns: [{ pattern: 'a', flags: '' }], mode: 'deny', fields: ['text'] });
  });

  it('rejects invalid regular expressions with the engine message', () => {
    expect(issue({ patterns: [{ pattern: 'ok' }, { pattern: '(unclosed' }] })).toMatchObject({
      path: ['patterns', 1, 'pattern'],
      message: expect.stringMatching(/^invalid regular expression: .*Unterminated group/),
    });
    expect(issue({ patterns: [{ pattern: '\\p{Nope}', flags: 'u' }] })?.message).toMatch(/^invalid regular expression/);
  });

  it('rejects g and y, unknown and repeated flags', () => {
    expect(issue({ patterns: [{ pattern: 'a', flags: 'gi' }] })).toMatchObject({ path: ['patterns', 0, 'flags'], message: expect.stringMatching(/g and y are not allowed/) });
    expect(issue({ patterns: [{ pattern: 'a', flags: 'y' }] })?.message).toMatch(/g and y are not allowed/);
    expect(issue({ patterns: [{ pattern: 'a', flags: 'd' }] })?.message).toBe('flags must be distinct letters from "imsu", got "d"');
    expect(issue({ patterns: [{ pattern: 'a', flags: 'ii' }] })?.message).toMatch(/distinct/);
  });

  it('rejects patterns over 1000 characters, empty ones and ones that match the empty string', () => {
    expect(regex.options.safeParse({ patterns: [{ pattern: 'a'.repeat(1000) }] }).success).toBe(true);
    expect(issue({ patterns: [{ pattern: 'a'.repeat(1001) }] })?.message).toMatch(/longer than 1000 characters/);
    expect(issue({ patterns: [{ pattern: '' }] })?.message).toBe('pattern is empty');
    expect(issue({ patterns: [{ pattern: 'a*' }] })?.message).toMatch(/matches the empty string/);
  });

  it('rejects an empty list, unknown keys, bad names and modes', () => {
    expect(issue({ patterns: [] })?.message).toBe('patterns needs at least one pattern');
    expect(issue({ patterns: [{ pattern: 'a', flag: 'i' }] })?.path).toEqual(['patterns', 0]);
    expect(issue({ patterns: [{ pattern: 'a', name: 'has space' }] })?.path).toEqual(['patterns', 0, 'name']);
    expect(issue({ patterns: [{ pattern: 'a' }], mode: 'allow' })?.path).toEqual(['mode']);
    expect(issue({ patterns: [{ pattern: 'a' }], fields: [] })?.path).toEqual(['fields']);
  });
});
