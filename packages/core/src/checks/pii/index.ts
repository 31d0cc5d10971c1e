import { z } from 'zod';
import type { CountryCode } from 'libphonenumber-js/max';
import { defineCheck, type CheckResult, type Finding } from '../types.js';
import { redactParams } from '../fields.js';
import { ENTITY_LABEL, ENTITY_TOKEN, mask } from './mask.js';
import { findCards, findIbans, findSsns } from './numbers.js';
import { findPhones, phoneKey } from './phone.js';
import { alnumKey, DETECTION_ORDER, PII_ENTITIES, type Hit, type PiiEntity } from './scan.js';
import { findAddresses } from './address.js';
import { findEmails } from './text.js';
import { piiOptions, type PiiOptions } from './options.js';
export { piiOptions, type PiiOptions, PHONE_COUNTRIES } from './options.js';

export { PII_ENTITIES, type PiiEntity } from './scan.js';
export { luhn, knownIssuer } from './numbers.js';


const FIND: Record<PiiEntity, (text: string, country: CountryCode, hits: Hit[]) => void> = {
  email: (t, _c, h) => findEmails(t, h),
  iban: (t, _c, h) => findIbans(t, h),
  card: (t, _c, h) => findCards(t, h),
  ssn: (t, _c, h) => findSsns(t, h),
  phone: findPhones,
  address: (t, _c, h) => findAddresses(t, h),
};

/** Cheap tests that let a detector be skipped when its value cannot be in the text. */
const MAY_HOLD: Record<PiiEntity, (text: string) => boolean> = {
  email: (t) => t.includes('@'),
  iban: (t) => /[A-Za-z]{2}\d{2}/.test(t),
  card: (t) => /\d{4}/.test(t),
  ssn: (t) => /\d{3}/.test(t),
  phone: (t) => /\d/.test(t),
  address: (t) => /\d/.test(t),
};

// Texts that take every detector down its main paths: street forms with units, a place and a
// postcode, the words that say an address follows, and a text with no capitals.
const WARM_UP = [
  'Mail a.b@example.com, call (415) 555-0132 or 0680 298 70 63, card 4012 8888 8888 1881, ' +
    'IBAN GB29 NWBK 6016 1331 9268 19, SSN 078-05-1123, 221B Baker Street, P.O. Box 12.',
  'She lives at 5049 Harjukuja 54, SEINÄJOKI. Ship to:\nAnn Lee\n12 Rue de Rivoli Apt. 4\nParis, FR 75001 ' +
    'or Via Roma 3, 00184 Roma; Hauptstraße 5, 10115 Berlin; PSC 3294, Box 9168\nAPO AA 61487; 40803 Braga Field.',
  'my address is 255 hersnapvej 18, københavn k; ssn 078051121; call +43 382825647238.',
];

const TOKEN_BY_LABEL = new Map(PII_ENTITIES.map((e) => [ENTITY_LABEL[e], ENTITY_TOKEN[e]]));

/**
 * `pii`: no personal data in the given params: email addresses, phone numbers (any country,
 * via libphonenumber), payment card numbers (Luhn and issuer prefix), IBANs (checksum and
 * country format), US social security numbers and street addresses (US/UK, continental, PO
 * boxes, APO/FPO, with units, city and postcode). Findings show a masked
 * value (`j***@example.com`, `****-****-****-1881`); `redacted` replaces each with `[EMAIL]`,
 * `[PHONE]`, `[CARD]`, `[IBAN]`, `[SSN]` or `[ADDRESS]`, for `on_fail: redact`.
 *
 * @example
 *   checks:
 *     - pii: { entities: [email, phone, card], default_country: GB, allow: [support@acme.com] }
 */
export const pii = defineCheck({
  name: 'pii',
  description: 'Finds email addresses, phone numbers, card numbers, IBANs, US SSNs and street addresses.',
  options: piiOptions,
  create(options) {
    const fields = [...new Set(options.fields)];
    const wanted = DETECTION_ORDER.filter((e) => options.entities.includes(e));
    const cc = options.default_country;
    const allowed = new Set<string>();
    for (const v of options.allow) {
      allowed.add(v.toLowerCase());
      allowed.add(alnumKey(v));
      const p = phoneKey(v, cc);
      if (p) allowed.add(p);
    }
    const isAllowed = (h: Hit, match: string): boolean =>
      allowed.size > 0 && (allowed.has(h.key) || allowed.has(match.toLowerCase()) || allowed.has(alnumKey(match)));
    const scan = (text: string): Hit[] => {
      const hits: Hit[] = [];
      for (const entity of wanted) if (MAY_HOLD[entity](text)) FIND[entity](text, cc, hits);
      return hits.sort((a, b) => a.start - b.start);
    };
    // V8 compiles a regex on its first use and libphonenumber loads its metadata lazily: about
    // 30 ms that belongs to policy load, not to the first action checked.
    // Twice: V8 compiles a regex to native code on its second run.
    for (let i = 0; i < 2; i++) for (const text of WARM_UP) scan(text);

    return {
      name: 'pii',
      sync: true,
      run(input): CheckResult {
        const findings: Finding[] = [];
        const kinds = new Set<string>();
        let category: PiiEntity | undefined;
        for (const field of fields) {
          const text = input.params[field];
          if (typeof text !== 'string' || text.length === 0) continue;
          for (const h of scan(text)) {
            const match = text.slice(h.start, h.end);
            if (isAllowed(h, match)) continue;
            category ??= h.entity;
            kinds.add(ENTITY_LABEL[h.entity]);
            findings.push({ message: ENTITY_LABEL[h.entity], field, span: { start: h.start, end: h.end }, match: mask(h.entity, match), category: h.entity });
          }
        }
        if (findings.length === 0) return { passed: true, score: 1, reason: 'no personal data found', findings };
        const redacted = redactParams(input.params, findings, (f) => TOKEN_BY_LABEL.get(f.message) ?? '[PII]');
        return { passed: false, score: 0, reason: `found ${[...kinds].join(', ')}`, findings, redacted, ...(category ? { category } : {}) };
      },
    };
  },
});
