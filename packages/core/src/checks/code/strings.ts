import type { SgNode } from '@ast-grep/napi';
import { args, assignedValues, callee, keyword, unwrap } from './ast.js';
import type { RuleContext } from './rule.js';

/**
 * How a string expression is made: its literal text and the values interpolated into it.
 * `query("SELECT … WHERE id = " + id)` has text `SELECT … WHERE id = ?` and one hole, `id`.
 */
export interface Parts {
  /** The literal text, with `?` where a value goes. */
  text: string;
  /** Expressions whose values end up in the string. */
  holes: SgNode[];
  /** True when the string is assembled: concatenation, template, f-string, `%`, `.format()`, `.join()`. */
  built: boolean;
}

const LITERAL_KINDS = new Set(['number', 'integer', 'float', 'true', 'false', 'null', 'undefined', 'none']);
const hole = (n: SgNode): Parts => ({ text: '', holes: [n], built: false });
const lit = (text: string): Parts => ({ text, holes: [], built: false });

function join(parts: Parts[], built: boolean): Parts {
  const out: Parts = { text: '', holes: [], built };
  for (const p of parts) {
    out.text += p.holes.length > 0 && p.text === '' ? '?' : p.text;
    out.holes.push(...p.holes);
    out.built ||= p.built;
  }
  return out;
}

/** `hello ${name}` → text `hello ?`, hole `name` (a substitution that is itself a constant stays text). */
function template(node: SgNode, ctx: RuleContext, depth: number): Parts {
  const parts: Parts[] = [];
  let subs = 0;
  for (const c of node.children()) {
    const k = String(c.kind());
    if (k === 'string_fragment' || k === 'escape_sequence' || k === 'string_content') parts.push(lit(c.text()));
    else if (k === 'template_substitution' || k === 'interpolation') {
      const expr = c.namedChildren().find((x) => !['comment', 'type_conversion', 'format_specifier'].includes(String(x.kind())));
      if (!expr) continue;
      subs++;
      parts.push(analyse(expr, ctx, depth + 1));
    }
  }
  return join(parts, subs > 0);
}

function fromValues(id: SgNode, ctx: RuleContext, depth: number): Parts {
  if (depth > 3) return hole(id);
  const values = assignedValues(id, ctx);
  if (values.length === 0) return hole(id);
  return join(
    values.map((v) => analyse(v, ctx, depth + 1)),
    false,
  );
}

/** Methods that return a variant of the same string, so the string is what matters. */
const SAME_STRING = new Set(['trim', 'trimStart', 'trimEnd', 'toLowerCase', 'toUpperCase', 'strip', 'lstrip', 'rstrip', 'lower', 'upper', 'encode', 'decode']);

function call(node: SgNode, ctx: RuleContext, depth: number): Parts {
  // A tagged template (sql`…`, Prisma.sql`…`) is a library's parameterised fragment: its
  // substitutions become bound values, never text.
  const a = node.field('arguments');
  if (a?.kind() === 'template_string') return lit(a.text());
  const { name, object } = callee(node);
  // psycopg2's sql.SQL(…).format(…) only accepts Composables (Identifier, Literal, Placeholder)
  // and quotes each one: composed SQL, not string formatting.
  if (object && name === 'format' && ctx.language === 'python' && unwrap(object).kind() === 'call' && callee(unwrap(object)).name === 'SQL') return lit(unwrap(object).text());
  if (object && name === 'format' && ctx.language === 'python') {
    const values = args(node).map((x) => (x.kind() === 'keyword_argument' ? (x.field('value') ?? x) : x));
    return join([analyse(object, ctx, depth + 1), ...values.map(hole)], true);
  }
  if (object && name === 'join') {
    const sep = ctx.language === 'python' ? analyse(object, ctx, depth + 1) : (args(node)[0] ? analyse(args(node)[0]!, ctx, depth + 1) : lit(','));
    const list = ctx.language === 'python' ? args(node) : [object];
    if (list.length === 1 && isPlaceholderList(list[0]!, ctx)) return lit('?');
    // A constant list joined (`COLUMNS.join(', ')`) is constant text.
    if (list.length === 1 && constantList(list[0]!, ctx)) return lit(unwrap(list[0]!).text());
    return join([sep, ...list.map(hole)], true);
  }
  if (object && name === 'concat' && ctx.language !== 'python') return join([analyse(object, ctx, depth + 1), ...args(node).map((x) => analyse(x, ctx, depth + 1))], true);
  if (object && SAME_STRING.has(name)) return analyse(object, ctx, depth + 1);
  // SQLAlchemy's text() only marks a string as SQL: the string inside is what counts.
  if (name === 'text' && ctx.language === 'python' && args(node)[0]) return analyse(args(node)[0]!, ctx, depth + 1);
  return hole(node);
}

