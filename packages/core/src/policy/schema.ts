import { z } from 'zod';
import { checkItem, onError } from './check-item.js';
import { gatewaySchema } from './gateway.js';
import { connectorItem } from '../connectors/config.js';
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

export { ON_FAIL, ON_ERROR, type OnFail, type OnError, type CheckSpec } from './check-item.js';

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
    /**
     * What an agent's draft mode means here: `approve` (default), a human approves every one;
     * `rules`, only this type's own approval rules apply. For actions that reach no one, such as
     * the model calls a drafting agent makes through the gateway.
     */
    in_draft_mode: z.enum(['approve', 'rules']).default('approve'),
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
    /** How published items' engagement is fetched from connectors that report it (likes, comments, …). */
    engagement: z
      .object({
        /** Minutes between fetches for one item; 0 turns fetching off. */
        poll_minutes: z.number().int().min(0).max(10_080).default(60),
        /** Items published within this many days are followed. */
        window_days: z.number().int().min(1).max(90).default(7),
      })
      .strict()
      .prefault({}),
    /** The LLM gateway door: providers, model routes, prices, output checks; see docs/configuration.md#gateway. */
    gateway: gatewaySchema.optional(),
    /** Connectors with their credentials and options (X, LinkedIn, …), named for `actions.*.connector`; see docs/configuration.md#connectors. */
    connectors: z.record(name('connector'), connectorItem).default({}),
    agents: z.record(name('agent'), agentSchema),
    actions: z.record(name('action type'), actionTypeSchema),
  })
  .strict()
  .superRefine((p, ctx) => {
    for (const [name, c] of Object.entries(p.connectors)) {
      if (c.kind !== 'social') continue;
      const routes = c.options as { platforms: Record<string, string>; otherwise?: string };
      const targets = [...Object.entries(routes.platforms).map(([k, v]) => [['platforms', k], v] as const), ...(routes.otherwise ? [[['otherwise'], routes.otherwise] as const] : [])];
      for (const [path, target] of targets) {
        // Names of in-process connectors are only known to the engine, which checks them when it builds these.
        if (target === name) ctx.addIssue({ code: 'custom', path: ['connectors', name, ...path], message: `a social router cannot route to itself` });
        else if (p.connectors[target]?.kind === 'social') ctx.addIssue({ code: 'custom', path: ['connectors', name, ...path], message: `"${target}" is itself a social router; route to a platform connector` });
      }
    }
    // The gateway records every model call as this action type, in authorize mode (it runs the call itself).
    if (!p.gateway) return;
    const t = p.actions[p.gateway.action_type];
    if (!t) ctx.addIssue({ code: 'custom', path: ['gateway', 'action_type'], message: `the gateway records calls as action type "${p.gateway.action_type}", which is not under actions:; add it (e.g. actions: { ${p.gateway.action_type}: { modes: [authorize] } })` });
    else if (!t.modes.includes('authorize')) ctx.addIssue({ code: 'custom', path: ['actions', p.gateway.action_type, 'modes'], message: `"${p.gateway.action_type}" is the gateway's action type and must allow authorize mode` });
  });

export type PolicyDocument = z.output<typeof policySchema>;
export type AgentDocument = z.output<typeof agentSchema>;
export type ActionTypeDocument = z.output<typeof actionTypeSchema>;
