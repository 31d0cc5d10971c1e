import { addressContext, unitsAndPlace } from './address-tail.js';
import { parseNumberFirst, parseNumberLast, parseUnitFirst, type Street, type Word } from './address-parse.js';
import { LETTER } from './letters.js';
import { overlaps, type Hit } from './scan.js';

// The patterns only find runs of words next to a house number; which of those words make a
// street is decided word by word in address-parse.ts. Every quantifier is bounded, so a scan
// costs linear time whatever the text holds.

// A word of a street name: letters with apostrophes, inner dots and hyphens ("St.", "d'Ouchy",
// "El-Jazzar"), an ordinal ("11th"), or "C/" (Spanish "calle").
const WORD = String.raw`(?:C/|\d{1,3}(?:st|nd|rd|th)(?![${LETTER}0-9])|[${LETTER}'’][${LETTER}'’.-]*)`;
const WORDS = String.raw`${WORD}(?: ${WORD}){0,5}`;
const HOUSE = String.raw`\d{1,5}[A-Za-z]?(?:[-/]\d{1,5}[A-Za-z]?)?`;
// The number after a street ("Hauptstraße 5a", "Via Roma, 12/14", "Jl. Cempaka No. 1"); "5G" is not one.
// After a comma it has at most four digits: "Rue de Rivoli, 75001 Paris" ends with a postcode.
const AFTER = String.raw`(?: (?:(?:No|Nr|Nro|Núm|n[°º])\.? ?)?\d{1,5}|, \d{1,4})[A-Ha-h]?(?:[-/]\d{1,5}[A-Ha-h]?)?(?![${LETTER}0-9])`;
const START = String.raw`(?<![${LETTER}0-9_#$€£¥.,:/@&+-])`;

// "221B Baker Street", "31 Rue Al Imam", "975 3968 Bay St" (a second number is a building or unit).
const NUMBER_FIRST = new RegExp(String.raw`${START}(?<lead>(?:\d{1,5} )?${HOUSE}),? (?<words>${WORDS})(?<after>${AFTER})?`, 'gd');
// "Hauptstraße 5", "Via dei Fiorentini 17", "5049 Harjukuja 54".
const NUMBER_LAST = new RegExp(String.raw`${START}(?<lead>\d{1,5} )?(?<words>${WORDS})(?<after>${AFTER})`, 'gd');
// A unit before a street with no number, as UK addresses put it: "Flat 12, Kenneth Brook".
const UNIT_FIRST = new RegExp(String.raw`${START}(?:Flat|Apartment|Apt\.?|Suite|Unit|Studio) [${LETTER}0-9]{1,5},?(?: |\n[ \t]*)(?<words>${WORDS})`, 'gd');

// Armed forces mail ("PSC 3294, Box 9168 / APO AA 61487", "USNS Bergman / FPO AP 93757") and PO boxes.
const MILITARY = new RegExp(
  String.raw`(?<![${LETTER}0-9])(?:(?:USNS|USNV|USS|USCGC|USAV) [${LETTER}]+(?: [${LETTER}]+)?|(?:PSC|CMR|Unit) \d{1,5},? Box \d{1,5})[ \t]*(?:,[ \t]*|\n[ \t]*)?(?:APO|FPO|DPO) (?:AA|AE|AP) \d{5}(?!\d)`,
  'gi',
);
const PO_BOX = /(?<![A-Za-z0-9])(?:P\.? ?O\.? ?Box|Post Office Box|(?:PSC|CMR|Unit) \d{1,5},? Box) \d{1,6}(?!\d)/gi;

/** The words of a match's `words` group with their offsets in the text (they are one space apart). */
function wordsOf(m: RegExpExecArray): Word[] {
  const [at] = m.indices!.groups!.words!;
  const out: Word[] = [];
  let start = at;
  for (const text of m.groups!.words!.split(' ')) {
    out.push({ text, start, end: start + text.length });
    start += text.length + 1;
  }
  return out;
}

function collect(re: RegExp, text: string, parse: (m: RegExpExecArray, words: Word[]) => Street | undefined, out: Street[]): void {
  re.lastIndex = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const street = parse(m, wordsOf(m));
    if (street) out.push(street);
    // The number closing a run may open the next street ("2019-2024 plans stay. See you at 10
    // Downing St"), so the scan goes on from there, or from the end of what was taken. The parse
    // has tried every start within the run, so nothing before is lost.
    const after = m.indices!.groups!.after?.[0] ?? m.index + m[0].length;
    re.lastIndex = Math.max(m.index + 1, street && street.end < after ? street.end : after);
  }
}

/**
 * Street addresses: US and UK ("123 Main Street", "10 Downing St", "221B Baker Street, Flat 2"),
 * continental ("Hauptstraße 5", "Via Roma 12", "31 Rue de la Paix", "Rákóczi út 66"), PO boxes
 * and armed-forces addresses, each with its units ("Apt. 4") and a following city, state and
 * postcode. A name and a number with no street type count only where the text says it is an
 * address ("lives at", "address:") or a unit or postcode follows.
 */
export function findAddresses(text: string, hits: Hit[]): void {
  const streets: Street[] = [];
  for (const re of [MILITARY, PO_BOX]) {
    re.lastIndex = 0;
    for (let m = re.exec(text); m; m = re.exec(text)) streets.push({ start: m.index, end: m.index + m[0].length, weak: false });
  }
  // When a text has no capital letters at all, capitals cannot tell a name from a word.
  const caseless = !/\p{Lu}/u.test(text);
  collect(NUMBER_LAST, text, (m, w) => parseNumberLast(text, m, w, caseless), streets);
  collect(NUMBER_FIRST, text, (m, w) => parseNumberFirst(text, m, w, caseless), streets);
  collect(UNIT_FIRST, text, (m, w) => parseUnitFirst(m, w, caseless), streets);
  // Streets with a street type claim their span before those without, each in reading order.
  streets.sort((a, b) => a.start - b.start);
  for (const s of streets) if (!s.weak) push(text, hits, s);
  for (const s of streets) if (s.weak) push(text, hits, s);
}

/** Adds the street with its units and place, unless it overlaps another find or, found without a street type, lacks evidence. */
function push(text: string, hits: Hit[], s: Street): void {
  if (overlaps(hits, s.start, s.end)) return;
  const tail = unitsAndPlace(text, s.end);
  if (s.weak && !tail.unit && !tail.postcode && !tail.streetWord && !addressContext(text, s.start)) return;
  const end = overlaps(hits, s.start, tail.end) ? s.end : tail.end;
  hits.push({ entity: 'address', start: s.start, end, key: text.slice(s.start, end).toLowerCase().replace(/\s+/g, ' ') });
}
