import { describe, it, expect } from 'vitest';
import {
  RegExpMatcher,
  englishDataset,
  englishRecommendedBlacklistMatcherTransformers,
  englishRecommendedTransformers,
  englishRecommendedWhitelistMatcherTransformers,
} from 'obscenity';
import type { CheckResult } from '../types.js';
import type { JsonObject } from '../../json.js';
import { Engine } from './engine.js';
import { censorWord, profanity } from './index.js';

const signal = new AbortController().signal;

function run(raw: unknown, params: JsonObject): CheckResult {
  const check = profanity.create(profanity.options.parse(raw));
  expect(check.sync).toBe(true);
  const result = check.run({ agentId: 'a', actionType: 'social.post', params }, signal);
  if (result instanceof Promise) throw new Error('profanity must be synchronous');
  return result;
}

/** The original text under each finding's span, in order. */
function spans(text: string, raw: unknown = {}): string[] {
  return run(raw, { text }).findings.map((f) => text.slice(f.span?.start ?? 0, f.span?.end ?? 0));
}

describe('profanity matching', () => {
  it('flags a swear word with a half-open span, a censored match and a censored copy', () => {
    const r = run({}, { text: 'what the fuck is this shit' });
    expect(r).toMatchObject({ passed: false, score: 0, category: 'profanity', reason: 'found profanity "f**k", "s**t"' });
    expect(r.findings).toEqual([
      { message: 'profanity "f**k"', field: 'text', span: { start: 9, end: 13 }, match: 'f**k' },
      { message: 'profanity "s**t"', field: 'text', span: { start: 22, end: 26 }, match: 's**t' },
    ]);
    expect(r.redacted).toEqual({ text: 'what the f**k is this s**t' });
  });

  it('reads leetspeak, stretched letters and look-alike characters, spanning what was written', () => {
    expect(spans('oh sh1t')).toEqual(['sh1t']);
    expect(spans('fuuuuuck off')).toEqual(['fuuuuuck']);
    expect(spans('ｆｕｃｋ you')).toEqual(['ｆｕｃｋ']);
    expect(spans('kiss my @ss')).toEqual(['@ss']);
  });

  it('counts spans in UTF-16 units across surrogate pairs', () => {
    const text = '💩💩 𝐟𝐮𝐜𝐤 it';
    const r = run({}, { text });
    expect(r.findings[0]?.span).toEqual({ start: 5, end: 13 });
    expect(r.findings[0]?.match).toBe('𝐟**𝐤');
    expect(r.redacted).toEqual({ text: '💩💩 𝐟**𝐤 it' });
  });

  it('leaves innocent words alone', () => {
    for (const text of [
      'Scunthorpe United won',
      'the pen is mightier than the sword',
      'grapes are an asset to any assessment',
      'a classic cocktail at the hoedown',
      'I love bananas so much',
      'this passionate take on abo…',
      'call 4455 now',
      'thanks @SSickStory for the tip',
    ]) {
      expect(run({}, { text })).toEqual({ passed: true, score: 1, reason: 'no profanity', findings: [] });
    }
  });

  it('flags common insults and slurs missing from the obscenity dataset, as whole words', () => {
    expect(spans('shut up hoe! those hoes')).toEqual(['hoe', 'hoes']);
    expect(spans('what a dumbass, stfu')).toEqual(['dumbass', 'stfu']);
    expect(spans('those pussies')).toEqual(['pussies']);
    expect(spans('typical white  trash')).toEqual(['white  trash']);
    expect(spans('spices and a spicy gookbook')).toEqual([]);
  });

  it('censors all but the first and last character', () => {
    expect(censorWord('fuck')).toBe('f**k');
    expect(censorWord('fu')).toBe('f*');
    expect(censorWord('white trash')).toBe('w**** ****h');
  });
});

