import { z } from 'zod';
import { checkRegistry, checkKinds, type CheckKind } from '../checks/registry.js';
import { closest } from '../util/suggest.js';
import { approvalSchema, approvalTimeoutSchema } from '../approvals/rules.js';
import { approvalChainSchema } from '../approvals/chain.js';
import { usd } from './usd.js';
import { alertsConfigSchema } from '../alerts/config.js';
import { breakerOptions } from '../guards/breaker/index.js';
import { budgetLimits, isTimeZone } from '../guards/budget/plan.js';
import { rateLimitRule, rateOptions } from '../guards/rate/limits.js';
import { anomalyOptions } from '../guards/anomaly/options.js';

const name = (what: string) =>
  z
    .string()
    .regex(/^[a-z0-9][a-z0-9._-]{0,62}$/i, `${what} names use letters, digits, '.', '_' and '-' (max 63)`);

/** What a failed check does: deny, ask a human, fix it and continue, send it back to the agent, or only record it. */
export const ON_FAIL = ['block', 'require_approval', 'redact', 'retry_with_feedback', 'warn'] as const;
const onFail = z.enum(ON_FAIL);
export type OnFail = (typeof ON_FAIL)[number];
/** What a check that throws or times out means: deny (fail closed), allow, or ask a human. */
export const ON_ERROR = ['deny', 'allow', 'require_approval'] as const;
const onError = z.enum(ON_ERROR);
export type OnError = (typeof ON_ERROR)[number];

/** Keys every check accepts beside its own options. */
const commonCheckKeys = ['on_fail', 'on_error', 'timeout_ms'] as const;
const commonCheckOptions = z.object({
  on_fail: onFail.default('block'),
  on_error: onError.optional(),
  timeout_ms: z.number().int().positive().max(60_000).optional(),
});

export interface CheckSpec {
  kind: CheckKind;
  options: unknown;
  onFail: z.infer<typeof onFail>;
  onError: z.infer<typeof onError> | undefined;
  timeoutMs: number | undefined;
}

/**
 * One list item under `checks:` is an object with exactly one key, the check kind, whose value
 * holds that check's options plus the common ones. Parsed by hand so that the error names the
 * kind and the exact option path instead of a union's wall of alternatives.
 */
const checkItem = z.unknown().transform((raw, ctx): CheckSpec => {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw) || Object.keys(raw).length !== 1) {
    ctx.addIssue({ code: 'custom', message: `each check is an object with one key, the check kind (one of: ${checkKinds.join(', ')})` });
    return z.NEVER;
  }
  const [kind, value] = Object.entries(raw)[0]!;
  if (!(kind in checkRegistry)) {
    const hint = closest(kind, checkKinds);
    ctx.addIssue({ code: 'custom', path: [kind], params: { atKey: true }, message: `unknown check "${kind}"${hint ? `; did you mean "${hint}"?` : ''} (known: ${checkKinds.join(', ')})` });
    return z.NEVER;
  }
  const body = value ?? {};
  if (typeof body !== 'object' || Array.isArray(body)) {
    ctx.addIssue({ code: 'custom', path: [kind], message: 'check options must be a mapping (use {} for none)' });
    return z.NEVER;
  }
  const own: Record<string, unknown> = {};
  const common: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(body)) ((commonCheckKeys as readonly string[]).includes(k) ? common : own)[k] = v;
  const c = commonCheckOptions.safeParse(common);
  const def = checkRegistry[kind as CheckKind];
  const o = def.options.safeParse(own);
  for (const r of [c, o]) {
    if (!r.success) for (const issue of r.error.issues) ctx.addIssue({ ...issue, path: [kind, ...issue.path] } as never);
  }
  if (!c.success || !o.success) return z.NEVER;
  return { kind: kind as CheckKind, options: o.data, onFail: c.data.on_fail, onError: c.data.on_error, timeoutMs: c.data.timeout_ms };
});

