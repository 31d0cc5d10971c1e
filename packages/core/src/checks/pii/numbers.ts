import { getCountrySpecifications, isValidIBAN } from 'ibantools';
import { digitsOf, isDigit, isWordChar, overlaps, textBefore, type Hit } from './scan.js';

/**
 * Whether a number at [start, end) stands alone: not part of a word or code, nor of a longer
 * number ("1-078-05-1123"), a decimal ("0.6511772622175621") or a list written "1,2,3".
 */
function standsAlone(text: string, start: number, end: number): boolean {
  const before = text[start - 1];
  const after = text[end];
  if (isWordChar(before) || isWordChar(after)) return false;
  if ((before === '-' || before === '.' || before === ',') && isDigit(text[start - 2])) return false;
  return !((after === '-' || after === '.' || after === ',') && isDigit(text[end + 1]));
}

// ---------------------------------------------------------------- payment cards

/** Passes the Luhn (mod 10) check. */
export function luhn(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/**
 * Whether `digits` starts with an issuer prefix (IIN) of a card network that issues numbers of
 * that length. Luhn alone lets one random number in ten through; the prefix rules out most of
 * the rest (order numbers, timestamps, tracking numbers start with anything).
 */
export function knownIssuer(digits: string): boolean {
  const n = digits.length;
  const p2 = Number(digits.slice(0, 2));
  const p3 = Number(digits.slice(0, 3));
  const p4 = Number(digits.slice(0, 4));
  switch (digits[0]) {
    case '1': // UATP; JCB's legacy 1800
      return n === 15;
    case '2': // Mastercard 2-series; Mir; JCB's legacy 2131
      return ((p4 >= 2221 && p4 <= 2720) && n === 16) || (p4 >= 2200 && p4 <= 2204 && n >= 16) || (p4 === 2131 && n === 15);
    case '3':
      if (p2 === 34 || p2 === 37) return n === 15; // American Express
      if ((p3 >= 300 && p3 <= 305) || p4 === 3095 || p2 === 36 || p2 === 38 || p2 === 39) return n >= 14; // Diners
      return p4 >= 3528 && p4 <= 3589 && n >= 16; // JCB
    case '4': // Visa (13 to 19 digits)
      return true;
    case '5':
      if (p2 >= 51 && p2 <= 55) return n === 16; // Mastercard
      return p2 === 50 || (p2 >= 56 && p2 <= 58); // Maestro, Dankort, Verve, RuPay
    case '6': // Discover, UnionPay, Maestro, RuPay, InstaPayment
      return true;
    case '8': // UnionPay 81, RuPay 82
      return (p2 === 81 || p2 === 82) && n >= 16;
    case '9': // Troy
      return p4 === 9792 && n === 16;
    default:
      return false;
  }
}

const CARD_CONTEXT = /\b(?:card|credit|debit|maestro|visa|mastercard|amex|pan)\b/;

// Digit groups joined by single spaces or dashes; which groups make a card is decided below.
const DIGIT_RUN = /\d+(?:[ -]\d+)*/g;

/** Payment card numbers: 13–19 digits with a known prefix, or 12–19 beside the word card; Luhn-valid. */
export function findCards(text: string, hits: Hit[]): void {
  DIGIT_RUN.lastIndex = 0;
  for (let m = DIGIT_RUN.exec(text); m; m = DIGIT_RUN.exec(text)) {
    const run = m[0];
    if (run.length < 12) continue;
    if (!standsAlone(text, m.index, m.index + run.length)) continue;
    const groups: { start: number; end: number; sep: string }[] = [];
    for (const g of run.matchAll(/\d+/g)) {
      const start = m.index + g.index;
      groups.push({ start, end: start + g[0].length, sep: text[start - 1] ?? '' });
    }
    let i = 0;
    let afterCard = false;
    while (i < groups.length) {
      const taken = cardAt(text, groups, i, hits, afterCard);
      afterCard = taken > i;
      i = afterCard ? taken : i + 1;
    }
  }
}

/**
 * Tries the longest card starting at group `i`; returns the index after it, or `i`. A card
 * starts a run of groups, follows another card ("4012…1881 4012-8888-8888-1881"), or follows a
 * space where its own groups are not spaced; it is never the tail of one dashed number such as
 * the order number "112-4567890-1234567".
 */
function cardAt(text: string, groups: { start: number; end: number; sep: string }[], i: number, hits: Hit[], afterCard: boolean): number {
  const first = groups[i]!;
  // Printed cards group in fours (or 4-6-5); a short first group is a phone or a count.
  if (first.end - first.start < 4 && i + 1 < groups.length) return i;
  let best = -1;
  let count = 0;
  for (let j = i; j < groups.length; j++) {
    const g = groups[j]!;
    const inner = groups[i + 1]?.sep;
    if (j > i && (g.sep !== inner || g.end - g.start < 3)) break;
    if (i > 0 && !afterCard && (first.sep === '-' || (j > i && inner === first.sep))) break;
    count += g.end - g.start;
    if (count > 19) break;
    if (count >= 12) {
      const digits = digitsOf(text.slice(first.start, g.end));
      if (isCard(digits, text, first.start)) best = j;
    }
  }
  if (best < 0) return i;
  const end = groups[best]!.end;
  if (!overlaps(hits, first.start, end)) {
    hits.push({ entity: 'card', start: first.start, end, key: digitsOf(text.slice(first.start, end)) });
  }
  return best + 1;
}

function isCard(digits: string, text: string, start: number): boolean {
  if (!luhn(digits)) return false;
  if (digits.length >= 13 && knownIssuer(digits)) return true;
  // Beside the word "card", a Luhn-valid number is a card even from a prefix not listed above
  // (new ranges, private-label and legacy Maestro ranges such as 0604), and so are the 12-digit
  // numbers Maestro issues.
  return CARD_CONTEXT.test(textBefore(text, start, 40));
}

// ---------------------------------------------------------------- IBAN

const IBAN_LENGTH = new Map<string, number>();
for (const [code, spec] of Object.entries(getCountrySpecifications())) {
  if (spec.chars) IBAN_LENGTH.set(code, spec.chars);
}

// Country, check digits, then the start of the account part; the rest is walked by hand.
const IBAN_START = /([A-Z]{2})(\d{2}) ?[A-Z0-9]/gi;

/**
 * IBANs in electronic ("GB29NWBK60161331926819") or print form ("GB29 NWBK 6016 1331 9268 19"):
 * exactly the country's length, checksum and account format valid.
 */
export function findIbans(text: string, hits: Hit[]): void {
  IBAN_START.lastIndex = 0;
  for (let m = IBAN_START.exec(text); m; m = IBAN_START.exec(text)) {
    const start = m.index;
    const want = IBAN_LENGTH.get(m[1]!.toUpperCase());
    if (want === undefined || isWordChar(text[start - 1])) continue;
    let electronic = '';
    let i = start;
    // Single spaces are allowed anywhere in print form; stop once the country's length is reached.
    while (i < text.length && electronic.length < want) {
      const ch = text[i]!;
      if (/[A-Za-z0-9]/.test(ch)) electronic += ch;
      else if (!(ch === ' ' && electronic.length > 0 && text[i - 1] !== ' ')) break;
      i++;
    }
    if (electronic.length !== want || isWordChar(text[i])) continue;
    electronic = electronic.toUpperCase();
    if (!isValidIBAN(electronic) || overlaps(hits, start, i)) continue;
    hits.push({ entity: 'iban', start, end: i, key: electronic });
    IBAN_START.lastIndex = i;
  }
}

// ---------------------------------------------------------------- US SSN

// 3-2-4 with the same separator twice (dash, space or dot): the printed form, taken anywhere.
const SSN_SEPARATED = /(\d{3})([-. ])(\d{2})\2(\d{4})/g;
// One dash in place of two ("078-051121"): no other common number is written 3-6.
const SSN_ONE_DASH = /(\d{3})-(\d{2})(\d{4})/g;
// No separator, or 5-4 (which is also how a ZIP+4 is written): only beside the words.
const SSN_BARE = /(\d{3})(\d{2})-?(\d{4})/g;
const SSN_CONTEXT = /\b(?:ssn|ss#|ss no|ssan|social security|soc\.? ?sec)/;
// Words that say a 3-6 number is something else: a phone, an order, an account.
const SSN_NOT = /\b(?:phone|tel|mobile|cell|fax|call|order|invoice|ref|account|acct|id|ticket|case|tracking|zip|postcode|sku|serial|part|model)\b|[#$€£¥+]/;

/**
 * SSA never issues area 000, 666 or 900–999, group 00 or serial 0000; nor a number of one
 * repeated digit, 123-45-6789 (its own example) or 078-05-1120 (the voided Woolworth card).
 */
function validSsn(area: string, group: string, serial: string): boolean {
  const all = area + group + serial;
  if (area === '000' || area === '666' || area[0] === '9' || group === '00' || serial === '0000') return false;
  return !/^(\d)\1{8}$/.test(all) && all !== '123456789' && all !== '078051120';
}

/**
 * US social security numbers: valid area, group and serial; printed 3-2-4 anywhere, 3-6 unless
 * the words around say it is another kind of number, undashed and 5-4 only beside "SSN".
 */
export function findSsns(text: string, hits: Hit[]): void {
  for (const re of [SSN_SEPARATED, SSN_ONE_DASH, SSN_BARE]) {
    re.lastIndex = 0;
    for (let m = re.exec(text); m; m = re.exec(text)) {
      const start = m.index;
      const end = start + m[0].length;
      const [area, group, serial] = re === SSN_SEPARATED ? [m[1]!, m[3]!, m[4]!] : [m[1]!, m[2]!, m[3]!];
      if (!validSsn(area, group, serial) || !standsAlone(text, start, end)) continue;
      const before = textBefore(text, start, 40);
      if (re === SSN_BARE && !SSN_CONTEXT.test(before)) continue;
      if (re === SSN_ONE_DASH && !SSN_CONTEXT.test(before) && SSN_NOT.test(textBefore(text, start, 24))) continue;
      if (!overlaps(hits, start, end)) hits.push({ entity: 'ssn', start, end, key: area + group + serial });
    }
  }
}