describe('profanity options', () => {
  it('flags extra words whole, with the same obfuscation handling, telling doubled letters apart', () => {
    expect(spans('FRICK this, fr1ck that, friiiick, fricking', { extra: ['frick'] })).toEqual(['FRICK', 'fr1ck', 'friiiick']);
    expect(spans('but my butt', { extra: ['butt'] })).toEqual(['butt']);
    expect(spans('Acme Corp sucks', { extra: ['acme corp'] })).toEqual(['Acme Corp']);
  });

  it('never flags allowed words, including obfuscated forms of an allowed dataset word', () => {
    expect(run({ allow: ['sex'] }, { text: 'sex education and s3x ed' }).passed).toBe(true);
    expect(spans('Dick Whitman met a dick', { allow: ['Dick Whitman'] })).toEqual(['dick']);
    expect(spans('garden hoes', { allow: ['hoes'] })).toEqual([]);
    expect(spans('fuck', { allow: ['hoes'] })).toEqual(['fuck']);
  });

  it('searches only the named string fields and redacts each', () => {
    const r = run({ fields: ['title', 'body', 'count'] }, { title: 'shit', body: 'ok', text: 'fuck', count: 3 });
    expect(r.findings.map((f) => [f.field, f.span])).toEqual([['title', { start: 0, end: 4 }]]);
    expect(r.redacted).toEqual({ title: 's**t', body: 'ok', text: 'fuck', count: 3 });
  });

  it('has defaults and rejects bad options', () => {
    expect(profanity.options.parse({})).toEqual({ extra: [], allow: [], fields: ['text'] });
    expect(profanity.options.safeParse({ extra: ['ok', '--'] }).error?.issues[0]).toMatchObject({
      path: ['extra', 1],
      message: 'a word needs at least one letter or digit',
    });
    expect(profanity.options.safeParse({ allow: [''] }).success).toBe(false);
    expect(profanity.options.safeParse({ fields: [] }).success).toBe(false);
    expect(profanity.options.safeParse({ list: ['x'] }).success).toBe(false);
  });
});

describe('profanity engine', () => {
  it('finds exactly what obscenity RegExpMatcher finds on its own dataset', () => {
    const built = englishDataset.build();
    const reference = new RegExpMatcher({ ...built, ...englishRecommendedTransformers });
    const engine = new Engine(
      [{ transformers: englishRecommendedBlacklistMatcherTransformers, terms: built.blacklistedTerms }],
      built.whitelistedTerms ?? [],
      englishRecommendedWhitelistMatcherTransformers,
    );
    const texts = [
      'fuck you little bitch', 'ʃ𝐟ʃὗƈｋ ỹоứ 𝔟ⁱẗ𝙘ɦ', 'you are a little fucker', 'fk you', 'ffuk you', 'i like a$$es',
      'the pen is mightier', 'grapes', 'this song seems really banal', 'SHIT 💩 sh1t\nfuuuuck', 'assassin class analysis',
    ];
    const order = (a: { startIndex: number; endIndex: number; termId: number }, b: typeof a) =>
      a.startIndex - b.startIndex || a.endIndex - b.endIndex || a.termId - b.termId;
    for (const t of texts) expect(engine.getAllMatches(t).sort(order), t).toEqual(reference.getAllMatches(t, true));
  });

  it('checks 280-character posts the same way every time (latency is in npm run bench:detectors)', () => {
    const check = profanity.create(profanity.options.parse({}));
    const posts = ['Launching our new espresso blend today, come by the shop. ', 'this is shit, what the fuck. '].map((s) => s.repeat(10).slice(0, 280));
    const results = posts.map((text) => check.run({ agentId: 'a', actionType: 'x', params: { text } }, signal) as { passed: boolean; findings: unknown[] });
    expect(results[0]!.passed).toBe(true);
    expect(results[1]!.passed).toBe(false);
    expect(results[1]!.findings.length).toBeGreaterThanOrEqual(10);
    for (let i = 0; i < 100; i++) expect((check.run({ agentId: 'a', actionType: 'x', params: { text: posts[1]! } }, signal) as { findings: unknown[] }).findings).toHaveLength(results[1]!.findings.length);
  });
});
