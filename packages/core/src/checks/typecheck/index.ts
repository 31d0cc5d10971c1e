import { textFields } from '../fields.js';
import { defineCheck, type CheckResult, type Finding } from '../types.js';
import { SnippetChecker, type SnippetDiagnostic, type SnippetKind } from './compiler.js';
import { compilerOptions, TS_LANGS, typecheckOptions, type TypecheckOptions } from './options.js';

export { typecheckOptions, type TypecheckOptions } from './options.js';

/**
 * Errors that only say something is not visible to this check, dropped with `unresolved: any`:
 * modules it can't see ("Cannot find module", TS2307 and kin; the imported names then type as
 * `any`, silently), calls with type arguments to them (TS2347) and namespaces from them or from
 * type packages (TS2503: NodeJS, Express, JSX), names TypeScript attributes to a type package
 * it doesn't have ("Do you need to install type definitions for node?": process, require,
 * Buffer; jQuery, test runners, Bun), and JSX without React's types (TS7026, TS2875). Errors
 * that depend on where they are (implicit-any callback parameters, missing inherited members,
 * `unknown` that came from `any`) are excused one by one in untyped.ts.
 */
const UNRESOLVED_CODES = [2307, 2792, 2875, 2347, 2503, 2580, 2581, 2582, 2591, 2592, 2593, 2867, 2868, 7026];

const show = (s: string): string => (s.length > 100 ? `${s.slice(0, 99)}…` : s);

function format(d: SnippetDiagnostic): string {
  return `TS${d.code}${d.line === undefined ? '' : ` at ${d.line}:${d.column}`}: ${d.message}`;
}

/** The file kind to check the code as, or why it is not TypeScript. */
function langOf(value: unknown, fallback: SnippetKind | undefined): { kind: SnippetKind } | { skip: string } {
  if (value === undefined || value === null || value === '') return fallback ? { kind: fallback } : { skip: 'not TypeScript (no lang given)' };
  if (typeof value !== 'string') return { skip: 'not TypeScript (lang is not a string)' };
  const kind = TS_LANGS[value.trim().toLowerCase()];
  return kind ? { kind } : { skip: `not TypeScript (lang "${show(value)}")` };
}

/** JSX in a .ts file is a syntax error; only then is it worth re-parsing as .tsx. */
const LOOKS_LIKE_JSX = /<(?:>|[A-Za-z][\w.:-]*(?:\s[^<>]*)?\/?>)/;

function checkOne(checker: SnippetChecker, text: string, kind: SnippetKind): SnippetDiagnostic[] {
  const diags = checker.check(text, kind);
  if (kind !== 'ts' || !diags.some((d) => d.syntactic) || !LOOKS_LIKE_JSX.test(text)) return diags;
  const asTsx = checker.check(text, 'tsx');
  return asTsx.some((d) => d.syntactic) ? diags : asTsx;
}

// The pipeline's per-check timer cannot interrupt synchronous code (see checks/regex): it only
// decides afterwards whether a late result counts, so a limit set too low just turns slow but
// correct answers into denials. max_bytes is what bounds the work. The default limit covers the
// first run in a process (loading the compiler and parsing lib.dom: 1.4-2 s measured on a shared
// 2-CPU machine, 3-7 s when it was saturated) plus a max_bytes file (1.2-1.8 s; up to 4.6 s). The libraries load at the
// first TypeScript action rather than at create(), so `bridle scan` on text and policies that
// never see TypeScript don't pay for them.
const TIMEOUT_MS = 15_000;

/**
 * `typecheck`: type-checks TypeScript code (params `code`, when `lang` is ts, typescript, tsx, mts
 * or cts) with the TypeScript 5.9 compiler, in memory. One finding per error, with its `TSnnnn`
 * code and span; imports of packages it can't see are `any`, so code is judged on itself.
 *
 * @example
 *   checks:
 *     - typecheck: { ambient: "declare function publish(text: string): Promise<void>;", on_fail: retry_with_feedback }
 */
export const typecheck = defineCheck({
  name: 'typecheck',
  description: 'Type-checks TypeScript code with the TypeScript compiler; one finding per error.',
  options: typecheckOptions,
  defaults: { timeoutMs: TIMEOUT_MS },
  create(options: TypecheckOptions) {
    const fields = [...new Set(options.fields)];
    const ignore = new Set([...options.ignore_codes, ...(options.unresolved === 'any' ? UNRESOLVED_CODES : [])]);
    const extra = options.ambient ? [{ name: '/ambient.d.ts', text: options.ambient }] : [];
    let checker: SnippetChecker | undefined;

    return {
      name: 'typecheck',
      sync: true,
      run(input): CheckResult {
        const lang = langOf(input.params[options.lang_field], options.lang);
        if ('skip' in lang) return { passed: true, score: 1, reason: lang.skip, findings: [] };
        const texts = textFields(input.params, fields).filter((t) => t.text.trim() !== '');
        if (texts.length === 0) return { passed: true, score: 1, reason: `no code in ${fields.join(', ')}`, findings: [] };
        const bytes = texts.reduce((n, t) => n + Buffer.byteLength(t.text, 'utf8'), 0);
        if (bytes > options.max_bytes) {
          const reason = `code is ${bytes.toLocaleString('en')} bytes, over max_bytes (${options.max_bytes.toLocaleString('en')}): too large to type-check within the time limit`;
          return { passed: false, score: 0, reason, findings: texts.map((t) => ({ message: reason, field: t.field, category: 'too_large' })), category: 'too_large' };
        }

        checker ??= new SnippetChecker(compilerOptions(options), extra, options.unresolved === 'any');
        const all: Finding[] = [];
        const counts = new Map<string, number>();
        for (const { field, text } of texts) {
          for (const d of checkOne(checker, text, lang.kind)) {
            if (ignore.has(d.code)) continue;
            const f: Finding = { message: format(d), field, category: d.syntactic ? 'syntax_error' : 'type_error' };
            if (d.start !== undefined) {
              f.span = { start: d.start, end: d.start + (d.length ?? 0) };
              const match = text.slice(f.span.start, f.span.end);
              if (match) f.match = show(match);
            }
            all.push(f);
            counts.set(`TS${d.code}`, (counts.get(`TS${d.code}`) ?? 0) + 1);
          }
        }
        if (all.length === 0) return { passed: true, score: 1, reason: 'no type errors', findings: [] };

        const codes = [...counts].map(([c, n]) => (n > 1 ? `${c} ×${n}` : c)).join(', ');
        const listed = all.length > options.max_diagnostics ? `; first ${options.max_diagnostics} listed` : '';
        const syntax = all.filter((f) => f.category === 'syntax_error').length;
        const kindOf = syntax === all.length ? 'syntax ' : syntax === 0 ? 'type ' : '';
        const reason = `${all.length} TypeScript ${kindOf}${all.length === 1 ? 'error' : 'errors'}: ${codes}${listed}`;
        // 1 error: 0.5, 3: 0.25, 9: 0.1; passed is false from the first error.
        const score = Math.round((1 / (1 + all.length)) * 1000) / 1000;
        return { passed: false, score, reason, findings: all.slice(0, options.max_diagnostics), category: all[0]?.category ?? 'type_error' };
      },
    };
  },
});
