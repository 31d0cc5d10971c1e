import type { CheckInput, CheckResult } from '../checks/types.js';
import { describeError } from '../errors.js';
import type { CompiledCheck } from '../policy/compile.js';
import type { CheckReport } from './types.js';

function failed(c: CompiledCheck, error: string, durationMs: number): CheckReport {
  // Fail closed (invariant 1): an error counts as a failure unless this check says on_error: allow;
  // with on_error: require_approval it goes to a human, with deny it blocks, whatever on_fail says
  // (on_fail is about what the check found, and an error found nothing).
  const allow = c.onError === 'allow';
  const onFail = c.onError === 'require_approval' ? 'require_approval' : 'block';
  return { name: c.name, onFail, passed: allow, score: allow ? 1 : 0, reason: `check error: ${error}`, findings: [], durationMs, error };
}

/** Microsecond precision is plenty, and keeps float noise out of every audit entry. */
const ms = (start: number) => Math.round((performance.now() - start) * 1000) / 1000;

function finish(c: CompiledCheck, r: CheckResult, start: number): CheckReport {
  const durationMs = ms(start);
  if (durationMs > c.timeoutMs) return failed(c, `timed out after ${c.timeoutMs} ms`, durationMs);
  if (!r || typeof r.passed !== 'boolean') return failed(c, 'returned no result', durationMs);
  return { ...r, name: c.name, onFail: c.onFail, durationMs };
}

/** Handed to synchronous checks: they finish before any timeout could fire. */
const NEVER_ABORTED = new AbortController().signal;

function runOne(c: CompiledCheck, input: CheckInput): CheckReport | Promise<CheckReport> {
  const start = performance.now();
  const ctrl = c.check.sync ? null : new AbortController();
  let out: CheckResult | Promise<CheckResult>;
  try {
    out = c.check.run(input, ctrl ? ctrl.signal : NEVER_ABORTED);
  } catch (e) {
    return failed(c, describeError(e), ms(start));
  }
  if (!(out instanceof Promise)) return finish(c, out, start);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<CheckReport>((resolve) => {
    timer = setTimeout(() => {
      ctrl?.abort();
      resolve(failed(c, `timed out after ${c.timeoutMs} ms`, ms(start)));
    }, c.timeoutMs);
  });
  return Promise.race([
    out.then(
      (r) => finish(c, r, start),
      (e: unknown) => failed(c, describeError(e), ms(start)),
    ),
    timeout,
  ]).finally(() => clearTimeout(timer));
}

/**
 * Runs all checks at once. Synchronous checks return without touching the event loop, so the
 * common all-text case costs no promise; async ones race their own timeout.
 */
export function runChecks(checks: readonly CompiledCheck[], input: CheckInput): CheckReport[] | Promise<CheckReport[]> {
  const out: (CheckReport | Promise<CheckReport>)[] = checks.map((c) => runOne(c, input));
  return out.some((r) => r instanceof Promise) ? Promise.all(out) : (out as CheckReport[]);
}
