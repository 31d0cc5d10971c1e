import { compileCel } from '../../policy/cel.js';
import { z } from 'zod';

const count = (max: number) => z.number().int().positive().max(max);

/** Limits a key can carry; at least one. Windows: token buckets (per second/minute/hour), a quota per day, in-flight actions. */
const limitFields = {
  per_second: count(1_000_000).optional(),
  per_minute: count(1_000_000).optional(),
  per_hour: count(100_000_000).optional(),
  /** Actions per day (in guards.timezone). */
  per_day: count(1_000_000_000).optional(),
  /** Actions executing at once. */
  concurrency: count(100_000).optional(),
};
const atLeastOne = (l: Record<string, unknown>) => ['per_second', 'per_minute', 'per_hour', 'per_day', 'concurrency'].some((k) => l[k] !== undefined);
const needOne = { error: 'give at least one of per_second, per_minute, per_hour, per_day, concurrency' };

/** `rate:` under an agent (keyed by the agent) or an action type (keyed by the type, across agents). */
export const rateOptions = z.object(limitFields).strict().refine(atLeastOne, needOne);

/** Variables a CEL key may use. */
export const CEL_VARIABLES = ['agent', 'action', 'params', 'campaign'] as const;

export interface KeyInput {
  agent: { id: string; mode: string };
  action: { type: string };
  params: Record<string, unknown>;
  campaign: string | null;
}

/** Compiles a CEL key expression, or says why it cannot be one. */
export function compileCelKey(source: string): { ok: true; run: (input: KeyInput) => string } | { ok: false; error: string } {
  const c = compileCel(source, CEL_VARIABLES);
  if (!c.ok) return c;
  return {
    ok: true,
    run: (input) => {
      const r = c.run({ agent: input.agent, action: input.action, params: input.params, campaign: input.campaign ?? '' });
      // A key that cannot be computed for this action (a missing param) is its own bucket, not an error: the limit still applies.
      if (!r.ok) return `!error:${r.error}`;
      const v = r.value;
      return typeof v === 'string' ? v : typeof v === 'bigint' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v);
    },
  };
}

/** `guards.rate_limits[]`: a limit on a key computed per action, optionally for some action types only. */
export const rateLimitRule = z
  .object({
    /** Shown in decisions and audit. */
    name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/).optional(),
    /** `agent`, `action_type`, or a CEL expression over agent, action, params and campaign, e.g. "params.platform". */
    key: z.union([z.enum(['agent', 'action_type', 'global']), z.object({ cel: z.string().min(1) }).strict()]).default('agent'),
    actions: z.array(z.string().min(1)).min(1).optional(),
    ...limitFields,
  })
  .strict()
  .refine(atLeastOne, needOne)
  .superRefine((r, ctx) => {
    if (typeof r.key === 'object') {
      const c = compileCelKey(r.key.cel);
      if (!c.ok) ctx.addIssue({ code: 'custom', path: ['key', 'cel'], message: c.error });
    }
  });
export type RateLimitRule = z.output<typeof rateLimitRule>;
export type RateOptions = z.output<typeof rateOptions>;
