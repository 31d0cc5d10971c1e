import { describe, expect, it } from 'vitest';
import { pipelineFor } from '../../test-pipeline.js';
import { parsePolicy } from '../../policy/load.js';
import { scanChecks, scanOne } from '../scan.js';
import type { CheckResult } from '../types.js';
import { codeSecurity } from '../code-security/index.js';
import { detectLang, normalizeLang } from './lang.js';
import { balanceBrackets, docstringReadings } from './repair.js';
import { runRules, type CodeRule } from './rule.js';
import { SECURITY_RULES } from '../code-security/index.js';
import { PERF_RULES } from '../code-perf/index.js';

const security = codeSecurity.create(codeSecurity.options.parse({}));
const run = (params: Record<string, string>) => security.run({ agentId: 'a', actionType: 't', params }, new AbortController().signal) as CheckResult;

describe('language', () => {
  it('normalises lang params', () => {
    expect(['js', 'JSX', '.mjs', 'text/javascript', 'node'].map(normalizeLang)).toEqual(['javascript', 'javascript', 'javascript', 'javascript', 'javascript']);
    expect(['ts', 'TypeScript', 'tsx', 'py', 'Python3'].map(normalizeLang)).toEqual(['typescript', 'typescript', 'tsx', 'python', 'python']);
    expect(normalizeLang('go')).toBeUndefined();
  });

  it('guesses the language from the code, and not from prose', () => {
    expect(detectLang('import os\n\ndef main():\n    if True:\n        print(os.getcwd())\n')).toBe('python');
    expect(detectLang("const x = require('fs');\nfunction f(a) {\n  return a === 1;\n}\n")).toBe('javascript');
    expect(detectLang('interface A { x: string }\nexport const f = (a: A): string => a.x;\n')).toBe('typescript');
    expect(detectLang('export const A = () => <div className="x">hi</div>;\nconst y: number = 1;\n')).toBe('tsx');
    expect(detectLang('Thanks for your order! We will ship it on Monday; reply if you have questions.')).toBeUndefined();
  });

  it('passes code in an unknown language, or text it cannot place, with a reason', () => {
    expect(run({ code: 'package main\nfunc main() { os.Exec(x) }', lang: 'go' })).toMatchObject({ passed: true, reason: expect.stringMatching(/language "go" is not supported/) });
    expect(run({ code: 'Please eval the quarterly numbers.' })).toMatchObject({ passed: true, reason: expect.stringMatching(/could not tell the language/) });
    expect(run({ text: 'no code here' })).toMatchObject({ passed: true, reason: 'no code checked' });
  });

  it('guesses the language when no lang is sent', () => {
    const r = run({ code: 'import os\n\ndef clean(path):\n    os.system("rm -rf " + path)\n' });
    expect(r.passed).toBe(false);
    expect(r.category).toBe('command_injection');
  });
});

describe('rules', () => {
  it('every rule is valid ast-grep for every grammar of its languages', () => {
    // Hints are bypassed so each rule's search really runs; a kind a grammar lacks would throw.
    const always = (r: CodeRule): CodeRule => ({ ...r, hint: /(?:)/ });
    const code = { javascript: 'for (const x of xs) { await db.query(`${x}`); }', typescript: 'const a: string = eval(b);', tsx: 'const A = () => <div dangerouslySetInnerHTML={{ __html: x }} />;', python: 'for x in xs:\n    cur.execute(f"{x}")\n' };
    for (const rule of [...SECURITY_RULES, ...PERF_RULES].map(always)) {
      for (const [grammar, text] of Object.entries(code) as [keyof typeof code, string][]) {
        const lang = grammar === 'tsx' ? 'typescript' : grammar;
        if (!rule.languages.includes(lang)) continue;
        expect(() => runRules(text, grammar, [rule]), `${rule.id} on ${grammar}`).not.toThrow();
      }
    }
  });
});

describe('fragments', () => {
  it('balances brackets without moving any offset', () => {
    const frag = '  }, function (err) {\n    exec(cmd, (e) => {\n';
    const fixed = balanceBrackets(frag, 'javascript');
    expect(fixed.slice(0, frag.length).replace('}', ' ')).toBe(frag.replace('}', ' '));
    expect(fixed.slice(frag.length)).toBe('\n})}');
    expect(balanceBrackets('f("(", x)', 'javascript')).toBe('f("(", x)');
  });

  it('finds issues in a snippet cut out of a file', () => {
    const frag = '    _run: function(command) {\n      t.proc = ChildProcess.exec(command, function(err, out) {\n        if (err) {\n';
    const r = run({ code: frag, lang: 'javascript' });
    expect(r.category).toBe('command_injection');
    expect(frag.slice(r.findings[0]!.span!.start, r.findings[0]!.span!.end)).toMatch(/^ChildProcess\.exec\(command/);
  });

  it('reads a Python excerpt that starts inside a docstring as code', () => {
    const frag = '    Returns the handler.\n    """\n    fn = eval("handle_" + name)\n    return fn\n\ndef other():\n    """Docs that never end\n';
    expect(docstringReadings(frag).length).toBeGreaterThan(0);
    expect(run({ code: frag, lang: 'python' }).category).toBe('code_injection_eval');
  });
});

describe('bridle scan over code', () => {
  it('runs every default check on code without crashing, and code checks on prose without flagging', async () => {
    const checks = await scanChecks(undefined);
    expect(checks.map((c) => c.name)).toEqual(expect.arrayContaining(['code_security', 'code_perf']));
    const code = await scanOne({ id: 1, code: 'import os\nos.system("ping " + host)\n', lang: 'python' }, checks);
    expect(code.findings.some((f) => f.check === 'code_security' && f.category === 'command_injection')).toBe(true);
    const prose = await scanOne({ id: 2, text: 'We ship on Monday; eval results are in the report.' }, checks);
    expect(prose.findings.filter((f) => f.check.startsWith('code_'))).toEqual([]);
  });
});

const policy = `
agents:
  coder: { mode: auto }
actions:
  code.deploy:
    checks:
      - code_security: { min_severity: medium }
      - code_perf: { on_fail: require_approval }
`;

describe('code checks through the pipeline', () => {
  const p = pipelineFor(policy);
  const deploy = (code: string, lang: string) => p.bridle.submit({ agentId: 'coder', type: 'code.deploy', params: { code, lang } });

  it('blocks insecure code, asks a human about a performance smell, and runs clean code', async () => {
    const insecure = await deploy('def run(cmd):\n    subprocess.run(f"sh -c {cmd}", shell=True)\n', 'python');
    expect(insecure.status).toBe('blocked');
    expect(insecure.decision?.reason).toMatch(/code_security/);
    const finding = insecure.decision?.checks.find((c) => c.name === 'code_security')?.findings[0];
    expect(finding).toMatchObject({ category: 'command_injection', field: 'code' });

    const slow = await deploy('async function f(ids) {\n  for (const id of ids) {\n    await db.query("SELECT 1 WHERE id = $1", [id]);\n  }\n}', 'javascript');
    expect(slow.status).toBe('awaiting_approval');
    expect(slow.decision?.reason).toMatch(/code_perf/);

    const clean = await deploy('def add(a, b):\n    return a + b\n', 'python');
    expect(clean.status).toBe('succeeded');
  });

  it('rejects bad code check options at policy load with the option path', () => {
    expect(() => parsePolicy(policy.replace('min_severity: medium', 'min_severity: severe'))).toThrow(/code_security\.min_severity/);
  });
});
