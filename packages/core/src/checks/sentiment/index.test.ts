import { describe, it, expect } from 'vitest';
import Sentiment from 'sentiment';
import type { CheckResult } from '../types.js';
import type { JsonObject } from '../../json.js';
import { sentiment, sentimentOptions, tokenSpans } from './index.js';
import { tokenWords } from './tokens.js';

const signal = new AbortController().signal;

function run(raw: unknown, params: JsonObject): CheckResult {
  const check = sentiment.create(sentimentOptions.parse(raw));
  const result = check.run({ agentId: 'a', actionType: 'social.post', params }, signal);
  if (result instanceof Promise) throw new Error('sentiment must be synchronous');
  return result;
}

/** Each issue of a failed options parse as `path: message`. */
function optionErrors(raw: unknown): string[] {
  const r = sentimentOptions.safeParse(raw);
  if (r.success) throw new Error('expected the options to be rejected');
  return r.error.issues.map((i) => `${i.path.map(String).join('.')}: ${i.message}`);
}

const positive = 'Excited to launch our new app today! Huge thanks to the amazing team.';
const hostile = 'You are all idiots. This is a stupid, pathetic, worthless product and I hate you.';

describe('sentiment scoring', () => {
  it('passes a positive post with full score', () => {
    expect(run({}, { text: positive })).toEqual({ passed: true, score: 1, reason: 'sentiment 0.77 is not below -0.2', findings: [] });
  });

  it('fails a hostile post, pointing at each negative word, most negative first', () => {
    const r = run({}, { text: hostile });
    expect(r).toMatchObject({
      passed: false,
      reason: 'text sentiment -0.60 is below -0.2 (most negative: "hate", "stupid", "pathetic")',
      category: 'negative_sentiment',
    });
    expect(r.score).toBeCloseTo(0.4, 10);
    expect(r.findings).toEqual([
      { message: '"hate" scores -3', field: 'text', span: { start: 72, end: 76 }, match: 'hate' },
      { message: '"stupid" scores -2', field: 'text', span: { start: 30, end: 36 }, match: 'stupid' },
      { message: '"pathetic" scores -2', field: 'text', span: { start: 38, end: 46 }, match: 'pathetic' },
      { message: '"worthless" scores -2', field: 'text', span: { start: 48, end: 57 }, match: 'worthless' },
    ]);
    for (const f of r.findings) expect(hostile.slice(f.span!.start, f.span!.end)).toBe(f.match);
  });

  it('respects the threshold: fails only when strictly below min_score', () => {
    // -2 ("outage") over 10 tokens: exactly -0.2.
    const text = 'Outage: users cannot log in, we are working on it';
    expect(run({}, { text })).toMatchObject({ passed: true, reason: 'sentiment -0.20 is not below -0.2' });
    expect(run({}, { text }).score).toBeCloseTo(0.8, 10);
    expect(run({ min_score: -0.19 }, { text })).toMatchObject({
      passed: false,
      reason: 'text sentiment -0.20 is below -0.19 (most negative: "Outage")',
      findings: [{ message: '"Outage" scores -2', field: 'text', span: { start: 0, end: 6 }, match: 'Outage' }],
    });
    expect(run({ min_score: -1 }, { text: hostile }).passed).toBe(true);
    expect(run({ min_score: 0.9 }, { text: positive }).passed).toBe(false);
  });

  it('maps the comparative score to [0, 1]: neutral and positive are 1, very hostile is 0', () => {
    expect(run({}, { text: 'We shipped version 2.3 with bug fixes.' }).score).toBe(1);
    expect(run({}, { text: 'Fuck this shit' })).toMatchObject({ passed: false, score: 0 });
    expect(run({}, { text: '' })).toMatchObject({ passed: true, score: 1 });
  });

  it('shows a negated positive word together with its negator', () => {
    const text = 'I do NOT like this.\nNot good.';
    const r = run({}, { text });
    expect(r.findings).toEqual([
      { message: '"Not good" scores -3 (negated "good")', field: 'text', span: { start: 20, end: 28 }, match: 'Not good' },
      { message: '"NOT like" scores -2 (negated "like")', field: 'text', span: { start: 5, end: 13 }, match: 'NOT like' },
    ]);
    // "not bad" is negated the other way, and is no finding.
    expect(run({}, { text: 'not bad at all' }).passed).toBe(true);
  });

  it('finds spans in messy text: case, newlines, runs of spaces, and letters whose lower case is longer', () => {
    const text = 'İstanbul trip:  HORRIBLE\n\n\tterrible   hotel…  ugly';
    const r = run({}, { text });
    expect(r.findings.map((f) => [f.match, f.span])).toEqual([
      ['HORRIBLE', { start: 16, end: 24 }],
      ['terrible', { start: 27, end: 35 }],
      ['ugly', { start: 46, end: 50 }],
    ]);
  });

  it('scores each field on its own, skipping missing ones, and reports the worst', () => {
    const r = run({ fields: ['title', 'text', 'missing'] }, { title: 'Terrible news', text: `${positive} ${positive}` });
    expect(r).toMatchObject({ passed: false, reason: 'title sentiment -1.50 is below -0.2 (most negative: "Terrible")' });
    expect(r.score).toBe(0);
    expect(r.findings).toEqual([{ message: '"Terrible" scores -3', field: 'title', span: { start: 0, end: 8 }, match: 'Terrible' }]);
    expect(run({ fields: ['title'] }, { text: hostile, title: 3 })).toEqual({ passed: true, score: 1, reason: 'no text to score', findings: [] });
  });

  it('reports at most 10 words', () => {
    const r = run({}, { text: 'bad '.repeat(30) });
    expect(r.findings).toHaveLength(10);
    expect(r.findings[0]).toEqual({ message: '"bad" scores -3', field: 'text', span: { start: 0, end: 3 }, match: 'bad' });
  });

  it('knows only English', () => {
    expect(run({}, { text: 'Das ist ein schrecklicher, furchtbarer Betrug.' })).toMatchObject({ passed: true, score: 1 });
  });
});

