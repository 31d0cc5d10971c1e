import { z } from 'zod';
import type ts from 'typescript';
import { ambientProblem, knownLibs, typescript, type SnippetKind } from './compiler.js';

/** Default `max_bytes`: about 5,000 lines, which took 1.2-1.8 s to check (up to 4.6 s on a saturated machine); see the timeout note in index.ts. */
export const DEFAULT_MAX_BYTES = 200_000;
export const TARGETS = ['es2015', 'es2016', 'es2017', 'es2018', 'es2019', 'es2020', 'es2021', 'es2022', 'es2023', 'es2024', 'esnext'] as const;
export const JSX_MODES = ['preserve', 'react', 'react-jsx', 'react-jsxdev', 'react-native'] as const;

/** Values of the `lang` parameter that mean TypeScript, and the file kind each is checked as. */
export const TS_LANGS: Readonly<Record<string, SnippetKind>> = { ts: 'ts', typescript: 'ts', tsx: 'tsx', mts: 'mts', cts: 'cts' };

const lang = z
  .string()
  .transform((v, ctx): SnippetKind => {
    const kind = TS_LANGS[v.trim().toLowerCase()];
    if (kind) return kind;
    ctx.addIssue({ code: 'custom', input: v, message: `lang "${v}" is not TypeScript; use one of ${Object.keys(TS_LANGS).join(', ')}` });
    return z.NEVER;
  });

const libName = z.string().transform((v, ctx) => {
  const name = v.trim().toLowerCase();
  if (knownLibs().has(name)) return name;
  ctx.addIssue({ code: 'custom', input: v, message: `unknown lib "${v}"; use names of TypeScript's lib files such as es2022, esnext, dom, dom.iterable or webworker` });
  return z.NEVER;
});

export const typecheckOptions = z
  .object({
    /** Top-level params holding code; missing, empty or non-string ones are skipped. */
    fields: z.array(z.string().min(1)).min(1).default(['code']),
    /** Param naming the language; the check runs only when it says TypeScript. */
    lang_field: z.string().min(1).default('lang'),
    /** The language assumed when the action has no `lang_field` param; unset means such actions are not checked. */
    lang: lang.optional(),
    /** TypeScript's `strict` family (noImplicitAny, strictNullChecks, …). */
    strict: z.boolean().default(true),
    target: z.enum(TARGETS, { error: (i) => `unknown target ${JSON.stringify(i.input)}; use one of ${TARGETS.join(', ')}` }).default('es2022'),
    /** Library declarations; default: the target's own library plus dom (console, fetch, timers, URL, …). */
    lib: z.array(libName).min(1, { error: 'lib needs at least one library; leave it out for the default' }).optional(),
    jsx: z.enum(JSX_MODES, { error: (i) => `unknown jsx mode ${JSON.stringify(i.input)}; use one of ${JSX_MODES.join(', ')}` }).default('preserve'),
    /** Diagnostic numbers never reported, e.g. 7006 for parameters without types. */
    ignore_codes: z.array(z.number().int().positive({ error: 'ignore_codes are TypeScript diagnostic numbers such as 2322' })).default([]),
    /** Findings listed per run; the reason still counts them all. */
    max_diagnostics: z.number().int().min(1).max(1000).default(20),
    /** Declarations (.d.ts text) the snippets may use, e.g. the agent runtime's globals and modules. */
    ambient: z
      .string()
      .max(1_000_000, { error: 'ambient is over 1,000,000 characters' })
      .superRefine((text, ctx) => {
        const problem = ambientProblem(text);
        if (problem) ctx.addIssue({ code: 'custom', message: `ambient declarations: ${problem}` });
      })
      .optional(),
    /**
     * any: imports of modules we cannot see type as `any` (TypeScript's "Cannot find module" is
     * dropped), and so do names TypeScript says come from a type package we don't have (Node's
     * process/require/Buffer, test runners' describe/it) and JSX elements without React's types,
     * so code is judged on itself. error: report them.
     */
    unresolved: z.enum(['any', 'error'], { error: 'unresolved must be any or error' }).default('any'),
    /** Larger code fails unchecked: checking is synchronous and cannot be interrupted. */
    max_bytes: z.number().int().positive().max(5_000_000).default(DEFAULT_MAX_BYTES),
  })
  .strict()
  .superRefine((o, ctx) => {
    if (o.lib && !o.lib.some((l) => l.startsWith('es'))) {
      ctx.addIssue({ code: 'custom', path: ['lib'], message: 'lib needs an ECMAScript library such as es2022 or esnext: without one, Array, Promise and the rest are missing' });
    }
  });

export type TypecheckOptions = z.output<typeof typecheckOptions>;

/** The libraries a check uses: its `lib`, or the target's plus dom. */
export function libsOf(o: TypecheckOptions): string[] {
  return o.lib ?? [o.target, 'dom'];
}

/** Compiler options for a check's programs. Needs the compiler, so it runs at the first check, not at policy load. */
export function compilerOptions(o: TypecheckOptions): ts.CompilerOptions {
  const t = typescript();
  const target: Record<(typeof TARGETS)[number], ts.ScriptTarget> = {
    es2015: t.ScriptTarget.ES2015, es2016: t.ScriptTarget.ES2016, es2017: t.ScriptTarget.ES2017, es2018: t.ScriptTarget.ES2018,
    es2019: t.ScriptTarget.ES2019, es2020: t.ScriptTarget.ES2020, es2021: t.ScriptTarget.ES2021, es2022: t.ScriptTarget.ES2022,
    es2023: t.ScriptTarget.ES2023, es2024: t.ScriptTarget.ES2024, esnext: t.ScriptTarget.ESNext,
  };
  const jsx: Record<(typeof JSX_MODES)[number], ts.JsxEmit> = {
    preserve: t.JsxEmit.Preserve, react: t.JsxEmit.React, 'react-jsx': t.JsxEmit.ReactJSX, 'react-jsxdev': t.JsxEmit.ReactJSXDev, 'react-native': t.JsxEmit.ReactNative,
  };
  return {
    strict: o.strict,
    target: target[o.target],
    lib: libsOf(o).map((l) => `lib.${l}.d.ts`),
    jsx: jsx[o.jsx],
    // preserve accepts both `import x = require()` and ESM, and top-level await; force makes every
    // snippet a module, so its `const name` does not collide with lib.dom's global `name`.
    module: t.ModuleKind.Preserve,
    moduleResolution: t.ModuleResolutionKind.Bundler,
    moduleDetection: t.ModuleDetectionKind.Force,
    allowImportingTsExtensions: true,
    noEmit: true,
    skipLibCheck: true,
    types: [],
  };
}
