/** The kinds of personal data the `pii` check knows. */
export const PII_ENTITIES = ['email', 'phone', 'card', 'iban', 'ssn', 'address'] as const;
export type PiiEntity = (typeof PII_ENTITIES)[number];

/**
 * The order they are looked for: each kind claims its span before the next looks, so an IBAN's
 * or a card's digits, or a house number, are never also reported as a phone number.
 */
export const DETECTION_ORDER: readonly PiiEntity[] = ['email', 'iban', 'card', 'ssn', 'address', 'phone'];

/** One detected value: where it is in one string, and a normalised form for the allow list. */
export interface Hit {
  entity: PiiEntity;
  start: number;
  end: number;
  /** Canonical form compared with the allow list (E.164 for phones, bare digits for cards). */
  key: string;
}

/** Letters, digits and underscore in any script: what may not touch a detected value. */
export const WORD_CHAR = /[\p{L}\p{N}_]/u;

export function isWordChar(ch: string | undefined): boolean {
  return ch !== undefined && WORD_CHAR.test(ch);
}

export function isDigit(ch: string | undefined): boolean {
  return ch !== undefined && ch >= '0' && ch <= '9';
}

/** Lower-cased text just before `start`, for keyword context. */
export function textBefore(text: string, start: number, width: number): string {
  return text.slice(Math.max(0, start - width), start).toLowerCase();
}

/** Lower-cased text just after `end`, for keyword context. */
export function textAfter(text: string, end: number, width: number): string {
  return text.slice(end, end + width).toLowerCase();
}

/** Where the last match of a global `re` in `s` ends, or -1. */
export function lastMatchEnd(re: RegExp, s: string): number {
  re.lastIndex = 0;
  let end = -1;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    end = m.index + m[0].length;
    if (m[0].length === 0) re.lastIndex++;
  }
  return end;
}

/** Whether [start, end) overlaps any hit already taken. Lists are short, so a scan is fine. */
export function overlaps(hits: readonly Hit[], start: number, end: number): boolean {
  for (const h of hits) if (start < h.end && h.start < end) return true;
  return false;
}

/** Digits only. */
export function digitsOf(s: string): string {
  return s.replace(/\D+/g, '');
}

/** Letters and digits only, upper-cased: how IBANs, cards and SSNs compare. */
export function alnumKey(s: string): string {
  return s.replace(/[^\p{L}\p{N}]+/gu, '').toUpperCase();
}
