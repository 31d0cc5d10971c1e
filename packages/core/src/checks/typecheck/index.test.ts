import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../../json.js';
import type { Check, CheckResult } from '../types.js';
import { typecheck } from './index.js';

const signal = new AbortController().signal;

function make(raw: unknown = {}): Check {
  const check = typecheck.create(typecheck.options.parse(raw));
  expect(check.sync).toBe(true);
  return check;
}

function runOn(check: Check, params: JsonObject): CheckResult {
  const result = check.run({ agentId: 'a', actionType: 'deploy.code', params }, signal);
  if (result instanceof Promise) throw new Error('typecheck must be synchronous');
  return result;
}

const run = (raw: unknown, code: string, lang: string | null = 'ts'): CheckResult => runOn(make(raw), lang === null ? { code } : { code, lang });
const codes = (r: CheckResult): string[] => r.findings.map((f) => /^TS\d+/.exec(f.message)?.[0] ?? f.message);

const CLEAN = `interface Order { id: string; totalUsd: number; lines: { sku: string; qty: number }[] }

export async function summarise(orders: Order[]): Promise<string> {
  const bySku = new Map<string, number>();
  for (const o of orders) for (const l of o.lines) bySku.set(l.sku, (bySku.get(l.sku) ?? 0) + l.qty);
  const top = [...bySku].sort((a, b) => b[1] - a[1]).slice(0, 3);
  const total = orders.reduce((s, o) => s + o.totalUsd, 0);
  await new Promise((r) => setTimeout(r, 1));
  console.log(JSON.stringify({ top, total }));
  return \`\${orders.length} orders, $\${total.toFixed(2)}\`;
}
`;

