import type { SgNode } from '@ast-grep/napi';
import { anyKind, callee, enclosingFunction, FUNCTION_KINDS, unwrap } from '../../code/ast.js';
import type { CodeRule, RuleContext, Verdict } from '../../code/rule.js';
import { LOOP_KINDS } from './loops.js';

/** Conditions that are always true. */
const ALWAYS = /^(true|True|1|!0|!false)$/;

/** Calls that end the process. */
const EXIT_CALL = /^(process\.exit|process\.abort|Deno\.exit|sys\.exit|os\._exit|exit|quit|os\.abort)$/;

/** `while (true)`, `while True:`, `while 1:`, `do … while (true)`, `for (;;)`. */
function endless(loop: SgNode): boolean {
  const cond = loop.field('condition');
  if (loop.kind() === 'for_statement') return loop.field('right') === null && (cond === null || cond.kind() === 'empty_statement' || ALWAYS.test(cond.text().replace(/;$/, '').trim()));
  return cond !== null && ALWAYS.test(unwrap(cond).text().trim());
}

/** The loop or switch a `break` leaves. */
function breakTarget(brk: SgNode): SgNode | null {
  for (let p = brk.parent(); p; p = p.parent()) {
    const k = String(p.kind());
    if (LOOP_KINDS.has(k) || k === 'switch_statement') return p;
  }
  return null;
}

/**
 * A loop that can only end by an exception nobody wrote: no break that leaves it, and no
 * return, throw/raise, yield or process exit in its own body (one inside a nested function
 * or callback does not count, it only leaves that function).
 */
/** A loop inside `try … except/catch` in its own function: an exception is its expected way out (drain until Empty). */
function endsByException(loop: SgNode): boolean {
  for (let p = loop.parent(); p && !FUNCTION_KINDS.has(String(p.kind())); p = p.parent()) {
    if (p.kind() === 'try_statement' && p.children().some((c) => c.kind() === 'except_clause' || c.kind() === 'catch_clause')) return true;
  }
  return false;
}

function noExit(loop: SgNode, ctx: RuleContext): Verdict {
  if (!endless(loop) || endsByException(loop)) return false;
  const fn = enclosingFunction(loop);
  const body = loop.field('body') ?? loop;
  const exits = body.findAll({
    rule: anyKind(ctx, 'break_statement', 'return_statement', 'throw_statement', 'raise_statement', 'yield_expression', 'yield', 'call_expression', 'call'),
  });
  for (const e of exits) {
    const k = e.kind();
    if ((k === 'call_expression' || k === 'call') && !EXIT_CALL.test(callee(e).full)) continue;
    if (!same(enclosingFunction(e), fn)) continue;
    // A labelled break may leave this loop; an unlabelled one leaves only its nearest loop or switch.
    if (k === 'break_statement' && e.field('label') === null && !same(breakTarget(e), loop)) continue;
    return false;
  }
  return { detail: 'no break, return, throw or exit in its body' };
}

function same(a: SgNode | null, b: SgNode | null): boolean {
  if (a === null || b === null) return a === b;
  return a.range().start.index === b.range().start.index && a.range().end.index === b.range().end.index;
}

const FIX = 'give the loop an exit: break on end of input or a sentinel, check an AbortSignal / stop flag, or bound the number of iterations';

export const infiniteLoopRules: CodeRule[] = [
  {
    id: 'js.perf.no-exit-loop',
    family: 'infinite_loop',
    cwe: 'CWE-835',
    severity: 'medium',
    message: 'an endless loop (while (true) / for (;;)) has no way out',
    fix: FIX,
    languages: ['javascript', 'typescript'],
    hint: /while\s*\(\s*(true|1|!0)\s*\)|for\s*\(\s*;\s*;\s*\)/,
    find: { rule: { any: [{ kind: 'while_statement' }, { kind: 'for_statement' }, { kind: 'do_statement' }] } },
    check: noExit,
  },
  {
    id: 'py.perf.no-exit-loop',
    family: 'infinite_loop',
    cwe: 'CWE-835',
    severity: 'medium',
    message: 'an endless loop (while True:) has no way out',
    fix: FIX,
    languages: ['python'],
    hint: /while\s+\(?\s*(True|1)\s*\)?\s*:/,
    find: { rule: { kind: 'while_statement' } },
    check: noExit,
  },
];
