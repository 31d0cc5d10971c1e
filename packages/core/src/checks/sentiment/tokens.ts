import type { Span } from '../types.js';

/** Characters the library's tokenizer turns into spaces (sentiment 5, lib/tokenize.js). */
const SEPARATOR = /[\n.,/#!?$%^&*;:{}=_`"~()]/g;
/** After that it collapses runs of two or more whitespace characters and splits on a single space. */
const SPLIT = /\s{2,}| /g;

/**
 * Where each of the library's tokens sits in `text`: the same tokens in the same order as
 * `tokenize(text)` in sentiment 5, but as ranges of the original string. Only the ranges are
 * computed here; the words themselves are lower-cased per token, so a character whose lower
 * case is longer ("İ") cannot shift the offsets of the rest.
 */
export function tokenSpans(text: string): Span[] {
  const t = text.replace(SEPARATOR, ' ');
  let start = 0;
  let end = t.length;
  while (start < end && /\s/.test(t[start]!)) start++;
  while (end > start && /\s/.test(t[end - 1]!)) end--;
  if (start === end) return [{ start, end }];
  const spans: Span[] = [];
  SPLIT.lastIndex = start;
  let from = start;
  for (let m = SPLIT.exec(t); m !== null && m.index < end; m = SPLIT.exec(t)) {
    spans.push({ start: from, end: m.index });
    from = m.index + m[0].length;
  }
  spans.push({ start: from, end });
  return spans;
}

/** The token texts of `spans`, lower-cased as the library compares them. */
export function tokenWords(text: string, spans: readonly Span[]): string[] {
  return spans.map((s) => text.slice(s.start, s.end).toLowerCase());
}

/** True when two token lists are the same: then spans found here line up with the library's tokens. */
export function sameTokens(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((w, i) => w === b[i]);
}
