import type { SgNode } from '@ast-grep/napi';
import { args, callee, unwrap } from '../../code/ast.js';
import type { CodeRule, RuleContext, Verdict } from '../../code/rule.js';
import { analyse, isConstant } from '../../code/strings.js';

const FIX = 'do not run generated code: parse data with JSON.parse / ast.literal_eval, and map names to functions with a lookup table';

/** Code from a literal is still eval (medium: it defeats CSP and review); from anything else, high. */
function codeArg(node: SgNode | undefined, ctx: RuleContext): Verdict {
  if (!node) return false;
  return isConstant(node, ctx) ? { severity: 'medium', detail: 'constant code' } : true;
}

/** Paths fixed at build time: the module's own folder, the working directory. */
const LOCATION = /^(__dirname|__filename|process\.cwd\(\)|import\.meta\.(url|dirname|filename)|require\.resolve\(\s*(['"`])[^'"`$]*\2\s*\))$/;

function isFixedPath(node: SgNode, ctx: RuleContext, depth = 0): boolean {
  const n = unwrap(node);
  if (LOCATION.test(n.text())) return true;
  if (depth > 3) return false;
  if (n.kind() === 'call_expression' && /^path\.(join|resolve)$/.test(callee(n).full)) return args(n).every((a) => isFixedPath(a, ctx, depth + 1));
  const p = analyse(n, ctx);
  return p.holes.every((h) => LOCATION.test(h.text()) || (h.kind() === 'call_expression' && h.text() !== n.text() && isFixedPath(h, ctx, depth + 1)));
}

const jsRules: CodeRule[] = [
  {
    id: 'js.eval.eval',
    family: 'code_injection_eval',
    cwe: 'CWE-95',
    severity: 'high',
    message: 'eval() runs a string as code',
    fix: FIX,
    languages: ['javascript', 'typescript'],
    hint: /\beval\s*\(/,
    find: { rule: { kind: 'call_expression', has: { field: 'function', regex: '^((window|globalThis|self|global)\\.)?eval$' } } },
    check: (n, ctx) => codeArg(args(n)[0], ctx),
  },
  {
    id: 'js.eval.new-function',
    family: 'code_injection_eval',
    cwe: 'CWE-95',
    severity: 'high',
    message: 'new Function() compiles a string into code',
    fix: FIX,
    languages: ['javascript', 'typescript'],
    hint: /\bFunction\s*\(/,
    find: {
      rule: {
        any: [
          { kind: 'new_expression', has: { field: 'constructor', regex: '^((window|globalThis)\\.)?Function$' } },
          { kind: 'call_expression', has: { field: 'function', regex: '^((window|globalThis)\\.)?Function$' } },
        ],
      },
    },
    // new Function() with no body is an empty function: nothing is compiled.
    check: (n, ctx) => {
      const a = args(n);
      if (a.length === 0) return false;
      return a.every((x) => isConstant(x, ctx)) ? { severity: 'medium', detail: 'constant code' } : true;
    },
  },
  {
    id: 'js.eval.string-timer',
    family: 'code_injection_eval',
    cwe: 'CWE-95',
    severity: 'high',
    message: 'setTimeout/setInterval is given a string, which is evaluated as code',
    fix: 'pass a function: setTimeout(() => refresh(id), ms)',
    languages: ['javascript', 'typescript'],
    hint: /\b(setTimeout|setInterval|setImmediate|execScript)\s*\(/,
    find: { rule: { kind: 'call_expression', has: { field: 'function', regex: '^((window|globalThis|self)\\.)?(setTimeout|setInterval|setImmediate|execScript)$' } } },
    check: (n, ctx) => {
      const first = args(n)[0];
      if (!first) return false;
      const p = analyse(first, ctx);
      if (p.text === '' && !p.built) return false;
      return p.holes.length === 0 ? { severity: 'medium', detail: 'constant code' } : true;
    },
  },
  {
    id: 'js.eval.vm',
    family: 'code_injection_eval',
    cwe: 'CWE-95',
    severity: 'high',
    message: 'node:vm runs non-literal code; vm is not a security boundary',
    fix: 'do not run untrusted code in-process; if you must, use a separate process or isolate with no host access',
    languages: ['javascript', 'typescript'],
    hint: /runIn\w*Context|compileFunction|\bScript\s*\(/,
    find: {
      rule: {
        any: [
          { kind: 'call_expression', has: { field: 'function', regex: '(^|\\.)(runInThisContext|runInNewContext|runInContext|compileFunction)$' } },
          { kind: 'new_expression', has: { field: 'constructor', regex: '^(vm\\.)?Script$' } },
        ],
      },
    },
    check: (n, ctx) => {
      if (n.kind() === 'new_expression' && callee(n).full === 'Script' && !/['"](node:)?vm['"]/.test(ctx.text)) return false;
      const first = args(n)[0];
      return first !== undefined && !isConstant(first, ctx);
    },
  },
  {
    id: 'js.eval.dynamic-require',
    family: 'code_injection_eval',
    cwe: 'CWE-829',
    severity: 'low',
    message: 'require()/import() of a path computed at run time loads code chosen by data',
    fix: 'require modules by literal path, or choose from a fixed map of allowed modules',
    languages: ['javascript', 'typescript'],
    hint: /\b(require|import)\s*\(/,
    find: { rule: { kind: 'call_expression', has: { field: 'function', regex: '^(require|import)$' } } },
    check: (n, ctx) => {
      const first = args(n)[0];
      return first !== undefined && !isFixedPath(first, ctx);
    },
  },
];

const pyRules: CodeRule[] = [
  {
    id: 'py.eval.eval-exec',
    family: 'code_injection_eval',
    cwe: 'CWE-94',
    severity: 'high',
    message: 'eval()/exec() runs a string as Python code',
    fix: FIX,
    languages: ['python'],
    hint: /\b(eval|exec)\b/,
    find: { rule: { any: [{ kind: 'call', has: { field: 'function', regex: '^((__)?builtins(__)?\\.)?(eval|exec)$' } }, { kind: 'exec_statement' }] } },
    check: (n, ctx) => (n.kind() === 'exec_statement' ? true : codeArg(args(n)[0], ctx)),
  },
  {
    id: 'py.eval.compile',
    family: 'code_injection_eval',
    cwe: 'CWE-94',
    severity: 'medium',
    message: 'compile() turns a non-literal string into a code object',
    fix: FIX,
    languages: ['python'],
    hint: /\bcompile\s*\(/,
    find: { rule: { kind: 'call', has: { field: 'function', regex: '^compile$' } } },
    check: (n, ctx) => {
      const a = args(n);
      // exec(compile(…)) is reported once, at the exec.
      const outer = n.parent()?.parent();
      if (outer?.kind() === 'call' && /^(eval|exec)$/.test(callee(outer).full)) return false;
      return a.length >= 2 && !isConstant(a[0]!, ctx);
    },
  },
  {
    id: 'py.eval.dynamic-import',
    family: 'code_injection_eval',
    cwe: 'CWE-829',
    severity: 'low',
    message: '__import__/importlib.import_module of a name computed at run time loads code chosen by data',
    fix: 'import by literal name, or choose from a fixed dict of allowed modules',
    languages: ['python'],
    hint: /__import__|import_module/,
    find: { rule: { kind: 'call', has: { field: 'function', regex: '^(__import__|(importlib\\.)?import_module)$' } } },
    check: (n, ctx) => {
      const first = args(n)[0];
      return first !== undefined && !isConstant(first, ctx);
    },
  },
];

export const evalRules: CodeRule[] = [...jsRules, ...pyRules];
