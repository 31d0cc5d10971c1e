import type { z } from 'zod';
import type { JsonObject } from '../json.js';

/** A half-open range [start, end) in UTF-16 code units of one parameter's string value. */
export interface Span {
  start: number;
  end: number;
}

/** One thing a check found, pointing at where it is so an approver can see it highlighted. */
export interface Finding {
  message: string;
  /** Parameter the finding is in, e.g. `text`. */
  field?: string;
  span?: Span;
  /** The matched text, when short and safe to show (detectors of sensitive data mask it). */
  match?: string;
  /** What kind of thing this is, for detectors that find several (e.g. `email`, `card`). */
  category?: string;
}

export interface CheckResult {
  passed: boolean;
  /** 1 = certainly fine, 0 = certainly bad. */
  score: number;
  reason: string;
  findings: Finding[];
  /**
   * The parameters with every finding made harmless (e.g. PII replaced by `[EMAIL]`), for checks
   * that can fix what they find. With `on_fail: redact` the action continues with these.
   */
  redacted?: JsonObject;
  /** What a category-level detector thinks this is (e.g. `email`, `aws_access_key`), for `bridle scan`. */
  category?: string;
}

export interface CheckInput {
  agentId: string;
  actionType: string;
  params: JsonObject;
}

export interface Check {
  readonly name: string;
  /** True when `run` never returns a promise: it then gets no timer and no abort signal of its own. */
  readonly sync?: boolean;
  /** May be sync (fast text checks) or async (model calls); the signal aborts on timeout. */
  run(input: CheckInput, signal: AbortSignal): CheckResult | Promise<CheckResult>;
}

/**
 * A check kind: its policy name, the schema of its own options, and a factory. Options are
 * validated at policy load, so a bad option stops start-up with the field path.
 *
 * @example
 *   export const myCheck = defineCheck({ name: 'my_check', options: z.object({}), create: () => ({ name: 'my_check', run: () => pass() }) });
 */
export interface CheckDefinition<S extends z.ZodType = z.ZodType> {
  readonly name: string;
  readonly description: string;
  readonly options: S;
  /**
   * Defaults for the common keys when neither the check's entry nor `defaults:` in the policy set
   * them: e.g. `llm_judge` waits longer than a text check and asks a human when the judge is down.
   */
  readonly defaults?: { readonly onError?: 'deny' | 'allow' | 'require_approval'; readonly timeoutMs?: number };
  create(options: z.output<S>): Check;
}

export function defineCheck<S extends z.ZodType>(def: CheckDefinition<S>): CheckDefinition<S> {
  return def;
}

export function pass(reason = 'ok'): CheckResult {
  return { passed: true, score: 1, reason, findings: [] };
}
