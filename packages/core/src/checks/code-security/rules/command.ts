import type { SgNode } from '@ast-grep/napi';
import { args, callee, keyword, positional, property, unwrap } from '../../code/ast.js';
import type { CodeRule, RuleContext, Verdict } from '../../code/rule.js';
import { analyse, isConstant, unsafeHoles } from '../../code/strings.js';

/** Interpolated values these functions return are shell-quoted. */
const SHELL_SAFE = /quote|escape_?shell|shell_?escape|shellescape|escapeshellarg|shq/i;

const FIX = 'run the program with an argument list and no shell: execFile/spawn(cmd, [args]) or subprocess.run([cmd, arg]); quote with shlex.quote if a shell is unavoidable';

/** A shell command from non-literal input: high when assembled from it, medium when opaque. */
function command(value: SgNode | null | undefined, ctx: RuleContext): Verdict {
  if (!value) return false;
  const p = analyse(value, ctx);
  const unsafe = unsafeHoles(p, SHELL_SAFE);
  if (unsafe.length === 0) return false;
  return { severity: p.built ? 'high' : 'medium', detail: `from ${unsafe.map((h) => h.text()).slice(0, 2).join(', ')}` };
}

/** Objects child_process is usually bound to. */
const CHILD_PROCESS = /^(child_?process|childProcess|ChildProcess|cp|proc|shell|shelljs|sh|require\(\s*['"](node:)?child_process['"]\s*\))$/;

/** Where a bare name was imported from, if the snippet says (`import { exec } from 'x'`, `const { exec } = require('x')`). */
function importedFrom(name: string, text: string): string | undefined {
  const re = new RegExp(`(?:import\\s*\\{[^}]*\\b${name}\\b[^}]*\\}\\s*from|\\{[^}]*\\b${name}\\b[^}]*\\}\\s*=\\s*require\\()\\s*['"]([^'"]+)['"]`);
  return re.exec(text)?.[1];
}

/** Whether a call is child_process's (by its object, or a bare name imported from it or of unknown origin). */
function isChildProcess(call: SgNode, ctx: RuleContext): boolean {
  const { name, object } = callee(call);
  if (object) return CHILD_PROCESS.test(object.text());
  const from = importedFrom(name, ctx.text);
  if (from !== undefined) return /child_process|child-process/.test(from);
  return !new RegExp(`function\\s+${name}\\s*\\(|(const|let|var)\\s+${name}\\s*=(?![^;\\n]*child_process)`).test(ctx.text);
}

/** The elements of a JS array or Python list literal, or the value itself. */
function elements(node: SgNode): SgNode[] {
  const n = unwrap(node);
  return n.kind() === 'array' || n.kind() === 'list' ? n.namedChildren().filter((c) => c.kind() !== 'comment') : [n];
}

const SHELLS = /^['"]((\/(usr\/)?bin\/)?(ba|z|da|k)?sh|cmd(\.exe)?|powershell(\.exe)?|pwsh)['"]$/;

const jsRules: CodeRule[] = [
  {
    id: 'js.cmd.exec',
    family: 'command_injection',
    cwe: 'CWE-78',
    severity: 'high',
    message: 'child_process exec/execSync runs a shell command built from non-literal input',
    fix: FIX,
    languages: ['javascript', 'typescript'],
    hint: /\bexec(Sync)?\s*\(/,
    find: { rule: { kind: 'call_expression', has: { field: 'function', regex: '(^|\\.)(exec|execSync)$' } } },
    check: (n, ctx) => isChildProcess(n, ctx) && command(args(n)[0], ctx),
  },
  {
    id: 'js.cmd.shell-option',
    family: 'command_injection',
    cwe: 'CWE-78',
    severity: 'high',
    message: 'spawn/execFile with shell: true (or sh -c) runs non-literal input through a shell',
    fix: FIX,
    languages: ['javascript', 'typescript'],
    hint: /\b(spawn|spawnSync|execFile|execFileSync)\s*\(/,
    find: { rule: { kind: 'call_expression', has: { field: 'function', regex: '(^|\\.)(spawn|spawnSync|execFile|execFileSync)$' } } },
    check: (n, ctx) => {
      const a = args(n);
      const first = a[0];
      if (!first || !isChildProcess(n, ctx)) return false;
      const opts = a.find((x) => unwrap(x).kind() === 'object');
      const shell = opts ? property(opts, 'shell') : null;
      if (shell && shell.text() !== 'false') {
        const list = a[1] && unwrap(a[1]).kind() === 'array' ? elements(a[1]) : [];
        for (const v of [first, ...list]) {
          const verdict = command(v, ctx);
          if (verdict) return verdict;
        }
        return false;
      }
      // spawn('sh', ['-c', cmd]) is a shell too.
      if (SHELLS.test(first.text()) && a[1]) {
        const list = elements(a[1]);
        if (!list.some((x) => /^['"](-c|\/c|-Command)['"]$/i.test(x.text()))) return false;
        for (const v of list) {
          const verdict = command(v, ctx);
          if (verdict) return verdict;
        }
      }
      return false;
    },
  },
];

const pyRules: CodeRule[] = [
  {
    id: 'py.cmd.shell-function',
    family: 'command_injection',
    cwe: 'CWE-78',
    severity: 'high',
    message: 'os.system/os.popen (a shell) runs a command built from non-literal input',
    fix: FIX,
    languages: ['python'],
    hint: /\b(system|popen\d?|getoutput|getstatusoutput|create_subprocess_shell)\s*\(/,
    find: {
      rule: {
        kind: 'call',
        has: { field: 'function', regex: '^((os\\.)?(system|popen[234]?)|(commands|subprocess)\\.(getoutput|getstatusoutput)|(asyncio\\.)?create_subprocess_shell)$' },
      },
    },
    check: (n, ctx) => command(positional(n)[0] ?? keyword(n, 'cmd') ?? keyword(n, 'command'), ctx),
  },
  {
    id: 'py.cmd.shell-true',
    family: 'command_injection',
    cwe: 'CWE-78',
    severity: 'high',
    message: 'a subprocess call with shell=True runs a command built from non-literal input',
    fix: FIX,
    languages: ['python'],
    hint: /shell\s*=\s*(True|1)\b/,
    find: { rule: { kind: 'call', has: { field: 'arguments', has: { kind: 'keyword_argument', regex: '^shell\\s*=\\s*(True|1)$' } } } },
    check: (n, ctx) => {
      const first = positional(n)[0] ?? keyword(n, 'args');
      if (!first) return false;
      // A list with shell=True runs only its first item as the command; a constant list is fine.
      if (unwrap(first).kind() === 'list') return elements(first).every((e) => isConstant(e, ctx)) ? false : command(elements(first)[0], ctx);
      return command(first, ctx);
    },
  },
];

pyRules.push({
  id: 'py.cmd.sh-c',
  family: 'command_injection',
  cwe: 'CWE-78',
  severity: 'high',
  message: 'a shell is started with -c and a command built from non-literal input (["sh", "-c", cmd])',
  fix: FIX,
  languages: ['python'],
  hint: /['"](-c|\/c)['"]/,
  find: { rule: { kind: 'call', has: { field: 'function', regex: '(^|\\.)(run|call|check_call|check_output|Popen|create_subprocess_exec|spawnv?p?e?)$' } } },
  check: (n, ctx) => {
    const first = positional(n)[0] ?? keyword(n, 'args');
    if (!first || unwrap(first).kind() !== 'list') return false;
    const list = elements(first);
    if (!list[0] || !SHELLS.test(list[0].text()) || !list.some((x) => /^['"](-c|\/c)['"]$/.test(x.text()))) return false;
    for (const v of list.slice(1)) {
      const verdict = command(v, ctx);
      if (verdict) return verdict;
    }
    return false;
  },
});

export const commandRules: CodeRule[] = [...jsRules, ...pyRules];
