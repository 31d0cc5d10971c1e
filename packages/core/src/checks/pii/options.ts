import { z } from 'zod';
import type { CountryCode } from 'libphonenumber-js/max';
import { PII_ENTITIES } from './scan.js';

/**
 * Countries with a phone numbering plan, as libphonenumber-js lists them (a test keeps this in
 * step). Written out so that validating a policy does not load libphonenumber's metadata:
 * the check itself loads it only when a policy uses pii.
 */
export const PHONE_COUNTRIES: ReadonlySet<string> = new Set('AC AD AE AF AG AI AL AM AO AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GT GU GW GY HK HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TA TC TD TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG US UY UZ VA VC VE VG VI VN VU WF WS XK YE YT ZA ZM ZW'.split(' '));

const country = z
  .string()
  .transform((c, ctx): CountryCode => {
    if (PHONE_COUNTRIES.has(c)) return c as CountryCode;
    ctx.issues.push({
      code: 'custom',
      input: c,
      message: `"${c}" is not an ISO 3166-1 alpha-2 country code with a phone numbering plan; use an upper-case code such as US, GB or DE`,
    });
    return z.NEVER;
  });

export const piiOptions = z
  .object({
    /** Top-level params to search; missing or non-string ones are skipped. */
    fields: z.array(z.string().min(1)).min(1).default(['text']),
    /** Which kinds of personal data to look for. */
    entities: z
      .array(z.enum(PII_ENTITIES, { error: (i) => `unknown entity ${JSON.stringify(i.input)}; use ${PII_ENTITIES.join(', ')}` }))
      .min(1, { error: 'entities needs at least one entity; leave it out to look for all' })
      .default([...PII_ENTITIES]),
    /** Country assumed for phone numbers written without a +code. */
    default_country: country.default('US'),
    /** Values never flagged, such as the support address or phone line the agent is meant to give out. */
    allow: z.array(z.string().trim().min(1)).default([]),
  })
  .strict();

export type PiiOptions = z.output<typeof piiOptions>;
