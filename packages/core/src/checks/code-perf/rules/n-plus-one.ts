import type { SgNode } from '@ast-grep/napi';
import { callee } from '../../code/ast.js';
import type { CodeRule, RuleContext, Verdict } from '../../code/rule.js';
import { enclosingLoop, mentions, perIteration, runsConcurrently } from './loops.js';

/** Database and ORM calls that make a round trip. */
const JS_DB = /^(query|execute|findOne|findUnique|findUniqueOrThrow|findFirst|findFirstOrThrow|findById|findByPk|findAll|findMany|findAndCountAll|find|count|aggregate|one|oneOrNone|many|manyOrNone|any|none|save|update|updateOne|insert|insertOne|upsert|create|destroy|deleteOne|exec)$/;
/** HTTP verbs count only on something that looks like an HTTP client (`cache.get(k)` is not one). */
const JS_HTTP = /^(get|post|put|patch|delete|head|request)$/;
const HTTP_CLIENT = /^(axios|got|ky|superagent|request|needle|http|https|api|client|httpClient|this\.(http|api|client|httpClient))$|(Api|Client|Http)$/;
/** Key-value stores are a round trip per call too (`redis.get(k)`, `cache.hgetall(k)`); a Map's get is not awaited. */
const KV_CLIENT = /(^|\.)(redis|cache|kv|memcached?)$|(Redis|Cache|Kv|KV)$/;
const KV_METHODS = /^(get|set|del|exists|mget|hget|hgetall|hset|hmget|incr|lrange|smembers|sismember|zrange|zscore|ttl|expire)$/;

/** `await` directly on the call or on a chain that starts with it (`await Model.findOne(q).lean()`). */
function awaited(call: SgNode): boolean {
  for (let p = call.parent(); p; p = p.parent()) {
    const k = p.kind();
    if (k === 'await_expression') return true;
    if (k !== 'member_expression' && k !== 'call_expression' && k !== 'parenthesized_expression') return false;
  }
  return false;
}

/** The end of the call chain a call starts: `a.b(x).c(y)` for `a.b(x)`. */
function chainTop(call: SgNode): SgNode {
  let top = call;
  for (let p = call.parent(); p && ['member_expression', 'attribute', 'call_expression', 'call'].includes(String(p.kind())); p = p.parent()) {
    if (p.kind() === 'call_expression' || p.kind() === 'call') top = p;
  }
  return top;
}

/** In `Order.objects.filter(…).count()` only the outer call is reported. */
function innerOfIoChain(call: SgNode, isIo: (c: SgNode) => boolean): boolean {
  const outer = call.parent()?.parent();
  return outer !== null && outer !== undefined && (outer.kind() === 'call' || outer.kind() === 'call_expression') && isIo(outer);
}

function isJsIo(call: SgNode): boolean {
  const { name, full, object } = callee(call);
  if (full === 'fetch' || full === 'got' || full === 'axios' || full === 'request') return true;
  if (!object) return false;
  if (KV_METHODS.test(name) && KV_CLIENT.test(object.text())) return true;
  if (JS_HTTP.test(name)) return HTTP_CLIENT.test(object.text());
  if (!JS_DB.test(name)) return false;
  // xs.find(x => …) is Array.prototype.find, not a database.
  const first = call.field('arguments')?.namedChildren()[0];
  return !(first && ['arrow_function', 'function_expression', 'function'].includes(String(first.kind())));
}

/**
 * Names that change per iteration of any loop around a call (up to the function): a generator
 * inside a loop, `sum(o.total for o in user.orders.all())`, still runs once per user.
 */
function elementNames(call: SgNode, ctx: RuleContext): Set<string> {
  const names = new Set<string>();
  for (let loop = enclosingLoop(call); loop; loop = enclosingLoop(loop)) for (const n of perIteration(loop, call.range().start.index, ctx)) names.add(n);
  return names;
}

