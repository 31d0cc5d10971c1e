import { z } from 'zod';
import { compileCel, type CelRun } from '../policy/cel.js';
import type { CheckReport } from '../pipeline/types.js';
import type { JsonObject } from '../json.js';

/** Names an approval rule may use. */
export const RULE_VARIABLES = ['action', 'params', 'checks', 'agent', 'novel', 'campaign'] as const;

/**
 * `approval:` on an action type: `always`, `never`, or `{ when: "<CEL>" }` over the action, its
 * parameters, check results and the agent, e.g. `params.amount_usd > 10000 || checks.competitors.failed`.
 */
export const approvalSchema = z
  .union([
    z.enum(['always', 'never']),
    z
      .object({
        when: z.string().min(1),
      })
      .strict()
      .superRefine((r, ctx) => {
        const c = compileCel(r.when, RULE_VARIABLES);
        if (!c.ok) ctx.addIssue({ code: 'custom', path: ['when'], message: c.error });
      }),
  ])
  .default('never');

/** How long an approval may wait, and what happens then (reject unless configured). */
export const approvalTimeoutSchema = z
  .object({
    after_s: z.number().int().min(1).max(90 * 86_400).default(86_400),
    outcome: z.enum(['reject', 'approve']).default('reject'),
  })
  .strict()
  .prefault({});

export interface CompiledRule {
  source: string;
  run: CelRun;
  /** Whether the rule reads `novel`: only then is the agent's history looked up. */
  usesNovel: boolean;
}

export function compileRule(source: string): CompiledRule {
  const c = compileCel(source, RULE_VARIABLES);
  if (!c.ok) throw new Error(`approval rule: ${c.error} (after validation)`);
  return { source, run: c.run, usesNovel: c.uses.has('novel') };
}

/** Check results as a rule sees them: `checks.<name>.failed|passed|score`, and `checks.min_score`. */
export function checksView(reports: readonly CheckReport[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  let min = 1;
  for (const r of reports) {
    out[r.name] = { passed: r.passed, failed: !r.passed, score: r.score };
    min = Math.min(min, r.score);
  }
  out.min_score = min;
  return out;
}

/** The recipient an action targets, for `novel`: the first of these parameters that is a string. */
const RECIPIENT_FIELDS = ['to', 'recipient', 'email', 'channel', 'account', 'user', 'customer_id', 'subreddit'];
export function recipientOf(params: JsonObject): string | null {
  for (const f of RECIPIENT_FIELDS) {
    const v = params[f];
    if (typeof v === 'string' && v.length > 0) return v.toLowerCase();
  }
  return null;
}
