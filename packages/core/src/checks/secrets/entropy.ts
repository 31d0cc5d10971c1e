/** A detector's raw hit: what kind of secret, where, in UTF-16 offsets of the scanned string. */
export interface Hit {
  type: string;
  start: number;
  end: number;
}

/** Shannon entropy of `s` in bits per UTF-16 unit: log2 of the alphabet for uniform noise, 0 for "aaaa". */
export function shannonEntropy(s: string): number {
  if (s.length === 0) return 0;
  const counts = new Map<number, number>();
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  let h = 0;
  for (const n of counts.values()) {
    const p = n / s.length;
    h -= p * Math.log2(p);
  }
  return h;
}

// Fillers people type where a secret goes (xxxx, ****, ####, ..., a cut-off `abc..`), and words
// that mark an example. Words must keep one case (here, HERE, Here): random mixed case spells
// "hErE" far more often than "here", and long keys would otherwise hit words by chance.
const FILLER = /x{4,}|X{4,}|\*{3,}|#{3,}|\.{3,}|\.\.$|…|_{4,}/;
const MARKERS = ['example', 'sample', 'dummy', 'placeholder', 'your', 'here', 'redacted', 'changeme', 'fake', 'insert', 'replace'];
const cased = (w: string) => [w, w.toUpperCase(), w.charAt(0).toUpperCase() + w.slice(1)];
const PLACEHOLDER_WORD = new RegExp(
  [...MARKERS.flatMap(cased), 'change_me', 'CHANGE_ME', 'not_?a_?real', 'NOT_?A_?REAL'].join('|') +
    String.raw`|\b(?:null|none|undefined|true|false|NULL|NONE|TRUE|FALSE)\b`,
);
// Variable references and templates: $VAR, ${x}, {{x}}, <x>, %x%, #{x}, process.env.X, func(...);
// a real key has no brackets.
const REFERENCE = /^(?:\$|%|@|#\{|\[)|[<>{}]|process\.env|os\.environ|getenv|\(\s*\)?$|\w\(/i;

/** True when most of `s` is one character (`aaaa`, `glc_1111…`). */
function isOneCharFill(s: string): boolean {
  const counts = new Map<string, number>();
  let top = 0;
  for (const c of s) {
    const n = (counts.get(c) ?? 0) + 1;
    counts.set(c, n);
    if (n > top) top = n;
  }
  return top * 2 > s.length;
}

/** True when `s` runs an ascending sequence of 6 (123456, abcdef), which random keys almost never do. */
function isSequential(s: string): boolean {
  let run = 1;
  for (let i = 1; i < s.length; i++) {
    run = s.charCodeAt(i) === s.charCodeAt(i - 1) + 1 ? run + 1 : 1;
    if (run >= 6) return true;
  }
  return false;
}

/**
 * True for text standing in for a secret rather than being one: `xxxx`, `****`, `<your key>`,
 * `${API_KEY}`, `your-api-key-here`, `aaaaaaaa`, `1234567890abcdef`.
 */
export function isPlaceholder(value: string): boolean {
  if (FILLER.test(value) || REFERENCE.test(value)) return true;
  // Past a few hundred characters, random text spells "here" or "true" by chance.
  if (value.length <= 256 && PLACEHOLDER_WORD.test(value)) return true;
  if (isOneCharFill(value) || isSequential(value)) return true;
  // A placeholder is still one when base64-encoded ("ZHVtbXkgdGV4dA==" is "dummy text").
  const decoded = decodeBase64Text(value);
  return decoded !== null && decoded !== value && isPlaceholder(decoded);
}

/** The text `value` decodes to when it is base64 of printable ASCII, else null. */
function decodeBase64Text(value: string): string | null {
  if (value.length < 8 || value.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(value)) return null;
  const decoded = Buffer.from(value, 'base64').toString('latin1');
  return /^[\x20-\x7e\t\r\n]+$/.test(decoded) ? decoded : null;
}

const INSTRUCTION = new RegExp(['here', 'your', 'placeholder', 'redacted', 'changeme'].flatMap(cased).join('|'));

/**
 * The looser test for secretlint's matches, which already have a vendor's exact shape: only
 * fillers and instructions (`ghp_xxxx…`, `glc_1111…`, `…TokenHere`). "Example" stays a match,
 * since vendors' own documented examples are allow-listed by secretlint itself.
 */
export function isMaskedFill(value: string): boolean {
  return FILLER.test(value) || INSTRUCTION.test(value) || isOneCharFill(value.replace(/^[A-Za-z]{2,6}[_-]/, ''));
}
