import { LETTER, UPPER } from './letters.js';

// What surrounds a street: the units and place after it, and the words before it that say an
// address follows. A street written without a street type ("Harjukuja 54") needs one of these.

// Line breaks in a mail signature or a quoted reply may carry a marker ("> Suite 318").
const BREAK = String.raw`\n[ \t>*•·?-]{0,5}`;

// "Apt. 4", ", Suite 300", a new line with "Flat B", "#603". The unit's id has a digit or is one letter.
const UNIT = new RegExp(
  String.raw`(?:[ \t]*,?[ \t]*(?:${BREAK})?(?:Apt|Apartment|Suite|Ste|Unit|Flat|Floor|Fl|Room|Rm|Bldg|Building)\.? ?#? ?(?:\d[${LETTER}0-9-]{0,5}|[${LETTER}])|[ \t]*,?[ \t]*#\d{1,5})(?![${LETTER}0-9])`,
  'iy',
);

// "Rua Mina 50 street", "Hoge Wei 32 St.": the writer named the street type after the number.
const STREET_WORD = /\.?[ \t]+(?:street|str?\.?|road|avenue)(?![A-Za-z])/iy;

// One part of the place after a street: city, region or country words with a postcode before or
// after them, or either alone. Postcodes: US ZIP, four to six digits as in most of Europe and
// India, "123 45", "00-590", "1015 CJ", Brazil's "31575-464", UK and Canadian postcodes.
const POSTCODE = String.raw`(?:\d{4,6}(?:-\d{3,4})?|\d{3} \d{2}|\d{2}-\d{3}|\d{4} ?[A-Z]{2}|[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}|[A-Z]\d[A-Z] ?\d[A-Z]\d)(?![${LETTER}0-9])`;
const SEP = String.raw`[ \t]*(?:,[ \t]*(?:${BREAK})?|${BREAK}(?:,[ \t]*)?| {2,})`;
function placePart(flags: string): RegExp {
  const word = String.raw`(?:[${UPPER}][${LETTER}'’.-]*|\([${UPPER}][${LETTER}'’ .-]{0,30}\)|de|del|la|le|du|di|da|do|am|an|im|nad|sur|upon|on|the)`;
  const words = String.raw`${word}(?:[ \t]${word}){0,3}`;
  const gap = String.raw`[ \t]*(?:${BREAK})?[ \t]*`;
  return new RegExp(
    String.raw`${SEP}(?:(?<named>${words})${gap}(?<code>${POSTCODE})|(?<first>${POSTCODE})[ \t]+(?<town>${words})|(?<words>${words})|(?<only>${POSTCODE}))`,
    flags,
  );
}
const PLACE_CASED = placePart('y');
const PLACE_CASELESS = placePart('iy');

export interface Tail {
  /** Where the address ends: after its units and, when a postcode closes it, its place. */
  end: number;
  unit: boolean;
  postcode: boolean;
  streetWord: boolean;
}

/** Units and place that follow a street ending at `end`. */
export function unitsAndPlace(text: string, end: number): Tail {
  const out: Tail = { end, unit: false, postcode: false, streetWord: false };
  STREET_WORD.lastIndex = end;
  if (STREET_WORD.test(text)) {
    out.streetWord = true;
    return out;
  }
  for (let i = 0; i < 3; i++) {
    UNIT.lastIndex = out.end;
    if (!UNIT.test(text)) break;
    out.end = UNIT.lastIndex;
    out.unit = true;
  }
  // Up to four parts ("Toronto / , ON / Canada 82269"); the place counts only up to a postcode.
  const place = /\p{Lu}/u.test(text) ? PLACE_CASED : PLACE_CASELESS;
  let at = out.end;
  let named = false;
  for (let i = 0; i < 4; i++) {
    place.lastIndex = at;
    const m = place.exec(text);
    if (!m) break;
    at = place.lastIndex;
    const g = m.groups!;
    if (g.words !== undefined) named = true;
    // A postcode next to a place name; a bare number after a comma ("…, 2004") is as likely a year.
    if (g.code !== undefined || g.first !== undefined || (named && g.only !== undefined)) {
      named = true;
      out.end = at;
      out.postcode = true;
    }
  }
  // "…, 75001 Paris." ends the sentence, not the town.
  if (out.postcode && text[out.end - 1] === '.') out.end--;
  return out;
}

// Words that say an address comes next, anywhere shortly before it. "address" counts as a noun
// ("my address", "address:"), not as a verb ("to address Issue 42"), and not as an email, IP or
// wallet address.
const LABEL = new RegExp(
  [
    String.raw`(?<!(?:e-?mail|ip|ipv[46]|mac|web|wallet|memory|url|server|network|bitcoin|btc|ethereum|eth|contract|crypto|hex) )address(?:es)?\s*(?::|-|=|\bis\b|\bwas\b|\bof\b|\bto\b|\bwith\b|\bfor\b|\bat\b|\bas\b|\bin\b)`,
    String.raw`\b(?:my|his|her|our|your|their|the|new|old|home|work|billing|shipping|mailing|postal|delivery|street|residential|business|office|return|physical|full|correct|same|primary|secondary|permanent|current) address`,
    String.raw`\baddressed to\b`,
  ].join('|'),
  'u',
);

// Verbs say so only right before the street ("lives at 5 Elm", "meet Tuesday at Locavore, 641
// Dašická 688"): in "I live at home with 2 Golden Retrievers" the number is no house number.
// After "ship to:" an address block may start with a name and a company line. "Send" and
// "return" need the colon: "send a question to RAYX 2" names no place.
const VERB = new RegExp(
  String.raw`(?:` +
    [
      String.raw`\b(?:live|lives|lived|living|reside|resides|resided|residing|located|situated)\s+(?:at|on|in)`,
      String.raw`\b(?:based|stay|stays|staying)\s+at`,
      String.raw`\b(?:office|offices|headquarters|hq|store|shop|studio|clinic|branch|home|house|flat|apartment|station)\s+(?:is|are|was|were)\s+(?:at|on|in)`,
      String.raw`\bmeet\b[^.\n]{0,20}\bat`,
      String.raw`\bcorner of`,
      String.raw`\benter(?:ed)?\s+(?:on|at|from)`,
      String.raw`\b(?:arrived|arrive|delivered)\s+at|\bvisit\s+(?:us|me)\s+at`,
      String.raw`\b(?:ship|shipped|deliver|delivered|mail|mailed|post|posted|forward|forwarded)\b(?:\s+[\p{L}']+){0,3}?\s+to\s*:?(?:[ \t]*\n[^\n]{1,60}){0,2}`,
      String.raw`\b(?:send|sent|return|returned)\b(?:\s+[\p{L}']+){0,3}?\s+to\s*:(?:[ \t]*\n[^\n]{1,60}){0,2}`,
    ].join('|') +
    // A venue may stand between: "at Locavore, 641 …".
    String.raw`)(?:\s+[\p{L}'’&.-]+(?: [\p{L}'’&.-]+){0,3},)?\s*$`,
  'u',
);

/** Whether the words shortly before `start` (in its paragraph) say an address follows. */
export function addressContext(text: string, start: number): boolean {
  let before = text.slice(Math.max(0, start - 80), start).toLowerCase();
  const para = before.lastIndexOf('\n\n');
  if (para >= 0) before = before.slice(para + 2);
  return LABEL.test(before) || VERB.test(before);
}