export const agentSchema = z
  .object({
    description: z.string().optional(),
    /** draft: a human approves every action; auto: approval only where the action type says. */
    mode: z.enum(['draft', 'auto']).default('draft'),
    /** This agent's caps: daily, monthly (in guards.timezone) and lifetime. */
    budget: budgetLimits.optional(),
    /** Limits on this agent's actions: per_second/minute/hour buckets, per_day quota, concurrency. */
    rate: rateOptions.optional(),
  })
  .strict();

export const actionTypeSchema = z
  .object({
    description: z.string().optional(),
    connector: z.string().default('outbox'),
    /** execute: Bridle runs the connector; authorize: the agent runs it and reports back. */
    modes: z.array(z.enum(['execute', 'authorize'])).min(1).default(['execute', 'authorize']),
    timeout_ms: z.number().int().positive().max(600_000).default(10_000),
    /** Cost reserved when the request gives no estimate. */
    estimate_usd: usd.default(0),
    checks: z.array(checkItem).default([]),
    /** always | never | { when: "<CEL>" }: see docs/configuration.md#approvals. */
    approval: approvalSchema,
    /** How long an approval may wait before it expires with its outcome (default: reject after 24 h). */
    approval_timeout: approvalTimeoutSchema,
    /** Steps of approvers with quorum, e.g. 2 of finance then 1 of legal; see docs/configuration.md#approvals. */
    approval_chain: approvalChainSchema,
    /** While an approval waits, remind (an approval.reminder event and alert) this often. */
    approval_reminder_s: z.number().int().min(60).max(30 * 86_400).optional(),
    /** Caps on this action type across all agents. */
    budget: budgetLimits.optional(),
    /** Limits on this action type across all agents. */
    rate: rateOptions.optional(),
  })
  .strict();

export const policySchema = z
  .object({
    version: z.literal(1).default(1),
    defaults: z
      .object({
        check_timeout_ms: z.number().int().positive().max(60_000).default(250),
        /** How many revisions an agent may submit after retry_with_feedback before the block is final. */
        max_retries: z.number().int().min(0).max(10).default(2),
        /** What a check that throws or times out means. Fail closed unless told otherwise. */
        on_error: onError.default('deny'),
      })
      .strict()
      .default({ check_timeout_ms: 250, max_retries: 2, on_error: 'deny' }),
    /** Runtime guards that apply across agents: time zone, global and campaign budgets, rate limits, circuit breakers, anomaly detection. */
    guards: z
      .object({
        /** The zone budget days and months follow (IANA name). */
        timezone: z
          .string()
          .refine(isTimeZone, { error: (i) => `unknown time zone "${String(i.input)}"; use an IANA name such as UTC, Europe/Paris or America/New_York` })
          .default('UTC'),
        budgets: z
          .object({
            /** Caps on everything every agent spends. */
            global: budgetLimits.optional(),
            /** Caps per campaign: actions carry `campaign` when submitted. */
            campaigns: z.record(name('campaign'), budgetLimits).default({}),
          })
          .strict()
          .prefault({}),
        /** Limits keyed by agent, action type, everything, or a CEL expression (e.g. per platform). */
        rate_limits: z.array(rateLimitRule).default([]),
        breaker: breakerOptions.prefault({}),
        /** Per-agent action and spend rate against its own learned baseline; on when present. */
        anomaly: anomalyOptions
          .extend({
            /** pause (default): pause the agent and alert; alert: only alert. */
            on_anomaly: z.enum(['pause', 'alert']).default('pause'),
          })
          .optional(),
      })
      .strict()
      .prefault({}),
    /** Where guard events (budget thresholds, breakers, pauses) are sent; see docs/configuration.md#alerts. */
    alerts: alertsConfigSchema.optional(),
    agents: z.record(name('agent'), agentSchema),
    actions: z.record(name('action type'), actionTypeSchema),
  })
  .strict();

export type PolicyDocument = z.output<typeof policySchema>;
export type AgentDocument = z.output<typeof agentSchema>;
export type ActionTypeDocument = z.output<typeof actionTypeSchema>;
