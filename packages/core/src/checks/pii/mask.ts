import { EXTENSION } from './phone.js';
import type { PiiEntity } from './scan.js';

/** What a finding's message calls each entity. */
export const ENTITY_LABEL: Record<PiiEntity, string> = {
  email: 'email address',
  phone: 'phone number',
  card: 'payment card number',
  iban: 'IBAN',
  ssn: 'US social security number',
  address: 'street address',
};

/** What redaction puts in place of each entity. */
export const ENTITY_TOKEN: Record<PiiEntity, string> = {
  email: '[EMAIL]',
  phone: '[PHONE]',
  card: '[CARD]',
  iban: '[IBAN]',
  ssn: '[SSN]',
  address: '[ADDRESS]',
};

/** Replaces every letter or digit with `*` except the last `keep` of them; separators stay. */
function keepLast(s: string, keep: number, alnum = /[\p{L}\p{N}]/u): string {
  let total = 0;
  for (const ch of s) if (alnum.test(ch)) total++;
  let seen = 0;
  let out = '';
  for (const ch of s) {
    if (alnum.test(ch)) {
      seen++;
      out += seen > total - keep ? ch : '*';
    } else out += ch;
  }
  return out;
}

const DIGIT = /\d/;

/**
 * A form of a matched value safe to show an approver: enough to recognise it, never the whole
 * thing. `j***@example.com`, `****-****-****-1881`, `***-**-6789`, `GB** **** … **68 19`,
 * `(***) ***-**32`, `*** Main Street`.
 */
export function mask(entity: PiiEntity, value: string): string {
  switch (entity) {
    case 'email': {
      const at = value.lastIndexOf('@');
      return `${value.slice(0, 1)}***${value.slice(at)}`;
    }
    case 'card':
    case 'ssn':
      return keepLast(value, 4, DIGIT);
    case 'iban':
      return value.slice(0, 2) + keepLast(value.slice(2), 4);
    case 'phone': {
      // The extension is masked whole; the last two digits shown are the number's own.
      const ext = EXTENSION.exec(value);
      const core = ext ? value.slice(0, ext.index) : value;
      return keepLast(core, 2, DIGIT) + (ext ? ext[0].replace(/\d/g, '*') : '');
    }
    case 'address':
      return value.replace(/\d/g, '*');
  }
}
