import type { MatchPayload } from 'obscenity';
import { z } from 'zod';
import { compact } from '../banned-phrases/fold.js';
import { textFields } from '../fields.js';
import { defineCheck, type CheckResult, type Finding } from '../types.js';
import type { JsonObject } from '../../json.js';
import { buildMatcher, findMatches } from './matcher.js';
import { profanityOptions, type ProfanityOptions } from './options.js';
export { profanityOptions, type ProfanityOptions } from './options.js';


/** "fuck" -> "f**k": enough for an approver to recognise, by code points so emoji stay whole. */
export function censorWord(s: string): string {
  const cps = SURROGATE.test(s) ? Array.from(s) : s;
  const n = cps.length;
  if (n <= 2) return (cps[0] ?? '') + '*'.repeat(Math.max(0, n - 1));
  let out = cps[0]!;
  for (let i = 1; i < n - 1; i++) out += cps[i] === ' ' ? ' ' : '*';
  return out + cps[n - 1]!;
}

const SURROGATE = /[\uD800-\uDFFF]/;

/**
 * `text` with each match censored. Matches come sorted with none inside another, but one may
 * still overlap the next; the overlap is censored once, as part of the earlier match.
 * Obscenity's TextCensor does the same but sorts again and slices more, and this runs on every
 * flagged post.
 */
function censorText(text: string, matches: readonly MatchPayload[]): string {
  let out = '';
  let last = 0;
  for (const m of matches) {
    const start = Math.max(last, m.startIndex);
    const end = m.endIndex + 1;
    if (end <= start) continue;
    out += text.slice(last, start) + censorWord(text.slice(start, end));
    last = end;
  }
  return out + text.slice(last);
}

/**
 * `profanity`: no swear words, sexual terms or slurs in the given params. Uses obscenity's
 * English dataset, which reads leetspeak, look-alike letters and stretched words ("fuuuck",
 * "sh1t", "ｆｕｃｋ"), plus common insults and slurs it lacks. Word lists cannot see meaning:
 * they miss hate written in clean words and flag quoted or innocent uses ("Dick Whitman"), so
 * use `allow` for your domain and keep a human in the loop for what matters.
 *
 * @example
 *   checks:
 *     - profanity: { extra: [frick], allow: [sex], on_fail: redact }
 */
export const profanity = defineCheck({
  name: 'profanity',
  description: 'Flags profanity and slurs, including leetspeak and look-alike spellings; can censor them.',
  options: profanityOptions,
  create(options) {
    const matcher = buildMatcher(options.extra, options.allow);
    const fields = [...new Set(options.fields)];
    return {
      name: 'profanity',
      sync: true,
      run(input): CheckResult {
        const findings: Finding[] = [];
        let redacted: JsonObject | undefined;
        for (const { field, text } of textFields(input.params, fields)) {
          const matches = findMatches(matcher, text);
          if (matches.length === 0) continue;
          for (const m of matches) {
            // Obscenity's end index is inclusive (and on the low surrogate of a pair).
            const span = { start: m.startIndex, end: m.endIndex + 1 };
            const match = censorWord(text.slice(span.start, span.end));
            findings.push({ message: `profanity "${match}"`, field, span, match });
          }
          redacted ??= { ...input.params };
          redacted[field] = censorText(text, matches);
        }
        if (findings.length === 0) return { passed: true, score: 1, reason: 'no profanity', findings };
        const words = [...new Set(findings.map((f) => `"${f.match ?? ''}"`))];
        const shown = words.length > 5 ? `${words.slice(0, 5).join(', ')} and ${words.length - 5} more` : words.join(', ');
        return { passed: false, score: 0, reason: `found profanity ${shown}`, findings, redacted, category: 'profanity' };
      },
    };
  },
});
