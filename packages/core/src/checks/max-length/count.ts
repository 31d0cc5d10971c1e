import { findUrls } from './urls.js';
import { PLATFORM_RULES, type Counting, type Platform } from './platforms.js';

/** A length, and where it first went over a limit. */
export interface Measure {
  length: number;
  /** UTF-16 offset in the original text of the first unit past the limit; -1 if within it. */
  overAt: number;
}

// twitter-text v3 weighs in hundredths (scale 100): 100 for the ranges below, 200 for everything
// else, 2300 for a URL, 200 for an emoji sequence. Dividing through by the scale keeps the sums
// in small integers and the results directly comparable with 280.
const URL_WEIGHT = 23;
const EMOJI_WEIGHT = 2;

function charWeight(cp: number): number {
  return cp <= 4351 ||
    (cp >= 8192 && cp <= 8205) ||
    (cp >= 8208 && cp <= 8223) ||
    (cp >= 8242 && cp <= 8247)
    ? 1
    : 2;
}

// An emoji sequence as a grapheme cluster (UAX #29) that starts with an emoji: a flag (two
// regional indicators), a pictograph, or a keycap base; then whatever attaches to it (variation
// selectors, skin tones, tags, the keycap mark) and ZWJ-joined pictographs. Same ranges as
// Intl.Segmenter gives for emoji, at a fraction of the cost (about 90 µs per 280-char post with
// the segmenter, which is most of a check's budget). One difference, on purpose: at most 3 ZWJ
// joins, the most any real emoji has, so a chain of 100 joined emoji is not one character.
const ATTACHED = '[\\p{M}\\p{Emoji_Modifier}\\u200C\\u{E0020}-\\u{E007F}]*';
const EMOJI_SEQUENCE = new RegExp(
  '(?:\\p{Regional_Indicator}{1,2}|\\p{Extended_Pictographic}|[#*0-9](?=\\uFE0F?\\u20E3))' +
    `${ATTACHED}(?:\\u200D(?:\\p{Extended_Pictographic}${ATTACHED})?){0,3}`,
  'gu',
);

/** Emoji sequences as flat [start, end, ...] UTF-16 ranges. */
function emojiRanges(text: string): number[] {
  const out: number[] = [];
  EMOJI_SEQUENCE.lastIndex = 0;
  for (let m = EMOJI_SEQUENCE.exec(text); m !== null; m = EMOJI_SEQUENCE.exec(text)) {
    const seq = m[0];
    // A bare (c) or (R) sign is Extended_Pictographic but twitter-text's emoji list leaves it
    // out, so it keeps its ordinary weight of 1.
    if (seq.length === 1 && seq.charCodeAt(0) <= 4351) continue;
    out.push(m.index, m.index + seq.length);
  }
  return out;
}

/** X's weighted length of `text` (twitter-text v3). */
export function measureWeighted(text: string, limit: number): Measure {
  const nfc = text.normalize('NFC');
  const urls = findUrls(nfc);
  const emoji = emojiRanges(nfc);
  let total = 0;
  let overAt = -1;
  let u = 0;
  let e = 0;
  for (let i = 0; i < nfc.length; ) {
    const start = i;
    // Drop ranges that began inside the previous unit (an emoji inside a URL's path).
    while (u < urls.length && (urls[u] ?? 0) < i) u += 2;
    while (e < emoji.length && (emoji[e] ?? 0) < i) e += 2;
    if (urls[u] === i) {
      total += URL_WEIGHT;
      i = urls[u + 1] ?? i + 1;
      u += 2;
    } else if (emoji[e] === i) {
      total += EMOJI_WEIGHT;
      i = emoji[e + 1] ?? i + 1;
      e += 2;
    } else {
      const cp = nfc.codePointAt(i) ?? 0;
      total += charWeight(cp);
      i += cp > 0xffff ? 2 : 1;
    }
    if (overAt < 0 && total > limit) overAt = start;
  }
  if (overAt >= 0 && nfc !== text) overAt = offsetInOriginal(text, overAt);
  return { length: total, overAt };
}

/**
 * Maps an offset in NFC(text) back to `text`: the longest prefix whose NFC form is no longer
 * than the offset. Approximate where composition crosses the cut, which is fine for a span.
 */
function offsetInOriginal(text: string, nfcOffset: number): number {
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (text.slice(0, mid).normalize('NFC').length <= nfcOffset) lo = mid;
    else hi = mid - 1;
  }
  return clampToCodePoint(text, Math.min(lo, text.length - 1));
}

/** Moves an offset off the second half of a surrogate pair so a span never splits one. */
function clampToCodePoint(text: string, offset: number): number {
  const c = text.charCodeAt(offset);
  return offset > 0 && c >= 0xdc00 && c <= 0xdfff ? offset - 1 : offset;
}

function measureCodePoints(text: string, limit: number): Measure {
  let count = 0;
  let overAt = -1;
  for (let i = 0; i < text.length; i++) {
    if (++count > limit && overAt < 0) overAt = i;
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
    }
  }
  return { length: count, overAt };
}

function measureUtf16(text: string, limit: number): Measure {
  const over = text.length > limit;
  return { length: text.length, overAt: over ? clampToCodePoint(text, limit) : -1 };
}

/** Length of `text` in the given unit, and where it first exceeds `limit`. */
export function measure(counting: Counting, text: string, limit: number): Measure {
  switch (counting) {
    case 'weighted':
      return measureWeighted(text, limit);
    case 'code_points':
      return measureCodePoints(text, limit);
    case 'utf16':
      return measureUtf16(text, limit);
  }
}

/**
 * Length of `text` as `platform` counts it, to compare with that platform's limit.
 *
 * @example
 *   countLength('x', 'https://example.com/a/very/long/path hi') // 26: 23 for the URL + 3
 *   countLength('instagram', 'héllo') // 5
 */
export function countLength(platform: Platform, text: string): number {
  return measure(PLATFORM_RULES[platform].counting, text, Number.POSITIVE_INFINITY).length;
}
