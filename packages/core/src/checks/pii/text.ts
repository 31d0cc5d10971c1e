import { overlaps, type Hit } from './scan.js';

// ---------------------------------------------------------------- email

const LOCAL_CHAR = /[\p{L}\p{N}._%+'-]/u;
const DOMAIN_CHAR = /[\p{L}\p{N}.-]/u;
const ALNUM = /[\p{L}\p{N}]/u;
const LABEL = /^[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?$/u;
// The top-level domain at the start of the last label: "ioHi" and "comはBasic" are a domain run
// into the next word with no space, so the address ends at "io" and "com".
const TLD_HEAD = /^(?:xn--[a-z0-9-]*[a-z0-9]|XN--[A-Z0-9-]*[A-Z0-9]|[A-Z]?[a-z]+|[A-Z]+|[^\x00-\x7F]+)/u;
const LETTERS = /^\p{L}{2,63}$/u;
// "logo@2x.png" is an image name, not an address.
const FILE_TLD = new Set(['png', 'jpg', 'jpeg', 'gif', 'svg', 'webp', 'bmp', 'ico', 'css', 'js']);

/**
 * Email addresses. Found by walking out from each "@" rather than by one regex, so the cost
 * stays linear in the text whatever it holds.
 */
export function findEmails(text: string, hits: Hit[]): void {
  for (let at = text.indexOf('@'); at >= 0; at = text.indexOf('@', at + 1)) {
    let start = at;
    while (start > 0 && LOCAL_CHAR.test(text[start - 1]!)) start--;
    while (start < at && !ALNUM.test(text[start]!)) start++;
    const local = text.slice(start, at);
    if (local.length === 0 || local.length > 64 || local.endsWith('.') || local.includes('..')) continue;

    let end = at + 1;
    while (end < text.length && DOMAIN_CHAR.test(text[end]!)) end++;
    const labels = text.slice(at + 1, end).split('.');
    // Trailing sentence punctuation, or a trailing piece that is not a top-level domain.
    while (labels.length > 1 && !trimTld(labels)) labels.pop();
    if (labels.length < 2 || !labels.every((l) => LABEL.test(l))) continue;
    if (inUrlUserinfo(text, start)) continue;
    if (FILE_TLD.has(labels[labels.length - 1]!.toLowerCase())) continue;
    end = at + 1 + labels.join('.').length;
    if (overlaps(hits, start, end)) continue;
    hits.push({ entity: 'email', start, end, key: text.slice(start, end).toLowerCase() });
  }
}

/** Cuts the last label down to its top-level-domain head; false when it has none. */
function trimTld(labels: string[]): boolean {
  const last = labels[labels.length - 1]!;
  const head = TLD_HEAD.exec(last)?.[0];
  if (head === undefined || head.length < 2 || !(head.startsWith('xn--') || head.startsWith('XN--') || LETTERS.test(head))) return false;
  labels[labels.length - 1] = head;
  return true;
}

/**
 * "https://user:pass@host" is a URL with credentials (the secrets checks' business), not an
 * email address at "pass@host". "mailto:" has no "//", so it still counts.
 */
function inUrlUserinfo(text: string, start: number): boolean {
  if (text[start - 1] !== ':') return false;
  let i = start - 1;
  while (i > 0 && !/\s/.test(text[i - 1]!) && start - i < 300) i--;
  return text.slice(i, start).includes('://');
}

// ---------------------------------------------------------------- street address

// USPS (Publication 28) and common UK street suffixes, leaving out ones that are mostly ordinary
// words after a number ("3 Lakes", "2 Stations").
const SUFFIXES = [
  'Street', 'St', 'Str', 'Avenue', 'Ave', 'Av', 'Road', 'Rd', 'Boulevard', 'Blvd', 'Lane', 'Ln',
  'Drive', 'Dr', 'Court', 'Ct', 'Place', 'Pl', 'Square', 'Sq', 'Terrace', 'Ter', 'Way', 'Parkway',
  'Pkwy', 'Highway', 'Hwy', 'Circle', 'Cir', 'Trail', 'Trl', 'Close', 'Crescent', 'Cres',
  'Gardens', 'Gdns', 'Grove', 'Row', 'Mews', 'Walk', 'Hill', 'Plaza', 'Loop', 'Alley', 'Expressway',
  'Freeway', 'Pike', 'Crossing', 'Heights', 'Ridge', 'Rise', 'Wharf', 'Quay', 'Parade', 'Esplanade',
  'Causeway', 'Bypass', 'Turnpike', 'Lodge', 'Forge', 'Forges', 'Dale', 'Radial', 'Hollow', 'Glen',
  'Meadow', 'Meadows', 'Vale', 'Cove', 'Creek', 'Gateway', 'Junction', 'Manor', 'Terr',
];
const SUFFIX = [...SUFFIXES, ...SUFFIXES.map((s) => s.toUpperCase())].join('|');
const NAME = String.raw`(?:\p{Lu}[\p{L}\p{M}'’-]*|(?:St|Mt|Ft)\.|\d{1,3}(?:st|nd|rd|th))`;
const DIRECTION = String.raw`(?:N|S|E|W|NE|NW|SE|SW|North|South|East|West)\.?`;
const UNIT = String.raw`(?:,? (?:Apt|Apartment|Suite|Ste|Unit|Flat|Floor|Fl|Room|Rm)\.? ?#? ?[\p{L}\p{N}-]{1,6}(?![\p{L}\p{N}])|,? #\d{1,5}(?!\d))`;
const STREET = new RegExp(
  String.raw`(?<![\p{L}\p{N}_#$€£¥.,:/-])[1-9]\d{0,4}[A-Z]?(?:-\d{1,4})?,? (?:${DIRECTION} )?(?:${NAME} ){1,4}(?:${SUFFIX})\.?(?![\p{L}\p{N}])${UNIT}?`,
  'gu',
);
const PO_BOX = /\b(?:P\.? ?O\.? ?Box|Post Office Box|(?:PSC|CMR|Unit) \d{1,5},? Box) \d{1,6}(?!\d)/giu;

const YEAR = /^(?:19|20)\d\d /;
const YEAR_WORD = /\b(?:in|since|by|from|until|till|of|before|after|during|circa)\s+$/i;

/** "In 2024 Main Street businesses…": a year, not a house number. */
function yearNotNumber(text: string, start: number): boolean {
  return YEAR.test(text.slice(start, start + 5)) && YEAR_WORD.test(text.slice(Math.max(0, start - 12), start));
}

/** Street addresses in US and UK style ("123 Main Street", "10 Downing St", "221B Baker Street, Flat 2") and PO boxes. */
export function findAddresses(text: string, hits: Hit[]): void {
  for (const re of [STREET, PO_BOX]) {
    re.lastIndex = 0;
    for (let m = re.exec(text); m; m = re.exec(text)) {
      const start = m.index;
      const end = start + m[0].length;
      if (overlaps(hits, start, end) || (re === STREET && yearNotNumber(text, start))) continue;
      hits.push({ entity: 'address', start, end, key: m[0].toLowerCase().replace(/\s+/g, ' ') });
    }
  }
}
