import { z } from 'zod';
import { closest } from '../../util/suggest.js';
import { CODE_LANGUAGES } from './lang.js';
import { SEVERITIES } from './severity.js';

/** What option parsing needs to know of a rule: its id and family (see ids.ts beside each code check). */
export interface RuleName {
  readonly id: string;
  readonly family: string;
}

/**
 * The options every code check takes: which rules (by id or family), the lowest severity that
 * fails, which params hold code, and which languages to look at.
 */
export function codeCheckOptions(rules: readonly RuleName[]) {
  const ids = rules.map((r) => r.id);
  const families = [...new Set(rules.map((r) => r.family))];
  const known = new Set<string>([...ids, ...families]);
  const ruleName = z.string().superRefine((s, ctx) => {
    if (known.has(s)) return;
    const hint = closest(s, [...known]);
    ctx.addIssue({
      code: 'custom',
      message: `unknown rule or family "${s}"${hint ? `; did you mean "${hint}"?` : ''} (families: ${families.join(', ')}; or a rule id such as ${ids[0] ?? ''})`,
    });
  });
  return z
    .object({
      rules: z
        .object({
          /** Only these rules or families; all when left out. */
          include: z.array(ruleName).min(1, { error: 'rules.include needs at least one rule or family; leave it out for all' }).optional(),
          /** Never these rules or families. */
          exclude: z.array(ruleName).default([]),
        })
        .strict()
        .prefault({}),
      /** Findings below this severity are not reported. */
      min_severity: z.enum(SEVERITIES, { error: (i) => `min_severity must be one of ${SEVERITIES.join(', ')}, got ${JSON.stringify(i.input)}` }).default('low'),
      /** Top-level params that hold code; missing or non-string ones are skipped. */
      fields: z.array(z.string().min(1)).min(1, { error: 'fields needs at least one param name' }).default(['code']),
      /** Parameter naming the code's language (`js`, `ts`, `tsx`, `py`, …); without it the language is guessed. */
      lang_field: z.string().min(1).default('lang'),
      /** Languages to check; code in any other language passes with a reason. */
      languages: z
        .array(z.enum(CODE_LANGUAGES, { error: (i) => `unknown language ${JSON.stringify(i.input)}; use ${CODE_LANGUAGES.join(', ')}` }))
        .min(1, { error: 'languages needs at least one language; leave it out for all' })
        .default([...CODE_LANGUAGES]),
    })
    .strict()
    .superRefine((o, ctx) => {
      if (selectRules(rules, o.rules).length === 0) {
        ctx.addIssue({ code: 'custom', path: ['rules'], message: 'rules.include and rules.exclude leave no rule to run' });
      }
    });
}

export type CodeCheckOptions = z.output<ReturnType<typeof codeCheckOptions>>;

/** The rules chosen by include/exclude, each given by id or by family. */
export function selectRules<R extends RuleName>(rules: readonly R[], sel: { include?: readonly string[] | undefined; exclude: readonly string[] }): R[] {
  const inSel = (names: readonly string[], r: RuleName) => names.includes(r.id) || names.includes(r.family);
  return rules.filter((r) => (sel.include === undefined || inSel(sel.include, r)) && !inSel(sel.exclude, r));
}
