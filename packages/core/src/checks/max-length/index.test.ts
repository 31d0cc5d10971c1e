import { describe, it, expect } from 'vitest';
import type { CheckResult } from '../types.js';
import type { JsonObject } from '../../json.js';
import { countLength, maxLength } from './index.js';
import { findUrls } from './urls.js';

const signal = new AbortController().signal;

function run(raw: unknown, params: JsonObject): CheckResult {
  const check = maxLength.create(maxLength.options.parse(raw));
  const result = check.run({ agentId: 'a', actionType: 'social.post', params }, signal);
  if (result instanceof Promise) throw new Error('max_length must be synchronous');
  return result;
}

const FAMILY = '\u{1F468}\u200D\u{1F469}\u200D\u{1F467}\u200D\u{1F466}';

describe('countLength', () => {
  it('counts ASCII as 1 and CJK as 2 on x', () => {
    expect(countLength('x', 'a'.repeat(280))).toBe(280);
    expect(countLength('x', '漢'.repeat(140))).toBe(280);
    expect(countLength('x', '漢'.repeat(141))).toBe(282);
  });

  it('gives the weight-1 ranges weight 1 on x (Latin, Cyrillic, general punctuation)', () => {
    expect(countLength('x', 'éñж')).toBe(3);
    expect(countLength('x', '\u2014\u2019\u2032')).toBe(3); // em dash, quote, prime
    expect(countLength('x', '\u2026\u2122')).toBe(4); // ellipsis and trade mark are outside them
  });

  it('counts every URL as 23 on x, with or without a scheme', () => {
    expect(countLength('x', `https://example.com/${'a'.repeat(100)}`)).toBe(23);
    expect(countLength('x', 'go to example.com/path now')).toBe(6 + 23 + 4);
    expect(countLength('x', 'see http://t.co.')).toBe(4 + 23 + 1);
  });

  it('does not count file names, emails or abbreviations as URLs', () => {
    expect(countLength('x', 'Node.js')).toBe(7);
    expect(countLength('x', 'readme.md')).toBe(9);
    expect(countLength('x', 'me@example.com')).toBe(14);
    expect(countLength('x', 'e.g. U.S.')).toBe(9);
  });

  it('counts an emoji sequence as 2 on x, however many code points it has', () => {
    expect(countLength('x', FAMILY)).toBe(2);
    expect(countLength('x', '\u{1F44D}\u{1F3FD}')).toBe(2); // thumbs up + skin tone
    expect(countLength('x', '\u{1F1EB}\u{1F1F7}')).toBe(2); // flag
    expect(countLength('x', '1\uFE0F\u20E3')).toBe(2); // keycap
    expect(countLength('x', '\u00A9 2025')).toBe(6); // bare (c) keeps weight 1
  });

  it('counts emoji sequences as Intl.Segmenter groups them', () => {
    const emoji = [
      FAMILY, '\u2764\uFE0F', '\u{1F3F3}\uFE0F\u200D\u{1F308}', '\u{1F9D1}\u{1F3FD}\u200D\u{1F4BB}',
      '\u{1F441}\uFE0F\u200D\u{1F5E8}\uFE0F', '\u{1F3F4}\u{E0067}\u{E0062}\u{E0065}\u{E006E}\u{E0067}\u{E007F}',
      '#\uFE0F\u20E3', '*\u20E3', '\u{1F1FA}\u{1F1F8}', '\u263A', '\u{1F44B}\u{1F3FF}', '\u00A9\uFE0F',
    ];
    const segmenter = new Intl.Segmenter('en', { granularity: 'grapheme' });
    const text = emoji.join(' and ') + ' \u{1F1EB}\u{1F1F7}\u{1F1E9}';
    let expected = 0;
    for (const { segment } of segmenter.segment(text)) {
      expected += /[\p{Extended_Pictographic}\p{Regional_Indicator}\u20E3]/u.test(segment) ? 2 : 1;
    }
    expect(countLength('x', text)).toBe(expected);
    for (const e of emoji) expect(countLength('x', `a${e}b`)).toBe(4);
  });

  it('does not let a long ZWJ chain pass as one emoji', () => {
    // Two sequences of 4 (3 joins each, the most a real emoji has) and the ZWJ between them.
    expect(countLength('x', Array(8).fill('\u{1F600}').join('\u200D'))).toBe(5);
  });

  it('normalises to NFC before counting on x', () => {
    expect(countLength('x', 'e\u0301')).toBe(1);
  });

  it('counts code points on instagram and UTF-16 units on tiktok', () => {
    expect(countLength('instagram', '\u{1F600}')).toBe(1);
    expect(countLength('tiktok', '\u{1F600}')).toBe(2);
    expect(countLength('linkedin', 'https://example.com')).toBe(19);
  });
});