/** An array/list literal of constants, directly or through a variable only assigned one. */
function constantList(node: SgNode, ctx: RuleContext): boolean {
  let n = unwrap(node);
  if (n.kind() === 'identifier') {
    const values = assignedValues(n, ctx);
    if (values.length !== 1) return false;
    n = unwrap(values[0]!);
  }
  return (n.kind() === 'array' || n.kind() === 'list' || n.kind() === 'tuple') && n.namedChildren().every((e) => e.kind() === 'comment' || isConstant(e, ctx));
}

/** Index arithmetic such as `i + 1`: names, digits and + - * only, no property access or calls. */
const INDEX_MATH = /^[\w\s+*-]+$/;

/**
 * A list of bind placeholders, as built for `IN (…)`: `ids.map((_, i) => `$${i + 1}`)`,
 * `Array(n).fill('?')`, `["%s"] * len(ids)`, `("?" for _ in ids)`. Joined, it is SQL text that
 * holds no value, so an `IN` list made this way is still a parameterised query.
 */
function isPlaceholderList(list: SgNode, ctx: RuleContext): boolean {
  const n = unwrap(list);
  const k = String(n.kind());
  if (k === 'call_expression') {
    const c = callee(n);
    const first = args(n)[0];
    if (c.name === 'fill' && first) return isConstant(first, ctx);
    if (c.name !== 'map' || !first) return false;
    let body = first.field('body');
    if (body?.kind() === 'statement_block') body = body.find({ rule: { kind: 'return_statement' } })?.namedChildren()[0] ?? null;
    if (!body) return false;
    const p = analyse(body, ctx, 4);
    return p.holes.every((h) => INDEX_MATH.test(h.text()));
  }
  if (k === 'binary_operator' && n.field('operator')?.text() === '*') {
    const left = n.field('left') ? unwrap(n.field('left')!) : null;
    if (left?.kind() === 'string') return isConstant(left, ctx);
    return left?.kind() === 'list' && left.namedChildren().every((e) => isConstant(e, ctx));
  }
  if (k === 'generator_expression' || k === 'list_comprehension') {
    const body = n.field('body');
    return body !== null && isConstant(body, ctx);
  }
  return false;
}

function binary(node: SgNode, ctx: RuleContext, depth: number): Parts {
  const op = node.field('operator')?.text();
  const left = node.field('left');
  const right = node.field('right');
  if (!left || !right) return hole(node);
  if (op === '+') {
    const l = analyse(left, ctx, depth + 1);
    const r = analyse(right, ctx, depth + 1);
    const stringy = (p: Parts) => p.text !== '' || p.built;
    return stringy(l) || stringy(r) ? join([l, r], true) : hole(node);
  }
  if (op === '%' && ctx.language === 'python') {
    const l = analyse(left, ctx, depth + 1);
    if (l.text === '' && !l.built) return hole(node);
    const r = unwrap(right);
    const values = r.kind() === 'tuple' ? r.namedChildren() : r.kind() === 'dictionary' ? r.namedChildren().map((p) => p.field('value') ?? p) : [r];
    return join([l, ...values.filter((v) => v.kind() !== 'comment').map((v) => analyse(v, ctx, depth + 1))], true);
  }
  return hole(node);
}

