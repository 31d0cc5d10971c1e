import type { Span } from '../types.js';

/**
 * Longest unit scored on its own. A run of text with no sentence end (minified HTML, a base64
 * blob) is cut here, so no unit — and no window of a few units — grows with the input.
 */
export const MAX_UNIT = 400;

/** Sentence ends: . ! ? and their CJK forms, followed by a space or the end of the text. */
const SENTENCE_END = /[.!?。！？]+["'”’)\]]*(?=\s|$)|[。！？]/g;

/**
 * Splits text into units: lines, then sentences within a line, then MAX_UNIT slices of overlong
 * sentences (at a space when there is one). Spans are trimmed of surrounding space and never
 * empty; the walk is one pass over the text.
 */
export function segment(text: string): Span[] {
  const out: Span[] = [];
  let lineStart = 0;
  while (lineStart <= text.length) {
    let lineEnd = text.indexOf('\n', lineStart);
    if (lineEnd < 0) lineEnd = text.length;
    // Searched within the line only: a search running on past the line end would rescan the
    // rest of the text for every line, quadratic on text with no sentence ends.
    const line = text.slice(lineStart, lineEnd);
    let s = lineStart;
    SENTENCE_END.lastIndex = 0;
    for (let m = SENTENCE_END.exec(line); m !== null; m = SENTENCE_END.exec(line)) {
      const end = lineStart + m.index + m[0].length;
      pushTrimmed(text, s, end, out);
      s = end;
    }
    pushTrimmed(text, s, lineEnd, out);
    lineStart = lineEnd + 1;
  }
  return out;
}

function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13) || c === 0xa0 || c === 0x3000 || c === 0xfeff;
}

function pushTrimmed(text: string, start: number, end: number, out: Span[]): void {
  while (start < end && isSpace(text.charCodeAt(start))) start++;
  while (end > start && isSpace(text.charCodeAt(end - 1))) end--;
  while (end - start > MAX_UNIT) {
    // Cut at the last space in the second half of the slice, else hard at MAX_UNIT.
    let cut = start + MAX_UNIT;
    for (let i = cut; i > start + MAX_UNIT / 2; i--) {
      if (isSpace(text.charCodeAt(i))) {
        cut = i;
        break;
      }
    }
    out.push({ start, end: cut });
    start = cut;
    while (start < end && isSpace(text.charCodeAt(start))) start++;
  }
  if (end > start) out.push({ start, end });
}