describe('findUrls', () => {
  it('returns ranges without trailing sentence punctuation', () => {
    expect(findUrls('see example.com/a. ok')).toEqual([4, 17]);
    expect(findUrls('(https://en.wikipedia.org/wiki/Foo_(bar))')).toEqual([1, 40]);
    expect(findUrls('a https://x.io b www.example.org')).toEqual([2, 14, 17, 32]);
  });
});

describe('max_length on x', () => {
  it('passes 280 ASCII characters and fails 281 with a span from the 281st', () => {
    expect(run({}, { platform: 'x', text: 'a'.repeat(280) })).toMatchObject({ passed: true, score: 1 });
    const r = run({}, { platform: 'x', text: 'a'.repeat(281) });
    expect(r.passed).toBe(false);
    expect(r.score).toBeCloseTo(280 / 281);
    expect(r.findings).toEqual([
      { message: 'x allows 280 weighted characters; this has 281', field: 'text', span: { start: 280, end: 281 } },
    ]);
  });

  it('accepts the twitter alias in any case', () => {
    expect(run({}, { platform: 'Twitter', text: 'a'.repeat(301) }).findings[0]?.message).toBe(
      'x allows 280 weighted characters; this has 301',
    );
  });

  it('fails 141 CJK characters with the span starting at the character that crosses 280', () => {
    const text = '漢'.repeat(141);
    expect(run({}, { platform: 'x', text: '漢'.repeat(140) }).passed).toBe(true);
    expect(run({}, { platform: 'x', text }).findings[0]?.span).toEqual({ start: 140, end: 141 });
  });

  it('maps the span back to the original string when the text was not NFC', () => {
    const text = 'e\u0301'.repeat(281);
    const r = run({}, { platform: 'x', text });
    expect(r.findings[0]?.message).toBe('x allows 280 weighted characters; this has 281');
    expect(r.findings[0]?.span).toEqual({ start: 560, end: 562 });
  });

  it('keeps the span off the second half of a surrogate pair', () => {
    const r = run({}, { platform: 'x', text: 'a'.repeat(279) + '\u{1F600}' });
    expect(r.passed).toBe(false);
    expect(r.findings[0]?.span).toEqual({ start: 279, end: 281 });
  });
});

describe('max_length on other platforms', () => {
  it('applies 2200 on instagram', () => {
    expect(run({ platform: 'instagram' }, { text: 'a'.repeat(2200) }).passed).toBe(true);
    const r = run({ platform: 'instagram' }, { text: 'a'.repeat(2201) });
    expect(r.findings[0]).toMatchObject({ message: 'instagram allows 2200 characters; this has 2201', span: { start: 2200, end: 2201 } });
  });

  it('counts UTF-16 units on tiktok, so 1100 emoji fit and 1101 do not', () => {
    expect(run({}, { platform: 'tiktok', text: '\u{1F600}'.repeat(1100) }).passed).toBe(true);
    const r = run({}, { platform: 'tiktok', text: '\u{1F600}'.repeat(1101) });
    expect(r.findings[0]?.message).toBe('tiktok allows 2200 UTF-16 code units; this has 2202');
    expect(r.findings[0]?.span).toEqual({ start: 2200, end: 2202 });
  });

  it('applies 3000 on linkedin', () => {
    expect(run({}, { platform: 'linkedin', text: 'a'.repeat(3000) }).passed).toBe(true);
    expect(run({}, { platform: 'linkedin', text: 'a'.repeat(3001) }).passed).toBe(false);
  });

  it('checks the reddit title against 300 and the body against 40000', () => {
    const ok = run({}, { platform: 'reddit', title: 't'.repeat(300), text: 'b'.repeat(40000) });
    expect(ok.passed).toBe(true);
    const r = run({}, { platform: 'reddit', title: 't'.repeat(330), text: 'b'.repeat(40001) });
    expect(r.findings).toEqual([
      { message: 'reddit allows 40000 characters; this has 40001', field: 'text', span: { start: 40000, end: 40001 } },
      { message: 'reddit allows 300 characters in a title; this has 330', field: 'title', span: { start: 300, end: 330 } },
    ]);
    expect(r.score).toBeCloseTo(300 / 330);
    expect(run({}, { platform: 'reddit', text: 'body only' }).passed).toBe(true);
    expect(run({}, { platform: 'reddit', title: 5, text: 'b' }).findings[0]?.message).toBe('param "title" must be a string, not number');
  });
});

