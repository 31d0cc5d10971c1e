import type { SgNode } from '@ast-grep/napi';
import { hasKind } from './parse.js';
import type { RuleContext } from './rule.js';

/** Functions, methods and lambdas: a `return` inside one does not leave the code around it. */
export const FUNCTION_KINDS = new Set([
  'function_declaration',
  'function_expression',
  'function',
  'arrow_function',
  'method_definition',
  'generator_function_declaration',
  'generator_function',
  'class_declaration',
  'class',
  'function_definition',
  'lambda',
  'class_definition',
]);

/** Wrappers that do not change a value: parentheses, TypeScript casts and `!`. */
const TRANSPARENT = new Set(['parenthesized_expression', 'as_expression', 'non_null_expression', 'satisfies_expression', 'type_assertion']);

export function unwrap(node: SgNode): SgNode {
  let n = node;
  while (TRANSPARENT.has(String(n.kind()))) {
    const inner = n.namedChildren().find((c) => c.kind() !== 'comment');
    if (!inner) break;
    n = inner;
  }
  return n;
}

/** The argument nodes of a call (JS `f(a, b)` or Python `f(a, k=b)`); empty for a tagged template. */
export function args(call: SgNode): SgNode[] {
  const a = call.field('arguments');
  if (!a || a.kind() === 'template_string') return [];
  if (a.kind() === 'generator_expression') return [a];
  return a.namedChildren().filter((c) => c.kind() !== 'comment');
}

/** Python positional arguments (no `k=v`). */
export function positional(call: SgNode): SgNode[] {
  return args(call).filter((a) => a.kind() !== 'keyword_argument' && a.kind() !== 'dictionary_splat');
}

/** The value of a Python keyword argument `name=value`. */
export function keyword(call: SgNode, name: string): SgNode | null {
  for (const a of args(call)) {
    if (a.kind() === 'keyword_argument' && a.field('name')?.text() === name) return a.field('value');
  }
  return null;
}

/** The called name's last part (`query` for `db.pool.query(…)`), and the full callee text. */
export function callee(call: SgNode): { name: string; full: string; object: SgNode | null } {
  const fn = call.field('function') ?? call.field('constructor');
  if (!fn) return { name: '', full: '', object: null };
  const f = unwrap(fn);
  const prop = f.field('property') ?? f.field('attribute');
  if (prop) return { name: prop.text(), full: f.text(), object: f.field('object') };
  return { name: f.text(), full: f.text(), object: null };
}