describe('typecheck', () => {
  it('passes correct code that uses the standard library and the DOM globals', () => {
    expect(run({}, CLEAN)).toEqual({ passed: true, score: 1, reason: 'no type errors', findings: [] });
  });

  it('reports each type error with its TS code, line:column and the exact span', () => {
    const code = 'const n: number = "seven";\nfunction twice(x: number) { return x * 2 }\ntwice("2");\n';
    const r = run({}, code);
    expect(r).toMatchObject({ passed: false, category: 'type_error', reason: '2 TypeScript type errors: TS2322, TS2345' });
    expect(r.findings).toEqual([
      { message: "TS2322 at 1:7: Type 'string' is not assignable to type 'number'.", field: 'code', category: 'type_error', span: { start: 6, end: 7 }, match: 'n' },
      { message: "TS2345 at 3:7: Argument of type 'string' is not assignable to parameter of type 'number'.", field: 'code', category: 'type_error', span: { start: 76, end: 79 }, match: '"2"' },
    ]);
    expect(code.slice(76, 79)).toBe('"2"');
  });

  it('flattens chained messages and scores lower as errors add up', () => {
    const chained = run({}, 'const o: { a: { b: number } } = { a: { b: "x" } };');
    expect(chained.findings[0]?.message).toMatch(/^TS2322 at 1:40: Type 'string' is not assignable to type 'number'\./);
    const one = run({}, 'const a: number = "1";');
    const three = run({}, 'const a: number = "1";\nconst b: number = "2";\nconst c: string = 3;');
    expect(one.score).toBe(0.5);
    expect(three.score).toBe(0.25);
    expect(three.reason).toBe('3 TypeScript type errors: TS2322 ×3');
  });

  it('reports syntax errors alone, as syntax_error, without the type noise they cause', () => {
    const r = run({}, 'const x = ;\nconst y: number = "s";');
    expect(r).toMatchObject({ passed: false, category: 'syntax_error', reason: '1 TypeScript syntax error: TS1109' });
    expect(r.findings).toEqual([{ message: 'TS1109 at 1:11: Expression expected.', field: 'code', category: 'syntax_error', span: { start: 10, end: 11 }, match: ';' }]);
  });

  it('is strict by default: strict: false allows implicit any and unchecked nulls', () => {
    const code = 'function first(xs) { return xs[0] }\nconst el = document.querySelector("p");\nel.textContent = "hi";';
    expect(codes(run({}, code))).toEqual(['TS7006', 'TS18047']);
    expect(run({ strict: false }, code).passed).toBe(true);
  });

  it('lets ambient declarations type the runtime the snippet runs in, globals and modules alike', () => {
    const ambient = "declare const agent: { id: string; post(text: string): Promise<void> };\ndeclare module 'bridle:tools' { export function refund(orderId: string, usd: number): Promise<boolean>; }";
    const code = "import { refund } from 'bridle:tools';\nawait agent.post(agent.id);\nconst ok: boolean = await refund('o-1', 20);\nexport { ok };";
    expect(run({}, code).findings.map((f) => f.message)).toEqual(["TS2304 at 2:7: Cannot find name 'agent'.", "TS2304 at 2:18: Cannot find name 'agent'."]);
    expect(run({ ambient }, code)).toMatchObject({ passed: true });
    // Declared modules are checked for real: the wrong argument type is caught.
    expect(run({ ambient }, code.replace("refund('o-1', 20)", "refund('o-1', '20')")).findings.map((f) => f.match)).toEqual(["'20'"]);
  });

  it('types imports of modules it cannot see as any by default, and reports them with unresolved: error', () => {
    const code = "import express from 'express';\nimport type { Request } from 'express';\nimport { helper } from './helper';\nimport fs = require('node:fs');\nconst app = express();\napp.get('/', (req: Request) => helper(req, fs.readFileSync('x')));\nconst n: number = 'x';";
    expect(codes(run({}, code))).toEqual(['TS2322']);
    expect(codes(run({ unresolved: 'error' }, code))).toEqual(['TS2307', 'TS2307', 'TS2307', 'TS2307', 'TS2322']);
  });

  it('excuses strict-mode errors that only come from unseen types, and keeps the same errors in code it can see', () => {
    const unseen = [
      "import express from 'express';",
      "import type { HTMLAttributes } from 'react';",
      "import { registry, HttpError, isHttpError } from './lib';",
      'const app = express();',
      "app.get('/', (req, res) => res.send(req.query.q));",
      "app.use({ handle(err, next) { next(err); } });",
      'interface Props extends HTMLAttributes<HTMLDivElement> { size: number }',
      'export const cls = (p: Props) => p.className;',
      'for (const [name, def] of Object.entries(registry)) def.start(name);',
      'try { app.listen(3000); } catch (e) { if (e instanceof HttpError) console.log(e.status); if (isHttpError(e)) console.log(e.status); }',
    ].join('\n');
    expect(run({}, unseen)).toMatchObject({ passed: true });
    const own = [
      'const twice = (x) => x * 2;',
      'interface Base { a: number }',
      'interface Props extends Base { size: number }',
      'export const cls = (p: Props) => p.className;',
      'const registry: Record<string, unknown> = {};',
      'for (const [name, def] of Object.entries(registry)) console.log(name, def.start);',
      'try { twice(1); } catch (e) { console.log(e.status); }',
    ].join('\n');
    expect(codes(run({}, own))).toEqual(['TS7006', 'TS2339', 'TS18046', 'TS18046']);
    // unresolved: error excuses nothing.
    expect(codes(run({ unresolved: 'error' }, unseen))).toEqual(expect.arrayContaining(['TS2307', 'TS7006', 'TS2339', 'TS18046']));
  });

  it("does not fail on Node's globals by default, and reports them with unresolved: error", () => {
    const code = 'const home = process.env.HOME;\nconst buf = Buffer.from("x");\nexport { home, buf };';
    expect(run({}, code).passed).toBe(true);
    expect(codes(run({ unresolved: 'error' }, code))).toEqual(['TS2591', 'TS2591']);
  });

  it('checks JSX as TSX when lang is tsx, or when a .ts parse fails on it', () => {
    const jsx = 'export const Badge = ({ n }: { n: number }) => <span className="badge">{n.toFixed(0)}</span>;\nconst s: string = 1;';
    expect(codes(run({}, jsx, 'tsx'))).toEqual(['TS2322']);
    expect(codes(run({}, jsx, 'ts'))).toEqual(['TS2322']);
    // A generic cast is valid .ts and stays .ts.
    expect(run({}, 'const v = <number>(1 as unknown);\nexport { v };', 'ts').passed).toBe(true);
    // Classic React mode needs React in scope; the default (preserve) does not.
    expect(codes(run({ jsx: 'react' }, jsx, 'tsx'))).toEqual(['TS2874', 'TS2322']);
  });

  it('accepts mts and cts and top-level await', () => {
    expect(run({}, 'const r = await fetch("https://example.com");\nexport const status: number = r.status;', 'mts').passed).toBe(true);
    expect(run({}, "import path = require('node:path');\nexport = path;", 'cts').passed).toBe(true);
  });

  it('runs only on TypeScript, or on code without lang when configured for it', () => {
    const bad = 'const x: number = "no";';
    for (const lang of ['python', 'javascript', 'js', 'en']) expect(run({}, bad, lang)).toEqual({ passed: true, score: 1, reason: `not TypeScript (lang "${lang}")`, findings: [] });
    expect(run({}, bad, null)).toMatchObject({ passed: true, reason: 'not TypeScript (no lang given)' });
    expect(runOn(make(), { code: bad, lang: 5 })).toMatchObject({ passed: true, reason: 'not TypeScript (lang is not a string)' });
    for (const lang of ['TypeScript', ' TS ', 'tsx', 'MTS', 'cts']) expect(run({}, bad, lang).passed).toBe(false);
    expect(run({ lang: 'typescript' }, bad, null).passed).toBe(false);
    expect(run({ lang: 'ts' }, bad, 'python').passed).toBe(true);
    expect(runOn(make({ lang_field: 'language' }), { code: bad, language: 'ts' }).passed).toBe(false);
  });

  it('checks every configured field, and passes when there is no code', () => {
    const check = make({ fields: ['code', 'tests'] });
    const r = runOn(check, { code: 'export const a = 1;', tests: 'const b: string = 2;', lang: 'ts' });
    expect(r.findings.map((f) => [f.field, f.span])).toEqual([['tests', { start: 6, end: 7 }]]);
    expect(runOn(check, { text: 'hello', lang: 'ts' })).toMatchObject({ passed: true, reason: 'no code in code, tests' });
    expect(runOn(check, { code: '  \n', lang: 'ts' }).passed).toBe(true);
  });

  it('refuses code over max_bytes without checking it, and says why', () => {
    const code = `const s: number = "x";\n${'export const a = 1;\n'.repeat(60)}`;
    const r = run({ max_bytes: 1000 }, code);
    expect(r).toMatchObject({ passed: false, score: 0, category: 'too_large', reason: `code is ${Buffer.byteLength(code).toLocaleString('en')} bytes, over max_bytes (1,000): too large to type-check within the time limit` });
    expect(r.findings).toEqual([{ message: r.reason, field: 'code', category: 'too_large' }]);
    // Bytes, not characters: 400 three-byte characters are 1,200 bytes.
    expect(run({ max_bytes: 1000 }, `export const s = "${'€'.repeat(400)}";`).category).toBe('too_large');
    expect(run({ max_bytes: 2000 }, code).category).toBe('type_error');
  });

  it('drops ignored codes, and lists at most max_diagnostics findings while counting them all', () => {
    const code = Array.from({ length: 5 }, (_, i) => `const v${i}: number = "${i}";`).join('\n') + '\nfunction f(a) { return a }';
    expect(codes(run({ ignore_codes: [7006] }, code))).toEqual(Array(5).fill('TS2322'));
    const capped = run({ max_diagnostics: 2 }, code);
    expect(capped.findings).toHaveLength(2);
    expect(capped.reason).toBe('6 TypeScript type errors: TS2322 ×5, TS7006; first 2 listed');
    expect(capped.score).toBe(0.143);
  });

  it('uses the target and lib options: the default lib is the target plus dom', () => {
    const code = 'const has = Object.hasOwn({ a: 1 }, "a");\nconsole.log(has);';
    expect(run({}, code).passed).toBe(true);
    expect(codes(run({ target: 'es2020' }, code))).toEqual(['TS2550']);
    expect(codes(run({ lib: ['es2022'] }, code))).toEqual(['TS2584']);
    expect(run({ lib: ['ES2022', 'DOM'] }, code).passed).toBe(true);
  });

  it('gives the same answers on repeated runs and across differently configured checks', () => {
    const strict = make();
    const loose = make({ strict: false });
    const bad = { code: 'function f(a) { return a.b }', lang: 'ts' };
    const good = { code: CLEAN, lang: 'ts' };
    const first = runOn(strict, bad);
    expect(runOn(loose, bad).passed).toBe(true);
    expect(runOn(strict, good).passed).toBe(true);
    expect(runOn(strict, bad)).toEqual(first);
    expect(runOn(loose, bad).passed).toBe(true);
  });

  it('never reads files from disk for a /// <reference path> in the snippet', () => {
    // @types/node is installed for the repo and declares `process`; loading it would make this pass.
    const nodeTypes = createRequire(import.meta.url).resolve('@types/node/index.d.ts');
    const r = run({ unresolved: 'error' }, `/// <reference path="${nodeTypes}" />\nprocess.exit(1);`);
    expect(codes(r)).toEqual(['TS6053', 'TS2591']);
    expect(r.passed).toBe(false);
  });
});