describe('max_length options and failures', () => {
  it('lets limits override a platform, keeping its unit, and add new ones', () => {
    const opts = { limits: { twitter: 25000, bluesky: 300 } };
    expect(run(opts, { platform: 'x', text: '漢'.repeat(12500) }).passed).toBe(true);
    expect(run(opts, { platform: 'x', text: '漢'.repeat(12501) }).findings[0]?.message).toContain('25000 weighted');
    expect(run(opts, { platform: 'Bluesky', text: 'a'.repeat(301) }).findings[0]?.message).toBe(
      'bluesky allows 300 characters; this has 301',
    );
  });

  it('reads the text and platform from the configured params, with a fixed platform winning', () => {
    expect(run({ field: 'body', platform_field: 'network' }, { network: 'x', body: 'a'.repeat(281) }).findings[0]?.field).toBe('body');
    expect(run({ platform: 'linkedin' }, { platform: 'x', text: 'a'.repeat(281) }).passed).toBe(true);
  });

  it('uses max when there is no platform, or an unknown one', () => {
    expect(run({ max: 10 }, { text: 'a'.repeat(10) }).passed).toBe(true);
    expect(run({ max: 10 }, { text: 'a'.repeat(11) }).findings[0]?.message).toBe('the limit is 10 characters; this has 11');
    expect(run({ max: 10 }, { platform: 'myspace', text: 'a'.repeat(11) }).passed).toBe(false);
  });

  it('fails, not passes, when it cannot tell which limit applies', () => {
    const unknown = run({}, { platform: 'myspace', text: 'hi' });
    expect(unknown).toMatchObject({ passed: false, score: 0 });
    expect(unknown.findings[0]?.message).toMatch(/^unknown platform "myspace"/);
    const none = run({}, { text: 'hi' });
    expect(none).toMatchObject({ passed: false, score: 0 });
    expect(none.findings[0]?.message).toBe('no platform: param "platform" is missing and no max set');
    expect(run({}, { platform: ' ', text: 'hi' }).findings[0]?.message).toBe(
      'no platform: param "platform" is empty and no max set',
    );
  });

  it('fails when the text is missing or not a string', () => {
    expect(run({}, { platform: 'x' }).findings).toEqual([{ message: 'param "text" is missing', field: 'text' }]);
    expect(run({}, { platform: 'x', text: ['a'] }).findings[0]?.message).toBe('param "text" must be a string, not an array');
    expect(run({}, { platform: 'x', text: null }).score).toBe(0);
  });

  it('rejects bad options at parse time', () => {
    const parse = (raw: unknown) => maxLength.options.safeParse(raw);
    expect(parse({ platform: 'instagarm' }).error?.issues[0]?.message).toMatch(/unknown platform "instagarm"/);
    expect(parse({ platform: 'mastodon', limits: { mastodon: 500 } }).success).toBe(true);
    expect(parse({ limits: { x: 0 } }).success).toBe(false);
    expect(parse({ limits: { x: 300, Twitter: 400 } }).success).toBe(false);
    expect(parse({ max: 1.5 }).success).toBe(false);
    expect(parse({ maxLength: 10 }).success).toBe(false);
    expect(maxLength.options.parse({})).toEqual({ field: 'text', platform_field: 'platform' });
  });
});
