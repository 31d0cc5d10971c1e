import { parsePhoneNumberFromString, type CountryCode, type PhoneNumber } from 'libphonenumber-js/max';
import { digitsOf, isDigit, isWordChar, lastMatchEnd, overlaps, textAfter, textBefore, type Hit } from './scan.js';

// A phone-shaped stretch: an optional + or 00, digit groups joined by one space, dot, dash or
// slash or by a bracketed code ("(0)", "(415)", "(01596)", "(88)/142-2306", "(03).3993.4018"),
// and an optional extension. libphonenumber then decides; scanning only these stretches keeps it
// off the rest of the text, which is most of the cost.
const CANDIDATE =
  /(?:\+ ?|\b00 ?)?(?:\(\+?\d{1,5}\)[ .\/-]?)?\d{1,15}(?:(?:[ .\/-]|-? ?\(\d{1,5}\)[ .\/-]?)\d{1,12}){0,7}(?: ?(?:x|ext\.?|extension) ?\d{1,6})?/g;
export const EXTENSION = / ?(?:x|ext\.?|extension) ?\d{1,6}$/;

// Shapes that are phone-length but are dates, year ranges, IP or version numbers, or decimals.
const NOT_A_PHONE = [
  // Dates need a plausible month and day: "0800 48 41" is a Dutch free-phone number.
  /^(?:1[89]|20)\d\d[-./ ](?:0?[1-9]|1[0-2])[-./ ](?:0?[1-9]|[12]\d|3[01])$/,
  /^(?:0?[1-9]|[12]\d|3[01])[-./ ](?:0?[1-9]|[12]\d|3[01])[-./ ](?:\d\d|(?:1[89]|20)\d\d)$/,
  /^(?:1[89]|20)\d\d ?[-/] ?(?:(?:1[89]|20)?\d\d)$/,
  /^(?:25[0-5]|2[0-4]\d|1?\d?\d)(?:\.(?:25[0-5]|2[0-4]\d|1?\d?\d)){3}$/,
  /^\d+\.\d+$/,
  /^(?:1[89]|20)\d\d(?:[ /-](?:1[89]|20)\d\d)+$/,
  // No numbering plan writes three or more one-digit groups ("1 2 3 4 5 6 7").
  /(?:(?:^|\D)\d(?=\D|$).*){3}/,
];

// Words that say the number next to them is a phone number; "number" alone is weaker (below).
const PHONE_WORDS =
  /\b(?:phone|phones|phoned|telephone|tel|mobile|mob|cell|cellphone|fax|call|calls|calling|called|txt|sms|text|texted|message|messaged|msg|voicemail|whatsapp|viber|telegram|dial|dialed|dialled|ring|ringing|answer|answers|answering|answered|landline|hotline|helpline|switchboard|desk|office|ext|contact|reach|reached|reachable)\b/g;
