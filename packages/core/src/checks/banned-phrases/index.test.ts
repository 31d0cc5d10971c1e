import { describe, it, expect } from 'vitest';
import type { CheckResult } from '../types.js';
import type { JsonObject } from '../../json.js';
import { bannedPhrases, compact } from './index.js';

const signal = new AbortController().signal;

function run(raw: unknown, params: JsonObject): CheckResult {
  const check = bannedPhrases.create(bannedPhrases.options.parse(raw));
  const result = check.run({ agentId: 'a', actionType: 'social.post', params }, signal);
  if (result instanceof Promise) throw new Error('banned_phrases must be synchronous');
  return result;
}

/** The original text of each match, in order. */
function matches(list: string[], text: string): string[] {
  return run({ list }, { text }).findings.map((f) => f.match ?? '');
}

describe('compact', () => {
  it('folds case, accents, compatibility forms and sharp s, and drops separators', () => {
    expect(compact('Guaranteed-RÉTURNS!').text).toBe('guaranteedreturns');
    expect(compact('ﬁnal STRAẞE Straße ①').text).toBe('finalstrassestrasse1');
    expect(compact('ΌΣΟΣ').text).toBe(compact('όσος').text);
  });

  it('grows its buffers when compatibility forms expand', () => {
    const s = 'x\uFDFA'.repeat(50); // one code point that decomposes to 18
    const c = compact(s);
    expect(c.text).toBe(compact(s.normalize('NFKD')).text);
    expect(c.text.length).toBeGreaterThan(s.length * 5);
    expect(c.starts.length).toBe(c.text.length);
    expect(c.ends[c.ends.length - 1]).toBe(s.length);
  });

  it('maps each folded unit back to its original UTF-16 range, marks included', () => {
    const c = compact('a\u0301 ﬁ\u{1D400}');
    expect(c.text).toBe('afia');
    expect(Array.from(c.starts)).toEqual([0, 3, 3, 4]);
    expect(Array.from(c.ends)).toEqual([2, 4, 4, 6]);
  });
});

describe('banned_phrases matching', () => {
  const variants = [
    'Guaranteed Returns',
    'GUARANTÉED   returns',
    'guaranteed-returns',
    'g u a r a n t e e d returns',
    'guaranteed\u200breturns',
    'guaranteed_returns',
    'Gu\u0061\u0308ranteed. Returns',
    'ｇｕａｒａｎｔｅｅｄ returns',
  ];
  for (const v of variants) {
    it(`matches ${JSON.stringify(v)} with a span over exactly that text`, () => {
      const text = `We offer ${v}, today.`;
      const r = run({ list: ['guaranteed returns'] }, { text });
      expect(r).toMatchObject({ passed: false, score: 0, reason: 'found banned phrase "guaranteed returns"' });
      expect(r.findings).toEqual([
        { message: 'banned phrase "guaranteed returns"', field: 'text', span: { start: 9, end: 9 + v.length }, match: v },
      ]);
    });
  }

  it('matches only whole words', () => {
    expect(matches(['scam'], 'this is cam footage')).toEqual([]);
    expect(matches(['scam'], 'a scammer called')).toEqual([]);
    expect(matches(['scam'], 'antiscam tips')).toEqual([]);
    expect(matches(['scam'], 'scam2 is a handle')).toEqual([]);
    expect(matches(['guaranteed returns'], 'unguaranteed returns')).toEqual([]);
    expect(matches(['guaranteed returns'], 'guaranteed returnships')).toEqual([]);
    expect(matches(['scam'], 'Scam! #scam (SCAM)')).toEqual(['Scam', 'scam', 'SCAM']);
  });

  it('keeps a decomposed accent inside its word and its span', () => {
    expect(matches(['cafe'], 'cafe\u0301s')).toEqual([]);
    expect(matches(['cafe'], 'best cafe\u0301 in town')).toEqual(['cafe\u0301']);
  });

  it('finds phrases in scripts without spaces between words, but never inside a character', () => {
    expect(matches(['保证收益'], '我们保证收益很高')).toEqual(['保证收益']);
    expect(matches(['가'], '각')).toEqual([]);
  });

  it('reports every occurrence of every phrase, in reading order, with exact spans', () => {
    const text = 'Risk-free! Guaranteed returns. Totally RISK FREE.';
    const r = run({ list: ['guaranteed returns', 'risk free', 'risk-free'] }, { text });
    expect(r.findings.map((f) => [f.match, f.span])).toEqual([
      ['Risk-free', { start: 0, end: 9 }],
      ['Guaranteed returns', { start: 11, end: 29 }],
      ['RISK FREE', { start: 39, end: 48 }],
    ]);
    expect(r.findings.map((f) => f.message)).toEqual([
      'banned phrase "risk free"',
      'banned phrase "guaranteed returns"',
      'banned phrase "risk free"',
    ]);
    expect(r.reason).toBe('found banned phrases "guaranteed returns", "risk free"');
  });

  it('reports overlapping phrases separately', () => {
    expect(matches(['guaranteed', 'guaranteed returns'], 'guaranteed returns')).toEqual(['guaranteed', 'guaranteed returns']);
  });

  it('passes clean text', () => {
    expect(run({ list: ['scam'] }, { text: 'A fair offer.' })).toEqual({ passed: true, score: 1, reason: 'no banned phrases', findings: [] });
  });
});

