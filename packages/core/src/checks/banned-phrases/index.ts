import { z } from 'zod';
import { redactParams } from '../fields.js';
import { defineCheck, type CheckResult, type Finding } from '../types.js';
import { compact, isBoundary, type Compacted } from './fold.js';

export { compact } from './fold.js';

const phrase = z
  .string()
  .refine((s) => compact(s).text.length > 0, {
    error: 'a banned phrase needs at least one letter or digit; an empty, whitespace-only or ' +
      'punctuation-only phrase would match every post',
  });

export const bannedPhrasesOptions = z
  .object({
    /** Phrases to block; matched ignoring case, accents, spacing and punctuation. */
    list: z.array(phrase).min(1, { error: 'list needs at least one phrase' }),
    /** Top-level params to search; missing or non-string ones are skipped. */
    fields: z.array(z.string().min(1)).min(1).default(['text']),
  })
  .strict();

export type BannedPhrasesOptions = z.output<typeof bannedPhrasesOptions>;

interface Needle {
  /** As written in the policy, for messages. */
  label: string;
  folded: string;
}

/** Adds a finding per whole-word occurrence of `needle`; returns how many. */
function findAll(hay: Compacted, needle: Needle, field: string, out: Finding[]): number {
  const before = out.length;
  const { folded } = needle;
  let from = 0;
  for (let at = hay.text.indexOf(folded, from); at >= 0; at = hay.text.indexOf(folded, from)) {
    const end = at + folded.length;
    // Boundaries keep "scam" out of "scammer" and out of "is cam", whose compact form has it.
    if (!isBoundary(hay, at) || !isBoundary(hay, end)) {
      from = at + 1;
      continue;
    }
    const span = { start: hay.starts[at] ?? 0, end: hay.ends[end - 1] ?? 0 };
    out.push({ message: `banned phrase "${needle.label}"`, field, span, match: hay.source.slice(span.start, span.end) });
    from = end;
  }
  return out.length - before;
}

// Leetspeak, one character for one, so spans into the original stay exact.
const LEET: Record<string, string> = { '4': 'a', '@': 'a', '3': 'e', '1': 'i', '!': 'i', '0': 'o', '5': 's', '$': 's', '7': 't', '+': 't' };
// Only worth a second pass when a leet character sits inside a word: "2019" or "$5" alone is not leetspeak.
const LEET_RE = /\p{L}[4@31!05$7+]|[4@31!05$7+]\p{L}/u;
const LEET_ALL = /[4@31!05$7+]/g;

const WORDISH = /[\p{L}4@31!05$7+]/u;
const DIGIT = /\d/;

/**
 * One for one, so spans stay exact. A digit is a letter when it touches a word ("s00n"); a
 * symbol only when a word surrounds it ("r!sk"), so "soon!" keeps its closing "!".
 */
function unleet(value: string): string {
  return value.replace(LEET_ALL, (c, at: number) => {
    const before = at > 0 && WORDISH.test(value[at - 1]!);
    const after = at + 1 < value.length && WORDISH.test(value[at + 1]!);
    return (DIGIT.test(c) ? before || after : before && after) ? (LEET[c] ?? c) : c;
  });
}

/** Searches the leet-folded text too ("gu4r4nt33d r3turns"), keeping only matches the plain pass missed. */
function leetPass(value: string, field: string, needles: readonly Needle[], findings: Finding[], from: number, hit: Set<string>): void {
  const hay = compact(unleet(value));
  for (const needle of needles) {
    if (needle.folded.length > hay.text.length) continue;
    const found: Finding[] = [];
    findAll(hay, needle, field, found);
    for (const f of found) {
      const overlaps = findings.slice(from).some((g) => g.span && f.span && g.span.start < f.span.end && f.span.start < g.span.end);
      if (overlaps || !f.span) continue;
      findings.push({ ...f, match: value.slice(f.span.start, f.span.end) });
      hit.add(`"${needle.label}"`);
    }
  }
}

/**
 * `banned_phrases`: none of the listed phrases appears in the given params, however it is
 * cased, accented, spaced, punctuated or written in leetspeak ("GUARANTÉED  returns",
 * "guaranteed-returns", "g u a r a n t e e d returns", "gu4r4nt33d r3turns"), and only as whole words ("scam" does not match "scammer").
 *
 * @example
 *   checks:
 *     - banned_phrases: { list: [guaranteed returns, risk-free], fields: [text, title] }
 */
export const bannedPhrases = defineCheck({
  name: 'banned_phrases',
  description: 'Blocks listed phrases, matched as whole words ignoring case, accents, spacing and punctuation.',
  options: bannedPhrasesOptions,
  create(options) {
    const needles: Needle[] = [];
    const seen = new Set<string>();
    for (const p of options.list) {
      const folded = compact(p).text;
      // "risk free" and "risk-free" fold alike; one finding per occurrence, not two.
      if (seen.has(folded)) continue;
      seen.add(folded);
      needles.push({ label: p.trim(), folded });
    }
    const fields = [...new Set(options.fields)];

    return {
      name: 'banned_phrases',
      sync: true,
      run(input): CheckResult {
        const findings: Finding[] = [];
        const hit = new Set<string>();
        for (const field of fields) {
          const value = input.params[field];
          if (typeof value !== 'string') continue;
          const hay = compact(value);
          const before = findings.length;
          for (const needle of needles) {
            if (needle.folded.length <= hay.text.length && findAll(hay, needle, field, findings) > 0) {
              hit.add(`"${needle.label}"`);
            }
          }
          if (LEET_RE.test(value)) leetPass(value, field, needles, findings, before, hit);
          if (findings.length - before > 1) {
            // In reading order within each field, whatever the order of the list.
            const mine = findings.splice(before).sort((a, b) => (a.span?.start ?? 0) - (b.span?.start ?? 0));
            findings.push(...mine);
          }
        }
        if (findings.length === 0) return { passed: true, score: 1, reason: 'no banned phrases', findings };
        const reason = `found banned phrase${hit.size > 1 ? 's' : ''} ${[...hit].join(', ')}`;
        // For on_fail: redact, each phrase is masked and the action continues without it.
        return { passed: false, score: 0, reason, findings, category: 'banned_phrase', redacted: redactParams(input.params, findings, () => '***') };
      },
    };
  },
});