// "number" counts only right before the digits: "my number is …", "number: …".
const NUMBER_WORDS = /\b(?:number|num)\s*(?:is|:|=|-)?\s*$/;
// Words that say it is some other number: an order, an account, a price, a year.
const OTHER_NUMBER_WORDS =
  /\b(?:order|orders|invoice|inv|ref|reference|tracking|account|acct|id|ticket|case|sku|serial|model|part|version|isbn|po|transaction|txn|confirmation|booking|reservation|customer|member|membership|policy|claim|card|iban|ssn|routing|swift|bic|zip|postcode|pin|otp|code|password|price|total|amount|usd|eur|gbp|year|years|page|patent|lot|batch|receipt|shipment|parcel|tax|vat|passport|licen[cs]e|national|identity|resident|insurance|nhs|student|employee|registration|vin)\b|[#$€£¥]/g;

const BEFORE = 32;
const AFTER = 16;

type Context = 'phone' | 'other' | 'none';

/** What the words around [start, end) say the number is; the nearest word before wins. */
function contextOf(text: string, start: number, end: number): Context {
  const before = textBefore(text, start, BEFORE);
  const phone = lastMatchEnd(PHONE_WORDS, before);
  const other = lastMatchEnd(OTHER_NUMBER_WORDS, before);
  if (other > phone) return 'other';
  if (phone >= 0) return 'phone';
  if (lastMatchEnd(PHONE_WORDS, textAfter(text, end, AFTER)) >= 0) return 'phone';
  // "My number is …", unless an order or account number was meant (handled above).
  return NUMBER_WORDS.test(before) ? 'phone' : 'none';
}

/** Whether the candidate at [start, end) is cut out of something longer (a word, an amount, a code). */
function embedded(text: string, start: number, end: number): boolean {
  const before = text[start - 1];
  const after = text[end];
  if (isWordChar(before) || (before !== undefined && '+@#$€£¥%/'.includes(before))) return true;
  // Part of a decimal, a longer number or a time of day ("2015-12-22 04:34").
  if ((before === '.' || before === ',' || before === '-' || before === ':') && isDigit(text[start - 2])) return true;
  if (isWordChar(after) || after === '@' || after === '%') return true;
  return (after === '.' || after === ',' || after === '-' || after === '/' || after === ':') && isDigit(text[end + 1]);
}

/** "San Francisco, CA 94105-1234": a ZIP+4 after a state code, not a 9-digit phone number. */
function zipPlusFour(text: string, start: number, core: string): boolean {
  return /^\d{5}-\d{4}$/.test(core) && /\b[A-Z]{2},?\s+$/.test(text.slice(Math.max(0, start - 6), start));
}

/** Where `s` breaks between digit groups, counted in digits from its end. */
function breaksFromEnd(s: string): number[] {
  const groups = s.match(/\d+/g) ?? [];
  const out: number[] = [];
  let acc = 0;
  for (let i = groups.length - 1; i > 0; i--) {
    acc += groups[i]!.length;
    out.push(acc);
  }
  return out;
}

const FORMATTED_EXTENSION = /\s*(?:ext\.?|x)\s*\d+$/;

/**
 * Whether a number written without +code splits its digits where the country's own format does
 * (or between trunk prefix and number). libphonenumber's matcher only checks validity, so
 * "2015-12-22 04" passes as +1 201 512 2204; the Java library's STRICT_GROUPING is what this
 * stands in for.
 */
function groupedLikeNational(written: string, n: PhoneNumber): boolean {
  const national = n.formatNational().replace(FORMATTED_EXTENSION, '');
  const allowed = new Set(breaksFromEnd(national));
  allowed.add(n.nationalNumber.length);
  const total = digitsOf(national).length;
  return breaksFromEnd(written.replace(EXTENSION, '')).every((b) => allowed.has(b) || b >= total);
}

/**
 * "079 2718 1155", "0680 298 70 63": a number written the national way in most of the world,
 * trunk prefix 0 and spaced or dashed groups, is a phone number even when the default country's
 * plan cannot place it. Each later group has at least two digits, which leaves out ISBN-10s.
 */
function trunkFormatted(core: string): boolean {
  if (core[0] !== '0' || core[1] === '0') return false;
  const groups = core.split(/[ .\/-]/);
  const count = digitsOf(core).length;
  return groups.length >= 2 && count >= 10 && count <= 12 && groups.every((g, i) => /^\d+$/.test(g) && (i === 0 || g.length >= 2));
}

/**
 * "+43 382825647238", "0044 20 7946 0958": a + (or a grouped 00) before a known country calling
 * code and eight or more digits is written as a phone number, whether or not the plan says the
 * number is assigned; nothing else is written that way.
 */
function international(cand: string, count: number): boolean {
  if (count < 8) return false;
  // A bare "00…" run is as likely binary or a padded id ("00101110"): 00 needs grouping.
  const plus = cand.startsWith('+') ? cand : /^00[1-9]/.test(cand) && count >= 10 && /\D/.test(cand) ? `+${cand.slice(2)}` : undefined;
  return plus !== undefined && parsePhoneNumberFromString(plus, { extract: false }) !== undefined;
}

/**
 * A bare run of digits is a phone number only beside phone words, or when written with a trunk
 * or international prefix starting 0 ("09171234567"); otherwise it may be an order number.
 */
function bareWithoutPrefix(cand: string, n: PhoneNumber): boolean {
  return /^\d+$/.test(cand) && !(cand.startsWith('0') && cand.length > n.nationalNumber.length);
}

/**
 * Phone numbers: anything libphonenumber finds valid for `country` (or for the country its
 * +code names) and written in that country's grouping, and phone-shaped numbers it cannot place
 * when the words around say "phone" or the number is written with a trunk prefix.
 * Bare digit runs ("4155550132") count only beside such words, since order numbers look the same.
 */
export function findPhones(text: string, country: CountryCode, hits: Hit[]): void {
  CANDIDATE.lastIndex = 0;
  for (let m = CANDIDATE.exec(text); m; m = CANDIDATE.exec(text)) {
    const cand = m[0];
    const start = m.index;
    const end = start + cand.length;
    const core = cand.replace(EXTENSION, '');
    const count = digitsOf(core).length;
    if (count < 7 || count > 15 || embedded(text, start, end) || overlaps(hits, start, end)) continue;
    if (NOT_A_PHONE.some((re) => re.test(core)) || zipPlusFour(text, start, core)) continue;
    const context = contextOf(text, start, end);
    if (context === 'other') continue;

    // The whole candidate is parsed: libphonenumber's matcher would also try its sub-strings,
    // at ten times the cost, and finds nothing more on the evaluation data.
    const n = parsePhoneNumberFromString(cand, { defaultCountry: country, extract: false });
    if (n?.isValid() && (cand.startsWith('+') || groupedLikeNational(cand, n)) && (context === 'phone' || !bareWithoutPrefix(cand, n))) {
      hits.push({ entity: 'phone', start, end, key: n.number });
    } else if (context === 'phone' || trunkFormatted(core) || international(cand, count)) {
      const plus = cand.startsWith('+') ? '+' : '';
      hits.push({ entity: 'phone', start, end, key: plus + digitsOf(core) });
    }
  }
}

/** The allow-list form of a phone number as written: E.164 when it is a valid number. */
export function phoneKey(value: string, country: CountryCode): string | undefined {
  const n = parsePhoneNumberFromString(value, { defaultCountry: country });
  return n?.isValid() ? n.number : undefined;
}
