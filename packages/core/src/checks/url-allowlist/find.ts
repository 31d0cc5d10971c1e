import { findUrls } from '../max-length/urls.js';

// Links as a reader's platform would follow them. findUrls (X's counting rules) covers http(s)
// URLs and ASCII bare domains with a real TLD, so "Node.js" is not a link. An allowlist must
// also see what it ignores: other schemes ("javascript:", "ftp://"), the sloppy http forms
// browsers accept ("https:/evil.com", "https:\\evil.com"), and bare internationalised domains
// ("bücher.de", "пример.рф", "раураl.com" in Cyrillic), where findUrls would see only an ASCII
// tail such as "cher.de", or nothing.

// Not after a letter, so "metadata:" and "xhttps:" are not links; each scheme needs what makes
// it a link after the colon, so "Data:5GB" and "JavaScript: the good parts" are prose.
const OTHER_SCHEME =
  /(?<![\p{L}\p{N}\p{M}+.-])(?:(?:javascript|vbscript):(?=[^\s<>"])|data:[a-z]+\/|file:[/\\]|blob:[a-z]|(?!https?:)[a-z][a-z0-9+.-]*:(?=[/\\]{2})|https?:(?!\/\/)(?=[^\s<>"]))[^\s<>"]*/giu;

const LABEL = '[\\p{L}\\p{N}\\p{M}](?:[\\p{L}\\p{N}\\p{M}_-]*[\\p{L}\\p{N}\\p{M}])?';
const IDN_BARE = new RegExp(
  `(?<![\\p{L}\\p{N}\\p{M}@$#_./-])((?:${LABEL}\\.)+(\\p{L}[\\p{L}\\p{M}]{1,62}))(?![\\p{L}\\p{N}\\p{M}@+-])(?::\\d{1,5})?(?:[/?#][^\\s<>"]*)?`,
  'gu',
);
const NON_ASCII = /[^\x00-\x7f]/;

// Internationalised ccTLDs in use; a non-ASCII "TLD" outside these is prose ("Привет.Как").
const IDN_TLDS = new Set(
  'рф укр срб бел қаз мкд мон бг ею ελ հայ გე 中国 中國 香港 台灣 台湾 新加坡 澳門 한국 ไทย ලංකා இந்தியா भारत ישראל مصر السعودية امارات ایران قطر الاردن المغرب الجزائر تونس سورية عمان پاکستان'.split(' '),
);

const asciiTlds = new Map<string, boolean>();
/** Whether findUrls links a bare domain with this ASCII TLD (two labels dodge its "readme.md" rule). */
function knownTld(tld: string): boolean {
  const key = tld.toLowerCase();
  let known = asciiTlds.get(key);
  if (known === undefined) {
    known = findUrls(`a.b.${key}`).length > 0;
    if (asciiTlds.size < 1000) asciiTlds.set(key, known);
  }
  return known;
}

// Sentence punctuation after a link is not part of it, as in findUrls.
const TRAILING = new Set(Array.from('.,:;!?\'"*)]}>…', (c) => c.charCodeAt(0)));

function trimEnd(text: string, start: number, end: number): number {
  while (end > start && TRAILING.has(text.charCodeAt(end - 1))) {
    // Keep a ")" that closes one inside the link, as in Wikipedia's "Foo_(bar)".
    if (text.charCodeAt(end - 1) === 0x29 && count(text, start, end, 0x28) >= count(text, start, end, 0x29)) break;
    end--;
  }
  return end;
}

function count(text: string, start: number, end: number, c: number): number {
  let n = 0;
  for (let i = start; i < end; i++) if (text.charCodeAt(i) === c) n++;
  return n;
}

/** Link candidates in `text` as ascending, non-overlapping [start, end) ranges, flat. */
export function findLinks(text: string): number[] {
  const found: [number, number][] = [];
  const urls = findUrls(text);
  for (let i = 0; i < urls.length; i += 2) found.push([urls[i]!, urls[i + 1]!]);
  if (text.indexOf(':') >= 0) {
    OTHER_SCHEME.lastIndex = 0;
    for (let m = OTHER_SCHEME.exec(text); m !== null; m = OTHER_SCHEME.exec(text)) {
      const end = trimEnd(text, m.index, m.index + m[0].length);
      if (end > m.index) found.push([m.index, end]);
    }
  }
  if (NON_ASCII.test(text) && text.indexOf('.') >= 0) {
    IDN_BARE.lastIndex = 0;
    for (let m = IDN_BARE.exec(text); m !== null; m = IDN_BARE.exec(text)) {
      const host = m[1] ?? '';
      const tld = m[2] ?? '';
      if (!NON_ASCII.test(host)) continue; // findUrls has these
      if (NON_ASCII.test(tld) ? !IDN_TLDS.has(tld.toLowerCase()) : !knownTld(tld)) continue;
      const end = trimEnd(text, m.index, m.index + m[0].length);
      found.push([m.index, end]);
    }
  }
  // The earliest start wins, then the longest: "bücher.de" over its tail "cher.de".
  found.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
  const out: number[] = [];
  for (const [start, end] of found) {
    if (out.length > 0 && start < out[out.length - 1]!) continue;
    out.push(start, end);
  }
  return out;
}
