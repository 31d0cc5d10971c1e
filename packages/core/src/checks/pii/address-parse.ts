import {
  EN_SUFFIX,
  ENGLISH_TYPES,
  JOINED_ALONE,
  JOINED_LOOKALIKES,
  JOINED_SUFFIX,
  NEVER_IN_STREET,
  NOT_A_STREET,
  PARTICLE,
  PREFIX_TYPE,
  QUANTITY,
  SEPARATE_TYPE,
  USPS_SUFFIX,
} from './address-words.js';
import { UPPER } from './letters.js';

/** One word of a run found by the address patterns, with its offsets in the text. */
export interface Word {
  text: string;
  start: number;
  end: number;
}

/** A street found in a run: `weak` when it has no street type and needs more evidence. */
export interface Street {
  start: number;
  end: number;
  weak: boolean;
}

const CAPITALISED = new RegExp(String.raw`^(?:[dl]['’])?[${UPPER}]`);
const DIRECTIONS = new Set(['N', 'S', 'E', 'W', 'NE', 'NW', 'SE', 'SW', 'North', 'South', 'East', 'West']);
const UNIT_WORDS = new Set(['apt', 'apartment', 'suite', 'ste', 'unit', 'flat', 'floor', 'fl', 'room', 'rm', 'box', 'no', 'nr', 'bldg', 'building', 'studio']);
const NUMBER_MARK = new Set(['no', 'nr', 'nro', 'núm', 'n°', 'nº']);
const YEAR_WORD = /\b(?:in|since|by|from|until|till|of|before|after|during|circa)\s+$/i;

const bare = (w: string): string => w.replace(/\.$/, '');
const lower = (w: string): string => bare(w).toLowerCase();
const capitalise = (w: string): string => w.charAt(0).toUpperCase() + w.slice(1);

function isName(w: string, caseless: boolean): boolean {
  return caseless || CAPITALISED.test(w) || /^\d/.test(w) || w === 'C/';
}
function isMid(w: string, caseless: boolean): boolean {
  return isName(w, caseless) || PARTICLE.has(w);
}
const isUnit = (w: string): boolean => UNIT_WORDS.has(lower(w));
/** A word that may be part of a street named without a street type. */
const plain = (w: string): boolean => !isUnit(w) && !NEVER_IN_STREET.has(lower(w));

function enSuffix(w: string, caseless: boolean, big: boolean): boolean {
  const key = caseless ? capitalise(lower(w)) : bare(w);
  return EN_SUFFIX.has(key) || (big && USPS_SUFFIX.has(key));
}
function prefixType(w: string, caseless: boolean): boolean {
  return PREFIX_TYPE.has(caseless ? w.toLowerCase() : w);
}
/** "Hauptstraße", "Jacob-Lederer-Straße", "Strasse": a word ending in a continental street type. */
function joined(w: string, caseless: boolean): boolean {
  if (!caseless && !CAPITALISED.test(w)) return false;
  const l = w.toLowerCase();
  if (JOINED_LOOKALIKES.has(l)) return false;
  // "-Ring" only after a hyphen ("Matheo-Rossmann-Ring"): "Engineering", "Spring" end the same way.
  return JOINED_ALONE.has(capitalise(l)) || l.endsWith('-ring') || JOINED_SUFFIX.some((s) => l.length > s.length && l.endsWith(s));
}

/** A house number of three or more digits that is no year: "40803 Braga Field", not "2 Jurassic Park". */
function big(lead: string): boolean {
  const n = /(\d+)\D*$/.exec(lead)?.[1] ?? '';
  return n.length >= 3 && !(n.length === 4 && /^(?:19|20)/.test(n));
}

/** "In 2024 Main Street businesses…": a year, not a house number. */
function yearNotNumber(text: string, start: number): boolean {
  return /^(?:19|20)\d\d /.test(text.slice(start, start + 5)) && YEAR_WORD.test(text.slice(Math.max(0, start - 12), start));
}

/** Whether the number ending at `end` counts something: "Berlin 3 days ago", "Marta 2 times". */
function quantityFollows(text: string, end: number): boolean {
  const next = /^ ?(\p{L}+)/u.exec(text.slice(end, end + 12))?.[1];
  return next !== undefined && QUANTITY.has(next.toLowerCase());
}

/** A street named without a type must start with a name that is not a date, product or book part. */
function weakStart(w: Word, caseless: boolean): boolean {
  return isName(w.text, caseless) && !NOT_A_STREET.has(lower(w.text));
}