describe('typecheck options', () => {
  function issue(raw: unknown): string {
    const r = typecheck.options.safeParse(raw);
    expect(r.success).toBe(false);
    return (r.error?.issues ?? []).map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
  }

  it('has working defaults', () => {
    expect(typecheck.options.parse({})).toMatchObject({ fields: ['code'], lang_field: 'lang', strict: true, target: 'es2022', jsx: 'preserve', ignore_codes: [], max_diagnostics: 20, unresolved: 'any', max_bytes: 200_000 });
    expect(typecheck.defaults?.timeoutMs).toBeGreaterThan(250);
  });

  it('rejects bad options with clear messages', () => {
    expect(issue({ lib: ['es2099'] })).toMatch(/^lib\.0: unknown lib "es2099"; use names of TypeScript's lib files/);
    expect(issue({ lib: ['dom'] })).toMatch(/^lib: lib needs an ECMAScript library/);
    expect(issue({ lib: [] })).toMatch(/^lib: lib needs at least one library/);
    expect(issue({ target: 'es3' })).toMatch(/^target: unknown target "es3"; use one of es2015/);
    expect(issue({ jsx: 'vue' })).toMatch(/^jsx: unknown jsx mode "vue"/);
    expect(issue({ lang: 'python' })).toMatch(/^lang: lang "python" is not TypeScript; use one of ts, typescript, tsx, mts, cts/);
    expect(issue({ ignore_codes: [-1] })).toMatch(/^ignore_codes\.0: ignore_codes are TypeScript diagnostic numbers/);
    expect(issue({ unresolved: 'ignore' })).toMatch(/^unresolved: unresolved must be any or error/);
    expect(issue({ max_bytes: 0 })).toMatch(/^max_bytes:/);
    expect(issue({ fields: [] })).toMatch(/^fields:/);
    expect(issue({ strict: 'yes' })).toMatch(/^strict:/);
    expect(issue({ strickt: true })).toMatch(/strickt/);
  });

  it('rejects ambient text with a syntax error, or that is a module, at policy load', () => {
    expect(issue({ ambient: 'declare const x: ;' })).toMatch(/^ambient: ambient declarations: syntax error at 1:18: TS1110 Type expected/);
    expect(issue({ ambient: "export declare const x: number;" })).toMatch(/^ambient: ambient declarations: it has an import or export/);
    expect(typecheck.options.safeParse({ ambient: "export {};\ndeclare global { const x: number }" }).success).toBe(true);
  });
});
