import { z } from 'zod';
import { compact, isBoundary } from '../banned-phrases/fold.js';
import { textFields } from '../fields.js';
import { defineCheck, type CheckResult, type Finding } from '../types.js';

const term = z.string().refine((s) => compact(s).text.length > 0, {
  error: 'a competitor name needs at least one letter or digit; a blank or punctuation-only name would match every post',
});

const competitor = z.union([
  term,
  z
    .object({
      /** Shown in findings and reasons whichever alias matched. */
      name: term,
      /** Other names for it: product names, tickers, old names, common misspellings. */
      aliases: z.array(term).default([]),
    })
    .strict(),
]);

export const competitorsOptions = z
  .object({
    /** Competitors, each a name or `{ name, aliases }`; matched as whole words ignoring case, accents and spacing. */
    names: z.array(competitor).min(1, { error: 'names needs at least one competitor' }),
    /** Top-level params to search; missing or non-string ones are skipped. */
    fields: z.array(z.string().min(1)).min(1).default(['text']),
  })
  .strict()
  .superRefine((opts, ctx) => {
    // One spelling naming two competitors would make every finding's name a guess.
    const owner = new Map<string, string>();
    opts.names.forEach((c, i) => {
      const name = typeof c === 'string' ? c : c.name;
      const spellings = typeof c === 'string' ? [c] : [c.name, ...c.aliases];
      for (const s of spellings) {
        const folded = compact(s).text;
        const other = owner.get(folded);
        if (other !== undefined && compact(other).text !== compact(name).text) {
          ctx.addIssue({ code: 'custom', path: ['names', i], message: `"${s}" already names competitor "${other}"` });
        }
        owner.set(folded, other ?? name);
      }
    });
  });

export type CompetitorsOptions = z.output<typeof competitorsOptions>;

interface Needle {
  /** The competitor's canonical name, as written in the policy. */
  name: string;
  folded: string;
}

/**
 * `competitors`: the given params mention none of the listed competitors, by name or alias,
 * matched as whole words ignoring case, accents, spacing and punctuation ("Acme" matches
 * "ACME's new" and "A.C.M.E", not "acmeology"). A mention is usually fine but worth a look, so
 * pair it with `on_fail: require_approval` rather than blocking.
 *
 * @example
 *   checks:
 *     - competitors: { names: [Acme, { name: Globex, aliases: [Globex Corp, GBX] }], on_fail: require_approval }
 */
export const competitors = defineCheck({
  name: 'competitors',
  description: 'Flags mentions of competitors by name or alias, as whole words ignoring case and accents.',
  options: competitorsOptions,
  create(options) {
    const needles: Needle[] = [];
    const seen = new Set<string>();
    for (const c of options.names) {
      const name = (typeof c === 'string' ? c : c.name).trim();
      for (const s of typeof c === 'string' ? [c] : [c.name, ...c.aliases]) {
        const folded = compact(s).text;
        if (seen.has(folded)) continue;
        seen.add(folded);
        needles.push({ name, folded });
      }
    }
    // Longest first, so "Acme Labs" is reported and the "Acme" inside it is not.
    needles.sort((a, b) => b.folded.length - a.folded.length);
    const fields = [...new Set(options.fields)];

    return {
      name: 'competitors',
      sync: true,
      run(input): CheckResult {
        const findings: Finding[] = [];
        const hit = new Set<string>();
        for (const { field, text } of textFields(input.params, fields)) {
          const hay = compact(text);
          // Compact positions already claimed by a longer name.
          const taken: number[] = [];
          const mine: { f: Finding; name: string; start: number }[] = [];
          for (const needle of needles) {
            const { folded } = needle;
            for (let at = hay.text.indexOf(folded); at >= 0; at = hay.text.indexOf(folded, at + 1)) {
              const end = at + folded.length;
              if (!isBoundary(hay, at) || !isBoundary(hay, end) || overlaps(taken, at, end)) continue;
              taken.push(at, end);
              const span = { start: hay.starts[at] ?? 0, end: hay.ends[end - 1] ?? 0 };
              const f = { message: `competitor "${needle.name}"`, field, span, match: text.slice(span.start, span.end) };
              mine.push({ f, name: needle.name, start: span.start });
            }
          }
          mine.sort((a, b) => a.start - b.start);
          for (const { f, name } of mine) {
            findings.push(f);
            hit.add(`"${name}"`);
          }
        }
        if (findings.length === 0) return { passed: true, score: 1, reason: 'no competitors mentioned', findings };
        const reason = `mentions competitor${hit.size > 1 ? 's' : ''} ${[...hit].join(', ')}`;
        return { passed: false, score: 0, reason, findings, category: 'competitor' };
      },
    };
  },
});

function overlaps(taken: readonly number[], start: number, end: number): boolean {
  for (let i = 0; i < taken.length; i += 2) if (start < taken[i + 1]! && taken[i]! < end) return true;
  return false;
}