/** The value of a JS object-literal property `key: value` (or the Python dict entry `"key": value`). */
export function property(obj: SgNode, key: string): SgNode | null {
  const o = unwrap(obj);
  if (o.kind() !== 'object' && o.kind() !== 'dictionary') return null;
  for (const pair of o.namedChildren()) {
    if (pair.kind() === 'shorthand_property_identifier' && pair.text() === key) return pair;
    if (pair.kind() !== 'pair') continue;
    const k = pair.field('key');
    if (k && k.text().replace(/^['"]|['"]$/g, '') === key) return pair.field('value');
  }
  return null;
}

// Rules ask for the same node's function many times, and each step up the tree is a native
// call. Node ids are unique within one tree, so the memo lives for one run (see withRunMemo).
let functionMemo: Map<number, SgNode | null> | undefined;

/** Runs `fn` with a fresh memo for enclosingFunction; runs are synchronous, so they never interleave. */
export function withRunMemo<T>(fn: () => T): T {
  const outer = functionMemo;
  functionMemo = new Map();
  try {
    return fn();
  } finally {
    functionMemo = outer;
  }
}

/** The function, method or lambda a node is in, or null at module level. */
export function enclosingFunction(node: SgNode): SgNode | null {
  const id = functionMemo ? node.id() : -1;
  const hit = functionMemo?.get(id);
  if (hit !== undefined) return hit;
  let found: SgNode | null = null;
  for (let p = node.parent(); p; p = p.parent()) {
    if (FUNCTION_KINDS.has(String(p.kind()))) {
      found = p;
      break;
    }
  }
  functionMemo?.set(id, found);
  return found;
}

/**
 * The values assigned to an identifier, nearest scope first: declarations, `=` and `+=` in the
 * function it is used in, else anywhere in the file. Only assignments before the use count when
 * there are any (a loop may reassign after). Deliberately one file deep: no imports, no calls.
 */
export function assignedValues(id: SgNode, ctx: RuleContext): SgNode[] {
  const name = id.text();
  if (!/^[\w$]+$/.test(name)) return [];
  const at = id.range().start.index;
  // A parameter of any function around the use is input, whatever other scopes assign to the name.
  for (let fn = enclosingFunction(id); fn; fn = enclosingFunction(fn)) {
    if (parameterNames(fn).has(name)) return [];
  }
  // Nearest scope first: the function the name is used in, the functions around it (closures),
  // then module level. Only assignments made directly in a scope count for it: another
  // function's local of the same name is another variable.
  const scopes: (SgNode | null)[] = [];
  for (let fn = enclosingFunction(id); fn; fn = enclosingFunction(fn)) scopes.push(fn);
  scopes.push(null);
  for (const scope of scopes) {
    const owner = scope === null ? null : scope.id();
    const found = assignmentsIn(scope ?? ctx.root, name, ctx).filter((a) => a.owner === owner);
    if (found.length === 0) continue;
    const before = found.filter((a) => a.at < at);
    return (before.length > 0 ? before : found).map((a) => a.value);
  }
  return [];
}

/** The names a function binds as parameters (destructured ones included). */
function parameterNames(fn: SgNode): Set<string> {
  const out = new Set<string>();
  for (const p of [fn.field('parameters'), fn.field('parameter')]) {
    if (!p) continue;
    if (p.kind() === 'identifier') out.add(p.text());
    // Parameter lists hold identifiers (and patterns of them); default values are expressions after `=`.
    else for (const m of p.text().matchAll(/(?:^|[(,{[\s*])([A-Za-z_$][\w$]*)(?=\s*[,)}\]:=?]|\s*$)/g)) out.add(m[1]!);
  }
  return out;
}

type Assignment = { at: number; value: SgNode; owner: number | null };

/**
 * Every `name = v` / `name += v` in a scope, indexed by name. One search per scope and run,
 * without a regex: ast-grep compiles a rule's regex on each search, which cost more than the
 * search itself when done per name.
 */
function assignmentsIn(scope: SgNode, name: string, ctx: RuleContext): Assignment[] {
  const key = `assign:${scope.id()}`;
  let index = ctx.memo.get(key) as Map<string, Assignment[]> | undefined;
  if (!index) {
    index = new Map();
    const kinds = anyKind(ctx, 'assignment', 'augmented_assignment', 'variable_declarator', 'assignment_expression', 'augmented_assignment_expression');
    for (const n of scope.findAll({ rule: kinds })) {
      const target = n.field('name') ?? n.field('left');
      if (target?.kind() !== 'identifier') continue;
      if (String(n.kind()).startsWith('augmented') && n.field('operator')?.text() !== '+=') continue;
      const value = n.field('value') ?? n.field('right');
      if (!value) continue;
      const list = index.get(target.text()) ?? [];
      list.push({ at: n.range().start.index, value, owner: enclosingFunction(n)?.id() ?? null });
      index.set(target.text(), list);
    }
    ctx.memo.set(key, index);
  }
  return index.get(name) ?? [];
}

/** Words of an identifier: `createResetToken` → create, reset, token; `API_KEY` → api, key. */
export function words(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

const kindRules = new Map<string, { any: { kind: string }[] }>();

/**
 * A rule matching any of `kinds` that the run's grammar has, for helpers shared by languages
 * (ast-grep rejects a rule naming a kind its grammar lacks, e.g. `call` in JavaScript).
 */
export function anyKind(ctx: RuleContext, ...kinds: string[]): { any: { kind: string }[] } {
  const key = `${ctx.grammar}:${kinds.join(',')}`;
  let r = kindRules.get(key);
  if (!r) {
    r = { any: kinds.filter((k) => hasKind(ctx.grammar, k)).map((kind) => ({ kind })) };
    kindRules.set(key, r);
  }
  return r;
}