describe('sentiment extras', () => {
  const text = 'Our prices are killing it, no scam';

  it('re-scores and adds words for this check only', () => {
    expect(run({}, { text }).passed).toBe(false);
    const tuned = run({ extras: { killing: 2, scam: 0, acme: -5 } }, { text });
    expect(tuned).toMatchObject({ passed: true, score: 1 });
    expect(run({ extras: { acme: -5 } }, { text: 'Switch from ACME today' }).findings).toEqual([
      { message: '"ACME" scores -5', field: 'text', span: { start: 12, end: 16 }, match: 'ACME' },
    ]);
    // The library merges extras into its shared lexicon; none of that may outlive the call.
    expect(run({}, { text }).passed).toBe(false);
    const plain = new Sentiment().analyze('killing scam acme');
    expect(plain.calculation).toEqual([{ scam: -2 }, { killing: -3 }]);
  });
});

describe('sentiment options', () => {
  it('applies defaults', () => {
    expect(sentimentOptions.parse({})).toEqual({ min_score: -0.2, fields: ['text'] });
  });

  it('rejects bad thresholds, fields and unknown keys', () => {
    expect(optionErrors({ min_score: -6 })).toEqual(['min_score: Too small: expected number to be >=-5']);
    expect(optionErrors({ min_score: '0' })).toEqual(['min_score: Invalid input: expected number, received string']);
    expect(optionErrors({ fields: [] })).toEqual(['fields: Too small: expected array to have >=1 items']);
    expect(optionErrors({ fields: [''] })).toEqual(['fields.0: Too small: expected string to have >=1 characters']);
    expect(optionErrors({ threshold: 0 })).toEqual([': Unrecognized key: "threshold"']);
  });

  it('rejects extras words that could never match, and scores out of range', () => {
    const hint = 'an extras word is one lowercase token, without spaces or any of . , / # ! ? $ % ^ & * ; : { } = _ ` " ~ ( )';
    expect(optionErrors({ extras: { Acme: -2 } })).toEqual([`extras.Acme: "Acme" can never match: ${hint}`]);
    expect(optionErrors({ extras: { 'super bowl': 1 } })).toEqual([`extras.super bowl: "super bowl" can never match: ${hint}`]);
    expect(optionErrors({ extras: { 'u.s.': 1 } })).toEqual([`extras.u.s.: "u.s." can never match: ${hint}`]);
    expect(optionErrors({ extras: { '': 1 } })).toEqual([`extras.: "" can never match: ${hint}`]);
    expect(optionErrors({ extras: { meh: 9 } })).toEqual(['extras.meh: Too big: expected number to be <=5']);
    expect(sentimentOptions.parse({ extras: { "don't": 1, 'self-serving': -2, '🔥': 3 } }).extras).toEqual({ "don't": 1, 'self-serving': -2, '🔥': 3 });
  });
});

describe('tokenSpans', () => {
  it('yields exactly the library tokens, as ranges of the original text', () => {
    // A seeded walk over the characters that matter to the tokenizer.
    const alphabet = ['a', 'B', 'z', ' ', ' ', '  ', '\t', '\n', '\r', '\u00a0', '.', ',', '!', '(', '_', '"', "'", '-', 'İ', 'é', '🙂', 'bad', 'not'];
    let seed = 42;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648);
    const analyzer = new Sentiment();
    for (let n = 0; n < 2000; n++) {
      let s = '';
      const len = next() % 20;
      for (let i = 0; i < len; i++) s += alphabet[next() % alphabet.length];
      const expected = analyzer.analyze(s).tokens;
      const spans = tokenSpans(s);
      expect(tokenWords(s, spans), JSON.stringify(s)).toEqual(expected);
    }
  });

  it('keeps a lone tab inside a token, as the library does', () => {
    expect(tokenWords('a\tb c', tokenSpans('a\tb c'))).toEqual(['a\tb', 'c']);
    expect(tokenSpans('  ')).toEqual([{ start: 2, end: 2 }]);
  });
});
