import { z } from 'zod';
import { redactParams, textFields } from '../fields.js';
import { defineCheck, type CheckResult, type Finding } from '../types.js';

// JavaScript regexes cannot be interrupted: there is no timeout, and because this check is
// synchronous the pipeline's per-check timer cannot stop it either. A pattern with catastrophic
// backtracking, such as /(a+)+$/, run on hostile text blocks the whole process. Patterns come
// from the policy (written by operators, reviewed like code), so we cap their length and reject
// ones that match nothing-at-all, but cannot prove a pattern safe: prefer simple, anchored
// patterns, and test new ones on long inputs before deploying them.
export const MAX_PATTERN_LENGTH = 1000;
/** Findings kept per run, so /\w/ on a long post does not produce thousands. */
export const MAX_FINDINGS = 100;

const pattern = z
  .object({
    /** JavaScript regular expression source, without slashes. */
    pattern: z.string().min(1, { error: 'pattern is empty' }).max(MAX_PATTERN_LENGTH, {
      error: `pattern is longer than ${MAX_PATTERN_LENGTH} characters; long patterns are hard to review and can backtrack catastrophically`,
    }),
    /** Any of i (ignore case), m (multi-line ^ and $), s (dot matches newline), u (Unicode). */
    flags: z.string().default(''),
    /** Shown to the approver for each match, e.g. "internal ticket number". */
    message: z.string().min(1).optional(),
    /** Short identifier, used in the reason, as the category and in the redaction marker. */
    name: z.string().regex(/^[A-Za-z][A-Za-z0-9_-]*$/, { error: 'name must start with a letter and use only letters, digits, _ and -' }).optional(),
  })
  .strict()
  .superRefine((p, ctx) => {
    if (/[gy]/.test(p.flags)) {
      ctx.addIssue({ code: 'custom', path: ['flags'], message: 'flags g and y are not allowed: the check adds g itself, and y would only match at the start' });
      return;
    }
    if (!/^[imsu]*$/.test(p.flags) || new Set(p.flags).size !== p.flags.length) {
      ctx.addIssue({ code: 'custom', path: ['flags'], message: `flags must be distinct letters from "imsu", got "${p.flags}"` });
      return;
    }
    let re: RegExp;
    try {
      re = new RegExp(p.pattern, p.flags);
    } catch (e) {
      ctx.addIssue({ code: 'custom', path: ['pattern'], message: `invalid regular expression: ${(e as Error).message}` });
      return;
    }
    if (re.test('')) {
      ctx.addIssue({ code: 'custom', path: ['pattern'], message: 'pattern matches the empty string, so it would match every text' });
    }
  });

export const regexOptions = z
  .object({
    patterns: z.array(pattern).min(1, { error: 'patterns needs at least one pattern' }),
    /** deny: fail when any pattern matches. require: fail when a pattern matches none of the fields. */
    mode: z.enum(['deny', 'require']).default('deny'),
    /** Top-level params to search; missing or non-string ones are skipped. */
    fields: z.array(z.string().min(1)).min(1).default(['text']),
  })
  .strict();

export type RegexOptions = z.output<typeof regexOptions>;

interface Compiled {
  re: RegExp;
  label: string;
  name: string | undefined;
  message: string | undefined;
}

function label(p: { pattern: string; flags: string; name?: string | undefined }): string {
  if (p.name) return p.name;
  const src = p.pattern.length > 60 ? `${p.pattern.slice(0, 59)}…` : p.pattern;
  return `/${src}/${p.flags}`;
}

const show = (s: string): string => (s.length > 100 ? `${s.slice(0, 99)}…` : s);

/**
 * `regex`: custom patterns, either forbidden (`mode: deny`, the default: fail on any match) or
 * required (`mode: require`: fail unless every pattern matches in at least one field, e.g. an
 * ad disclosure). In deny mode it can also redact, replacing each match with `[NAME]`.
 *
 * @example
 *   checks:
 *     - regex: { patterns: [{ pattern: 'TICKET-\d+', name: ticket, message: internal ticket id }], on_fail: redact }
 *     - regex: { mode: require, patterns: [{ pattern: '#(ad|sponsored)\b', flags: i, name: disclosure }] }
 */
export const regex = defineCheck({
  name: 'regex',
  description: 'Fails when custom regular expressions match (deny) or do not match (require).',
  options: regexOptions,
  create(options) {
    const compiled: Compiled[] = options.patterns.map((p) => ({
      re: new RegExp(p.pattern, `${p.flags}g`),
      label: label(p),
      name: p.name,
      message: p.message,
    }));
    const fields = [...new Set(options.fields)];
    const requireMode = options.mode === 'require';

    return {
      name: 'regex',
      sync: true,
      run(input): CheckResult {
        const texts = textFields(input.params, fields);
        const findings: Finding[] = [];
        if (requireMode) {
          const missing: Compiled[] = [];
          for (const c of compiled) {
            const found = texts.some(({ text }) => {
              c.re.lastIndex = 0;
              return c.re.test(text);
            });
            if (found) continue;
            missing.push(c);
            findings.push({ message: c.message ?? `required pattern ${c.label} not found` });
          }
          if (findings.length === 0) return { passed: true, score: 1, reason: 'all required patterns found', findings };
          return { passed: false, score: 0, reason: `missing required ${missing.length > 1 ? 'patterns' : 'pattern'} ${missing.map((c) => c.label).join(', ')}`, findings, category: 'regex' };
        }

        // Every match is redacted, even past the findings cap, or on_fail: redact would leak some.
        const all: { f: Finding; c: Compiled }[] = [];
        for (const { field, text } of texts) {
          const before = all.length;
          for (const c of compiled) {
            const { re } = c;
            re.lastIndex = 0;
            for (let m = re.exec(text); m !== null; m = re.exec(text)) {
              // A lookaround-only match is empty; step past it (a whole code point with u).
              if (m[0] === '') re.lastIndex += re.unicode && (text.codePointAt(m.index) ?? 0) > 0xffff ? 2 : 1;
              const span = { start: m.index, end: m.index + m[0].length };
              all.push({ f: { message: c.message ?? `matches ${c.label}`, field, span, match: show(m[0]) }, c });
            }
          }
          // Reading order within each field, whatever the order of the patterns.
          if (all.length - before > 1) {
            const mine = all.splice(before).sort((a, b) => (a.f.span?.start ?? 0) - (b.f.span?.start ?? 0));
            for (const x of mine) all.push(x);
          }
        }
        if (all.length === 0) return { passed: true, score: 1, reason: 'no pattern matched', findings };
        const hit = [...new Set(all.map((x) => x.c))];
        const marker = new Map(all.map((x) => [x.f, `[${(x.c.name ?? 'redacted').toUpperCase()}]`]));
        // An empty (lookaround) match has nothing to replace.
        const solid = all.filter((x) => x.f.span && x.f.span.end > x.f.span.start).map((x) => x.f);
        const redacted = redactParams(input.params, solid, (f) => marker.get(f) ?? '[REDACTED]');
        findings.push(...all.slice(0, MAX_FINDINGS).map((x) => x.f));
        const more = all.length > MAX_FINDINGS ? ` (${all.length} matches, first ${MAX_FINDINGS} listed)` : '';
        const reason = `matched ${hit.length > 1 ? 'patterns' : 'pattern'} ${hit.map((c) => c.label).join(', ')}${more}`;
        return { passed: false, score: 0, reason, findings, redacted, category: all[0]?.c.name ?? 'regex' };
      },
    };
  },
});
