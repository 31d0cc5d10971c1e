import { createRequire } from 'node:module';
import type * as Cel from '@bufbuild/cel';

/**
 * @bufbuild/cel brings protobuf, the CEL spec tables and an RE2 port: about 4 MB of heap and
 * three times that in compiled code. Most policies have no CEL at all, so it is required (its
 * CommonJS build; compiling stays synchronous) the first time an expression is compiled.
 */
const requireCjs = createRequire(import.meta.url);
let celModule: typeof Cel | undefined;
function cel(): typeof Cel {
  return (celModule ??= requireCjs('@bufbuild/cel') as typeof Cel);
}

/** The parser's node type, named through our direct dependency rather than its own. */
type Expr = ReturnType<typeof Cel.parse>['expr'];

/** Roots of every identifier in an expression, so a typo (`agnet.id`) fails at load, not per action. */
function identifiers(e: Expr | undefined, out: Set<string>): Set<string> {
  if (!e) return out;
  const k = e.exprKind;
  switch (k.case) {
    case 'identExpr':
      out.add(k.value.name);
      break;
    case 'selectExpr':
      identifiers(k.value.operand, out);
      break;
    case 'callExpr':
      identifiers(k.value.target, out);
      for (const a of k.value.args) identifiers(a, out);
      break;
    case 'listExpr':
      for (const a of k.value.elements) identifiers(a, out);
      break;
    case 'structExpr':
      for (const en of k.value.entries) {
        if (en.keyKind.case === 'mapKey') identifiers(en.keyKind.value, out);
        identifiers(en.value, out);
      }
      break;
    case 'comprehensionExpr': {
      const c = k.value;
      const inner = new Set<string>();
      for (const x of [c.iterRange, c.accuInit, c.loopCondition, c.loopStep, c.result]) identifiers(x, inner);
      for (const n of inner) if (n !== c.iterVar && n !== c.accuVar) out.add(n);
      break;
    }
    default:
      break;
  }
  return out;
}

export type CelRun = (vars: Record<string, unknown>) => { ok: true; value: unknown } | { ok: false; error: string };

/**
 * Compiles a CEL expression over the named variables (each a map of anything, or a plain value).
 * Refuses syntax errors and names that are not variables, so a policy with a typo never loads.
 */
export function compileCel(source: string, variables: readonly string[]): { ok: true; run: CelRun; uses: ReadonlySet<string> } | { ok: false; error: string } {
  const { celEnv, isCelError, parse, plan, CelScalar } = cel();
  let parsed;
  try {
    parsed = parse(source);
  } catch (e) {
    return { ok: false, error: `CEL does not parse: ${(e as Error).message}` };
  }
  const used = identifiers(parsed.expr, new Set());
  const unknown = [...used].filter((n) => !variables.includes(n));
  if (unknown.length > 0) return { ok: false, error: `CEL refers to unknown ${unknown.length > 1 ? 'names' : 'name'} ${unknown.join(', ')} (known: ${variables.join(', ')})` };
  // Every variable is dynamic: values come from JSON (maps, numbers, strings) and plain flags.
  const env = celEnv({ variables: Object.fromEntries(variables.map((v) => [v, CelScalar.DYN])) });
  const f = plan(env, parsed);
  return {
    ok: true,
    uses: used,
    run: (vars) => {
      const r = f(vars as never);
      return isCelError(r) ? { ok: false, error: r.message } : { ok: true, value: r };
    },
  };
}
