import type { SgNode } from '@ast-grep/napi';
import { callee, FUNCTION_KINDS } from '../../code/ast.js';
import type { CodeRule, RuleContext, Verdict } from '../../code/rule.js';
import { collectionOf, enclosingLoop, iteratingCall } from './loops.js';

/** Linear searches: called on the collection being looped over, they make the loop quadratic. */
const JS_SEARCH = /^(includes|indexOf|lastIndexOf|find|findIndex|findLast|findLastIndex|filter|some|every)$/;
const PY_SEARCH = /^(index|count)$/;

/** The loops around a node, nearest first, each with the collection it walks. */
function outerLoops(node: SgNode): { loop: SgNode; collection: string | null }[] {
  const out: { loop: SgNode; collection: string | null }[] = [];
  for (let l = enclosingLoop(node); l; l = enclosingLoop(l)) out.push({ loop: l, collection: collectionOf(l) });
  return out;
}

/** A loop nested (at any depth) in a loop over the same collection: O(n²) over one list. */
function sameCollectionLoop(inner: SgNode): Verdict {
  if (FUNCTION_KINDS.has(String(inner.kind())) && !iteratingCall(inner)) return false;
  const mine = collectionOf(inner);
  if (!mine) return false;
  const outer = outerLoops(inner).find((o) => o.collection === mine);
  return outer ? { detail: `both loops walk ${mine}` } : false;
}

/** `xs.includes(x)` / `xs.index(x)` / `x in xs` inside a loop over `xs`. */
function searchInOwnLoop(node: SgNode, ctx: RuleContext): Verdict {
  let target: string | null = null;
  if (node.kind() === 'comparison_operator') {
    if (!/\s(not\s+)?in\s/.test(node.text())) return false;
    target = node.namedChildren().at(-1)?.text() ?? null;
  } else {
    const { name, object } = callee(node);
    if (!object || !(ctx.language === 'python' ? PY_SEARCH : JS_SEARCH).test(name)) return false;
    target = object.text();
  }
  if (!target) return false;
  const compact = target.replace(/\s+/g, '');
  const outer = outerLoops(node).find((o) => o.collection === compact);
  return outer ? { detail: `searches ${compact} inside a loop over it` } : false;
}

const FIX = 'index the collection once (a Map/Set or dict keyed by what you compare) and look items up in it; for pairs, loop j from i + 1';

export const nestedLoopRules: CodeRule[] = [
  {
    id: 'js.perf.nested-loop',
    family: 'nested_loop',
    cwe: 'CWE-407',
    severity: 'low',
    message: 'a loop over a collection is nested in a loop over the same collection (quadratic)',
    fix: FIX,
    languages: ['javascript', 'typescript'],
    hint: /\bfor\b[\s\S]*\bfor\b|forEach[\s\S]*forEach|\.(map|forEach|filter|some|every|reduce)\([\s\S]*\bfor\b|\bfor\b[\s\S]*\.(forEach|map|filter|some|every|reduce)\(/,
    find: { rule: { any: [{ kind: 'for_in_statement' }, { kind: 'for_statement' }, { kind: 'arrow_function' }, { kind: 'function_expression' }] } },
    check: sameCollectionLoop,
  },
  {
    id: 'js.perf.search-in-loop',
    family: 'nested_loop',
    cwe: 'CWE-407',
    severity: 'low',
    message: 'a linear search (includes/indexOf/find) on the collection being looped over (quadratic)',
    fix: FIX,
    languages: ['javascript', 'typescript'],
    hint: /\.(includes|indexOf|lastIndexOf|find|findIndex|findLast|findLastIndex|filter|some|every)\(/,
    find: { rule: { kind: 'call_expression', has: { field: 'function', kind: 'member_expression' } } },
    check: searchInOwnLoop,
  },
  {
    id: 'py.perf.nested-loop',
    family: 'nested_loop',
    cwe: 'CWE-407',
    severity: 'low',
    message: 'a loop over a collection is nested in a loop over the same collection (quadratic)',
    fix: FIX,
    languages: ['python'],
    hint: /\bfor\b[\s\S]*\bfor\b/,
    find: { rule: { kind: 'for_statement', inside: { kind: 'for_statement', stopBy: 'end' } } },
    check: sameCollectionLoop,
  },
  {
    id: 'py.perf.search-in-loop',
    family: 'nested_loop',
    cwe: 'CWE-407',
    severity: 'low',
    message: 'list.index/count or `in` on the list being looped over (quadratic)',
    fix: FIX,
    languages: ['python'],
    hint: /\.(index|count)\(|\bin\b/,
    find: {
      rule: {
        any: [{ kind: 'call', has: { field: 'function', kind: 'attribute' } }, { kind: 'comparison_operator' }],
        inside: { kind: 'for_statement', stopBy: 'end' },
      },
    },
    check: searchInOwnLoop,
  },
];