/** `element.relation.all()` where element is a loop variable (a dict's .get is not on an attribute). */
function relatedManager(call: SgNode, ctx: RuleContext): boolean {
  const { full, name } = callee(call);
  if (!PY_RELATED.test(full)) return false;
  // list.count(x) takes an argument; a manager's count()/all()/first() takes none.
  if (!['filter', 'exclude', 'aggregate'].includes(name) && call.field('arguments')?.namedChildren().length) return false;
  return elementNames(call, ctx).has(full.split('.')[0]!);
}

/** Python round trips: DB-API cursors, ORMs (Django, SQLAlchemy), HTTP clients. */
/** Django related managers on a loop element: `user.orders.all()` queries once per user. */
const PY_RELATED = /^[A-Za-z_]\w*\.\w+\.(all|filter|exclude|count|exists|first|last|aggregate)$/;

const PY_IO =
  /(^|\.)(cursor|cur|conn|connection|db|session|engine|trx|tx|transaction|c)\.(execute|executemany)$|(^|\.)(fetch_one|fetch_all|find_one|get_item|urlopen)$|(^|\.)objects(\.\w+\([^)]*\))*\.(get|filter|exclude|count|exists|first|last|create|update|delete|get_or_create|update_or_create|aggregate|values|values_list|all)$|(^|\.)(session|db\.session)\.(query|get|execute|scalar|scalars)$|^(requests|httpx|session|client|http)\.(get|post|put|patch|delete|head|request)$/;

/**
 * A round trip repeated per element: the call sits in a loop, depends on the element, and runs
 * one at a time. Not flagged: calls whose arguments do not change per iteration (retries,
 * polling, cursor pagination in a `while`), calls collected and run with Promise.all /
 * asyncio.gather, and loops that only build a batch for one call after the loop.
 */
function inLoop(call: SgNode, ctx: RuleContext): Verdict {
  const loop = enclosingLoop(call);
  if (!loop || runsConcurrently(loop.kind() === 'arrow_function' || loop.kind() === 'function_expression' ? loop : call)) return false;
  // The element may be used further along the chain: session.query(Order).filter_by(user_id=u.id).
  if (!mentions(chainTop(call), elementNames(call, ctx), ctx)) return false;
  return { detail: `${callee(call).full}() once per element` };
}

const FIX = 'load all rows in one query (WHERE id IN (…) / = ANY($1), findMany({ where: { id: { in: ids } } }), select_related/prefetch_related) or batch the requests, then match them up in memory';

export const nPlusOneRules: CodeRule[] = [
  {
    id: 'js.perf.query-in-loop',
    family: 'n_plus_one',
    cwe: 'CWE-1050',
    severity: 'medium',
    message: 'a database query or HTTP request is awaited inside a loop (N+1)',
    fix: FIX,
    languages: ['javascript', 'typescript'],
    hint: /\bawait\b/,
    find: { rule: { kind: 'call_expression', inside: { kind: 'await_expression', stopBy: 'end' } } },
    check: (n, ctx) => isJsIo(n) && awaited(n) && inLoop(n, ctx),
  },
  {
    id: 'py.perf.query-in-loop',
    family: 'n_plus_one',
    cwe: 'CWE-1050',
    severity: 'medium',
    message: 'a database query or HTTP request runs inside a loop (N+1)',
    fix: FIX,
    languages: ['python'],
    hint: /\b(for|while)\b/,
    find: {
      rule: {
        kind: 'call',
        inside: { any: [{ kind: 'for_statement' }, { kind: 'while_statement' }, { kind: 'list_comprehension' }, { kind: 'generator_expression' }], stopBy: 'end' },
      },
    },
    check: (n, ctx) => {
      const { full } = callee(n);
      const io = (c: SgNode) => PY_IO.test(callee(c).full) || relatedManager(c, ctx);
      return (PY_IO.test(full) || relatedManager(n, ctx)) && !innerOfIoChain(n, io) && inLoop(n, ctx);
    },
  },
];