/** A number then words: "221B Baker Street", "31 Rue Al Imam", "40803 Braga Field", "0138 Brisas". */
export function parseNumberFirst(text: string, m: RegExpExecArray, w: Word[], caseless: boolean): Street | undefined {
  const lead = m.groups!.lead!;
  const start = m.index;
  if (yearNotNumber(text, start)) return undefined;
  const afterEnd = m.indices!.groups!.after?.[1];
  const n = w.length;
  const endAt = (last: number): number => (last === n - 1 && afterEnd !== undefined ? afterEnd : w[last]!.end);

  if (prefixType(w[0]!.text, caseless)) {
    let last = 0;
    for (let j = 1; j < n && isMid(w[j]!.text, caseless) && !isUnit(w[j]!.text); j++) if (isName(w[j]!.text, caseless)) last = j;
    if (last > 0) return { start, end: endAt(last), weak: caseless || ENGLISH_TYPES.has(w[0]!.text) };
  }

  const k = n > 1 && DIRECTIONS.has(bare(w[0]!.text)) ? 1 : 0;
  if (isName(w[k]!.text, caseless)) {
    let best = -1;
    for (let j = k + 1; j < n && j <= k + 4; j++) {
      if (enSuffix(w[j]!.text, caseless, big(lead))) best = j;
      if (!isMid(w[j]!.text, caseless)) break;
    }
    if (best > 0) {
      const dir = best + 1 < n && DIRECTIONS.has(bare(w[best + 1]!.text));
      return { start, end: w[dir ? best + 1 : best]!.end, weak: caseless };
    }
  }

  // No street type: names only, and only with more evidence (see findAddresses).
  let last = -1;
  for (let j = 0; j < n && j < 4 && isMid(w[j]!.text, caseless) && plain(w[j]!.text); j++) if (isName(w[j]!.text, caseless)) last = j;
  if (last < 0 || !weakStart(w[0]!, caseless) || quantityFollows(text, endAt(last))) return undefined;
  return { start, end: endAt(last), weak: true };
}

/** Words then a number: "Hauptstraße 5", "Via dei Fiorentini 17", "Rákóczi út 66", "5049 Harjukuja 54". */
export function parseNumberLast(text: string, m: RegExpExecArray, w: Word[], caseless: boolean): Street | undefined {
  const leadStart = m.indices!.groups!.lead?.[0];
  const end = m.indices!.groups!.after![1];
  // "Jl. Cempaka No. 1", "Strada Mocanu Nr. 7": the marker belongs to the number.
  const last = w.length > 1 && NUMBER_MARK.has(lower(w[w.length - 1]!.text)) ? w.length - 2 : w.length - 1;
  if (isUnit(w[last]!.text)) return undefined;
  const from = (s: number): number => (s === 0 && leadStart !== undefined ? leadStart : w[s]!.start);

  for (let i = last - 1; i >= 0 && i >= last - 5; i--) {
    if (prefixType(w[i]!.text, caseless) && isName(w[last]!.text, caseless)) {
      return { start: w[i]!.start, end, weak: caseless || ENGLISH_TYPES.has(w[i]!.text) };
    }
    if (!isMid(w[i]!.text, caseless)) break;
  }

  const separate = last > 0 && SEPARATE_TYPE.has(caseless ? w[last]!.text.toLowerCase() : w[last]!.text);
  if (joined(w[last]!.text, caseless) || separate) {
    // Back over the name: capitalised words and particles, or any words before a separate type
    // ("Árpád fejedelem útja 3"); it starts at a capitalised word.
    let s = last;
    for (let j = last - 1; j >= 0 && j >= last - 3 && (separate || isMid(w[j]!.text, caseless)) && plain(w[j]!.text); j--) s = j;
    while (s < last && !isName(w[s]!.text, caseless)) s++;
    if (!separate || s < last) return { start: from(s), end, weak: false };
  }

  // No street type: "Harjukuja 54", "Karl Johans gate 22"; only with more evidence.
  let s = last + 1;
  for (let j = last; j >= 0 && j >= last - 3 && (isMid(w[j]!.text, caseless) || /^\p{Ll}+$/u.test(w[j]!.text)) && plain(w[j]!.text); j--) s = j;
  while (s <= last && !isName(w[s]!.text, caseless)) s++;
  if (s > last || !weakStart(w[s]!, caseless) || quantityFollows(text, end)) return undefined;
  return { start: from(s), end, weak: true };
}

/** A unit then a street with no number: "Flat 12, Kenneth Brook". */
export function parseUnitFirst(m: RegExpExecArray, w: Word[], caseless: boolean): Street | undefined {
  let last = -1;
  for (let j = 0; j < w.length && j < 4 && isMid(w[j]!.text, caseless) && plain(w[j]!.text); j++) if (isName(w[j]!.text, caseless)) last = j;
  if (last < 0 || !weakStart(w[0]!, caseless)) return undefined;
  return { start: m.index, end: w[last]!.end, weak: true };
}
