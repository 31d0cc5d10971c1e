import type { SgNode } from '@ast-grep/napi';
import { anyKind, args, callee, FUNCTION_KINDS, unwrap } from '../../code/ast.js';
import type { RuleContext } from '../../code/rule.js';

/** Statements that repeat their body. */
export const LOOP_KINDS = new Set(['for_statement', 'for_in_statement', 'while_statement', 'do_statement', 'list_comprehension', 'generator_expression', 'set_comprehension', 'dictionary_comprehension']);

/** Array methods whose callback runs once per element: the callback body is a loop body. */
export const ITERATING_METHODS = new Set(['forEach', 'map', 'flatMap', 'filter', 'reduce', 'reduceRight', 'some', 'every', 'find', 'findIndex', 'findLast', 'findLastIndex']);

/** Concurrency helpers: `Promise.all(xs.map(fetch))` runs the calls together, not one by one. */
const CONCURRENT = /^(Promise\.(all|allSettled|any|race)|asyncio\.gather|gather|pMap|pAll|Bluebird\.map)$/;

/** A function passed to `xs.forEach(…)`/`xs.map(…)`: returns that call, else null. */
export function iteratingCall(fn: SgNode): SgNode | null {
  const argList = fn.parent();
  const call = argList?.parent();
  if (argList?.kind() !== 'arguments' || call?.kind() !== 'call_expression') return null;
  return ITERATING_METHODS.has(callee(call).name) ? call : null;
}

/** Whether a call's result goes (maybe through `.map`) straight into Promise.all / asyncio.gather. */
export function runsConcurrently(call: SgNode): boolean {
  for (let p = call.parent(), hops = 0; p && hops < 4; p = p.parent(), hops++) {
    if ((p.kind() === 'call_expression' || p.kind() === 'call') && CONCURRENT.test(callee(p).full)) return true;
  }
  return false;
}

/**
 * The loop a node repeats in: the nearest loop statement, comprehension or iterating callback,
 * not crossing any other function (a call in a helper defined inside a loop runs when called).
 */
export function enclosingLoop(node: SgNode): SgNode | null {
  for (let p = node.parent(); p; p = p.parent()) {
    const k = String(p.kind());
    if (LOOP_KINDS.has(k)) return p;
    if (FUNCTION_KINDS.has(k)) return iteratingCall(p) ? p : null;
  }
  return null;
}

/** Names bound per iteration: `for (const x of …)`, `for i in …`, `for (let i = 0; …)`, callback params. */
export function loopVariables(loop: SgNode, ctx: RuleContext): Set<string> {
  const out = new Set<string>();
  const k = String(loop.kind());
  let binders: (SgNode | null)[] = [];
  if (k === 'for_in_statement' || k === 'for_statement') binders = [loop.field('left'), loop.field('initializer')];
  else if (FUNCTION_KINDS.has(k)) binders = [loop.field('parameters'), loop.field('parameter')];
  else if (k.endsWith('comprehension') || k === 'generator_expression') binders = loop.findAll({ rule: { kind: 'for_in_clause' } }).map((c) => c.field('left'));
  for (const b of binders) {
    if (!b) continue;
    if (b.kind() === 'identifier') {
      out.add(b.text());
      continue;
    }
    for (const n of b.findAll({ rule: anyKind(ctx, 'identifier', 'shorthand_property_identifier_pattern') })) {
      // In `for (let i = 0; …)` the name is the declarator's, not its value's.
      const p = n.parent();
      if (p?.kind() === 'variable_declarator' && p.field('value')?.id() === n.id()) continue;
      out.add(n.text());
    }
  }
  return out;
}

/**
 * Names whose value changes per iteration: the loop variables, plus names assigned in the body
 * from them before `before` (`const line = lines[i]`).
 */
export function perIteration(loop: SgNode, before: number, ctx: RuleContext): Set<string> {
  const tainted = loopVariables(loop, ctx);
  const body = loop.field('body') ?? loop;
  const decls = body.findAll({ rule: anyKind(ctx, 'variable_declarator', 'assignment', 'assignment_expression') });
  for (const d of decls) {
    if (d.range().start.index >= before) continue;
    const value = d.field('value') ?? d.field('right');
    const target = d.field('name') ?? d.field('left');
    if (!value || !target || !mentions(value, tainted, ctx)) continue;
    for (const n of target.kind() === 'identifier' ? [target] : target.findAll({ rule: { kind: 'identifier' } })) tainted.add(n.text());
  }
  return tainted;
}

/** Whether a node uses any of the names (as a variable or shorthand property). */
export function mentions(node: SgNode, names: ReadonlySet<string>, ctx: RuleContext): boolean {
  if (names.size === 0) return false;
  const n = unwrap(node);
  if (n.kind() === 'identifier') return names.has(n.text());
  return n.findAll({ rule: anyKind(ctx, 'identifier', 'shorthand_property_identifier') }).some((i) => names.has(i.text()));
}

/** The collection a loop walks, as text: `xs` for `for (x of xs)`, `xs.forEach`, `i < xs.length`, `range(len(xs))`. */
export function collectionOf(loop: SgNode): string | null {
  const k = loop.kind();
  let c: SgNode | null = null;
  if (k === 'for_in_statement' || (k === 'for_statement' && loop.field('right'))) c = loop.field('right');
  else if (k === 'for_statement') {
    const cond = loop.field('condition')?.text() ?? '';
    const m = /<=?\s*([\w$.]+)\.length\b/.exec(cond);
    return m ? m[1]! : null;
  } else if (FUNCTION_KINDS.has(String(k))) c = iteratingCall(loop)?.field('function')?.field('object') ?? null;
  if (!c) return null;
  c = unwrap(c);
  // for i in range(len(xs)) / for i, x in enumerate(xs): the collection is xs.
  if (c.kind() === 'call' && /^(range|enumerate|reversed|sorted)$/.test(callee(c).full)) {
    const a = args(c);
    const inner = a.length === 1 ? unwrap(a[0]!) : null;
    if (!inner) return null;
    if (inner.kind() === 'call' && callee(inner).full === 'len') return args(inner)[0]?.text() ?? null;
    return callee(c).full === 'range' ? null : inner.text();
  }
  return c.text().replace(/\s+/g, '');
}