/** The parts of a string expression, following local variables a few assignments back. */
export function analyse(expr: SgNode, ctx: RuleContext, depth = 0): Parts {
  const key = `parts:${expr.id()}:${depth > 3 ? 'deep' : ''}`;
  const hit = ctx.memo.get(key) as Parts | undefined;
  if (hit) return hit;
  const p = analyseNode(expr, ctx, depth);
  ctx.memo.set(key, p);
  return p;
}

function analyseNode(expr: SgNode, ctx: RuleContext, depth: number): Parts {
  const node = unwrap(expr);
  const kind = String(node.kind());
  if (LITERAL_KINDS.has(kind)) return lit(node.text());
  switch (kind) {
    case 'string':
      if (ctx.language === 'python') return template(node, ctx, depth);
      return lit(node.text().slice(1, -1));
    case 'template_string':
      return template(node, ctx, depth);
    case 'concatenated_string':
      return join(node.namedChildren().map((c) => analyse(c, ctx, depth + 1)), false);
    case 'binary_expression':
    case 'binary_operator':
      return binary(node, ctx, depth);
    case 'identifier':
      return fromValues(node, ctx, depth);
    case 'ternary_expression':
    case 'conditional_expression': {
      // Either branch may be the value: `cond ? a : b`, `a if cond else b`.
      const named = node.namedChildren().filter((c) => c.kind() !== 'comment');
      const branches = kind === 'ternary_expression' ? [node.field('consequence'), node.field('alternative')] : [named[0] ?? null, named[2] ?? null];
      return join(
        branches.filter((b): b is SgNode => b !== null).map((b) => analyse(b, ctx, depth + 1)),
        false,
      );
    }
    case 'call_expression':
    case 'call':
      return call(node, ctx, depth);
    default:
      return hole(node);
  }
}

/** Whether an expression is a plain constant: a literal, or a variable only ever given literals. */
export function isConstant(expr: SgNode, ctx: RuleContext): boolean {
  return analyse(expr, ctx).holes.length === 0;
}

/** Values that cannot carry an attacker's text: numbers, lengths, counts and conversions to number. */
const NUMERIC_CALL = /^(int|float|len|round|abs|bool|Number|parseInt|parseFloat|Boolean|Math\.\w+|Date\.now|performance\.now|time\.time|os\.getpid)$/;
/** Numbers read from the runtime, and `++n`/`-x`. */
const NUMERIC_VALUE = /^(process\.pid|process\.ppid|Number\.\w+)$/;

/**
 * The holes that may carry untrusted text: not numbers, not `x.length`, and not passed through
 * a function whose name says it makes the value safe here (`safe`, e.g. /escape|sanitize/).
 */
export function unsafeHoles(p: Parts, safe: RegExp): SgNode[] {
  return p.holes.filter((h) => {
    const n = unwrap(h);
    const k = String(n.kind());
    if (LITERAL_KINDS.has(k)) return false;
    if ((k === 'member_expression' || k === 'attribute') && (/\.(length|size)$/.test(n.text()) || NUMERIC_VALUE.test(n.text()))) return false;
    if (k === 'update_expression') return false;
    if (k === 'call_expression' || k === 'call') {
      const c = callee(n);
      if (NUMERIC_CALL.test(c.full) || NUMERIC_CALL.test(c.name)) return false;
      if (safe.test(c.name) || safe.test(c.full)) return false;
    }
    return true;
  });
}

/** The Python keyword `name=` of a call, or its positional argument at `index`. */
export function argument(node: SgNode, index: number, name?: string): SgNode | null {
  if (name) {
    const k = keyword(node, name);
    if (k) return k;
  }
  const list = args(node).filter((a) => a.kind() !== 'keyword_argument');
  return list[index] ?? null;
}