describe('banned_phrases fields and options', () => {
  it('searches only the named top-level string fields, skipping missing ones', () => {
    const r = run(
      { list: ['scam'], fields: ['title', 'text', 'missing', 'count'] },
      { title: 'No scam', text: 'scam here', count: 3, nested: { text: 'scam' }, other: 'scam' },
    );
    expect(r.findings.map((f) => [f.field, f.span])).toEqual([
      ['title', { start: 3, end: 7 }],
      ['text', { start: 0, end: 4 }],
    ]);
  });

  it('defaults to the text field', () => {
    expect(bannedPhrases.options.parse({ list: ['x'] })).toEqual({ list: ['x'], fields: ['text'] });
    expect(run({ list: ['scam'] }, { body: 'scam' }).passed).toBe(true);
  });

  it('rejects empty, whitespace-only and punctuation-only phrases with a helpful message', () => {
    for (const bad of ['', '   ', '\u200b', '--']) {
      const r = bannedPhrases.options.safeParse({ list: ['ok', bad] });
      expect(r.success).toBe(false);
      expect(r.error?.issues[0]?.path).toEqual(['list', 1]);
      expect(r.error?.issues[0]?.message).toMatch(/needs at least one letter or digit/);
    }
  });

  it('rejects an empty list, unknown keys and non-string phrases', () => {
    expect(bannedPhrases.options.safeParse({ list: [] }).error?.issues[0]?.message).toBe('list needs at least one phrase');
    expect(bannedPhrases.options.safeParse({ list: ['a'], field: 'text' }).success).toBe(false);
    expect(bannedPhrases.options.safeParse({ list: [1] }).success).toBe(false);
    expect(bannedPhrases.options.safeParse({ list: ['a'], fields: [] }).success).toBe(false);
  });
});

describe('banned_phrases: leetspeak', () => {
  const check = bannedPhrases.create(bannedPhrases.options.parse({ list: ['guaranteed returns', 'risk free', '100% free'] }));
  const run = (text: string) => check.run({ agentId: 'a', actionType: 't', params: { text } }, new AbortController().signal) as CheckResult;

  it('finds leet spellings with spans into the original text', () => {
    const r = run('Get gu4r4nt33d r3turns and a r!sk-fr33 trial');
    expect(r.findings.map((f) => f.match)).toEqual(['gu4r4nt33d r3turns', 'r!sk-fr33']);
    expect(r.findings[0]!.span).toEqual({ start: 4, end: 22 });
  });

  it('does not double-report what the plain pass found, and keeps digits in phrases that have them', () => {
    expect(run('Guaranteed returns, 100% free!').findings.map((f) => f.match)).toEqual(['Guaranteed returns', '100% free']);
    expect(run('Version 3.1 ships on 5/7 at 10:00').passed).toBe(true);
  });
});

describe('banned_phrases: leetspeak needs a leet character inside a word', () => {
  const check = bannedPhrases.create(bannedPhrases.options.parse({ list: ['soon'] }));
  const run = (text: string) => check.run({ agentId: 'a', actionType: 't', params: { text } }, new AbortController().signal) as CheckResult;
  it('still finds s00n, but reads standalone digits as digits', () => {
    expect(run('Coming s00n!').findings.map((f) => f.match)).toEqual(['s00n']);
    expect(run('Coming 5 00 n').passed).toBe(true);
  });
});
