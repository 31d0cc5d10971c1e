/**
 * A string reduced to its folded letters and digits, with a map back to the original, so that a
 * match found in the compact form can be shown as an exact span of what the agent wrote.
 */
export interface Compacted {
  /** The original string. */
  source: string;
  /** Folded letters and digits only: no case, accents, spaces, punctuation or invisibles. */
  text: string;
  /** For each code unit of `text`, where its source character starts in the original. */
  starts: Int32Array;
  /** ...and where it ends, extended over the combining marks that follow it. */
  ends: Int32Array;
}

// Most posts are mostly ASCII, so it gets a table (0 = separator) instead of normalize().
const ASCII_FOLD = Uint16Array.from({ length: 128 }, (_, c) => {
  const ch = String.fromCharCode(c);
  return /[A-Za-z0-9]/.test(ch) ? ch.toLowerCase().charCodeAt(0) : 0;
});

// Typed buffers and one native decode: building the string by += and the maps by push() went
// superlinear on long Reddit bodies (5 ms for 28k characters).
const utf16 = new TextDecoder('utf-16le');

const MARK = /^\p{M}$/u;
const NOT_LETTER_OR_DIGIT = /[^\p{L}\p{N}]/gu;

/**
 * Folds one code point on its own. Per code point is safe: NFKD decomposes each character
 * independently, and the only context it uses (mark ordering) concerns marks we drop anyway.
 * Lower, upper, lower gives a cheap full case fold: "ẞ" -> "ß" -> "SS" -> "ss", "ς" -> "σ".
 * The second NFKD catches marks that case mapping adds ("İ" lowercases to "i" + dot above).
 */
function foldCodePoint(ch: string): string {
  return ch.normalize('NFKD').toLowerCase().toUpperCase().toLowerCase().normalize('NFKD').replace(NOT_LETTER_OR_DIGIT, '');
}

// Marks are remembered as null: they belong to the letter before them, not a separator.
const cache = new Map<number, string | null>();
// Bounded because the cache is module-wide and text is attacker-influenced.
const CACHE_MAX = 20_000;

function fold(cp: number): string | null {
  let f = cache.get(cp);
  if (f === undefined) {
    const ch = String.fromCodePoint(cp);
    f = MARK.test(ch) ? null : foldCodePoint(ch);
    if (cache.size < CACHE_MAX) cache.set(cp, f);
  }
  return f;
}

/**
 * Compacts `s` for matching.
 *
 * @example compact('Guaranteed-RÉTURNS').text // 'guaranteedreturns'
 */
export function compact(s: string): Compacted {
  let cap = s.length + 16;
  let units = new Uint16Array(cap);
  let starts = new Int32Array(cap);
  let ends = new Int32Array(cap);
  let n = 0;
  for (let i = 0; i < s.length; ) {
    const c = s.charCodeAt(i);
    if (c < 128) {
      // ASCII folds to at most one unit, so this path never outgrows the buffers.
      const f = ASCII_FOLD[c] ?? 0;
      if (f !== 0) {
        units[n] = f;
        starts[n] = i;
        ends[n++] = i + 1;
      }
      i++;
      continue;
    }
    const cp = s.codePointAt(i) ?? c;
    const next = i + (cp > 0xffff ? 2 : 1);
    const f = fold(cp);
    if (f === null) {
      // A decomposed accent ("e" + U+0301) must not split a word, and belongs in its span.
      if (n > 0 && ends[n - 1] === i) ends[n - 1] = next;
    } else {
      // Compatibility forms can expand (U+FDFA is 18 letters), so grow when needed.
      if (n + f.length + (s.length - next) > cap) {
        cap = 2 * cap + f.length;
        units = grow(units, new Uint16Array(cap));
        starts = grow(starts, new Int32Array(cap));
        ends = grow(ends, new Int32Array(cap));
      }
      for (let k = 0; k < f.length; k++) {
        units[n] = f.charCodeAt(k);
        starts[n] = i;
        ends[n++] = next;
      }
    }
    i = next;
  }
  return { source: s, text: utf16.decode(units.subarray(0, n)), starts: starts.subarray(0, n), ends: ends.subarray(0, n) };
}

function grow<T extends Uint16Array | Int32Array>(from: T, to: T): T {
  to.set(from);
  return to;
}

// Scripts written without spaces between words. Requiring a separator next to them would mean
// a Chinese or Thai phrase could only match a whole post, so a boundary there is implied.
const UNSPACED =
  /[\p{sc=Han}\p{sc=Hiragana}\p{sc=Katakana}\p{sc=Hangul}\p{sc=Thai}\p{sc=Lao}\p{sc=Khmer}\p{sc=Myanmar}]/u;

function unspacedAt(c: Compacted, at: number): boolean {
  const cp = c.source.codePointAt(c.starts[at] ?? 0);
  return cp !== undefined && UNSPACED.test(String.fromCodePoint(cp));
}

/**
 * Whether compact position `at` is a word boundary in the original: the first position, the
 * last, one where a separator (neither letter, digit nor mark) lies between the characters on
 * either side, or one next to a script that does not separate words.
 */
export function isBoundary(c: Compacted, at: number): boolean {
  if (at <= 0 || at >= c.text.length) return true;
  const before = c.starts[at - 1] ?? 0;
  const here = c.starts[at] ?? 0;
  if ((c.ends[at - 1] ?? 0) < here) return true;
  // Never inside one character ("가" must not match the start of "각", which folds to 3 jamo).
  if (before === here) return false;
  return unspacedAt(c, at - 1) || unspacedAt(c, at);
}
