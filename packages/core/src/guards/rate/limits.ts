import { celEnv, isCelError, parse, plan, CelScalar, mapType } from '@bufbuild/cel';
import { z } from 'zod';

/** The parser's node type, named through our direct dependency rather than its own. */
type Expr = ReturnType<typeof parse>['expr'];

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

/** Roots of every identifier in an expression, so a typo (`agnet.id`) fails at load, not per action. */
function identifiers(e: Expr | undefined, out: Set<string>): Set<string> {
  if (!e) return out;
  const k = e.exprKind;
  switch (k.case) {
    case 'identExpr':
      out.add(k.value.name);
      break;
    case 'selectExpr':
      identifiers(k.value.operand, out);
      break;
    case 'callExpr':
      identifiers(k.value.target, out);
      for (const a of k.value.args) identifiers(a, out);
      break;
    case 'listExpr':
      for (const a of k.value.elements) identifiers(a, out);
      break;
    case 'structExpr':
      for (const en of k.value.entries) {
        if (en.keyKind.case === 'mapKey') identifiers(en.keyKind.value, out);
        identifiers(en.value, out);
      }
      break;
    case 'comprehensionExpr': {
      const c = k.value;
      const inner = new Set<string>();
      for (const x of [c.iterRange, c.accuInit, c.loopCondition, c.loopStep, c.result]) identifiers(x, inner);
      for (const n of inner) if (n !== c.iterVar && n !== c.accuVar) out.add(n);
      break;
    }
    default:
      break;
  }
  return out;
}

const env = celEnv({ variables: Object.fromEntries(CEL_VARIABLES.map((v) => [v, mapType(CelScalar.STRING, CelScalar.DYN)])) as Record<(typeof CEL_VARIABLES)[number], ReturnType<typeof mapType>> });

export interface KeyInput {
  agent: { id: string; mode: string };
  action: { type: string };
  params: Record<string, unknown>;
  campaign: string | null;
}

/** Compiles a CEL key expression, or says why it cannot be one. */
export function compileCelKey(source: string): { ok: true; run: (input: KeyInput) => string } | { ok: false; error: string } {
  let parsed;
  try {
    parsed = parse(source);
  } catch (e) {
    return { ok: false, error: `CEL does not parse: ${(e as Error).message}` };
  }
  const unknown = [...identifiers(parsed.expr, new Set())].filter((n) => !(CEL_VARIABLES as readonly string[]).includes(n));
  if (unknown.length > 0) return { ok: false, error: `CEL refers to unknown ${unknown.length > 1 ? 'names' : 'name'} ${unknown.join(', ')} (known: ${CEL_VARIABLES.join(', ')})` };
  const f = plan(env, parsed);
  return {
    ok: true,
    run: (input) => {
      const r = f({ agent: input.agent, action: input.action, params: input.params, campaign: input.campaign ?? '' } as never);
      // A key that cannot be computed for this action (a missing param) is its own bucket, not an error: the limit still applies.
      if (isCelError(r)) return `!error:${r.message}`;
      return typeof r === 'string' ? r : typeof r === 'bigint' || typeof r === 'number' || typeof r === 'boolean' ? String(r) : JSON.stringify(r);
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
