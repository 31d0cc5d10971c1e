import { z } from 'zod';
import type { ActionRecord } from '@bridle/core';

function depth(v: unknown, d = 0): number {
  if (d > 32 || v === null || typeof v !== 'object') return d;
  let max = d;
  for (const x of Object.values(v as object)) max = Math.max(max, depth(x, d + 1));
  return max;
}

/** Action parameters: any JSON object, nested at most 32 deep (hashing recurses over it). */
const params = z
  .record(z.string(), z.unknown())
  .refine((p) => depth(p) <= 32, { message: 'params may be nested at most 32 levels deep' })
  .describe('The action parameters, e.g. { "platform": "x", "text": "…" } for social.post');

export const submitBody = z
  .object({
    type: z.string().min(1).max(128).describe('Action type, as named under actions: in bridle.yaml'),
    params,
    mode: z.enum(['execute', 'authorize']).optional().describe('execute (default): Bridle runs the connector. authorize: you run it and POST /report'),
    idempotencyKey: z.string().min(1).max(255).optional().describe('Retries with the same key return the first decision; also accepted as the Idempotency-Key header'),
    estimatedCostMicroUsd: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER).optional().describe('Your cost estimate in micro-USD, reserved against the budget'),
    rationale: z.string().max(4000).optional().describe('Why the agent wants this; shown to approvers'),
    revisionOf: z.string().min(1).max(128).optional().describe('After a needs_revision decision: the id of the action this one revises'),
    campaign: z
      .string()
      .regex(/^[a-z0-9][a-z0-9._-]{0,62}$/i, 'campaign names use letters, digits, ".", "_" and "-" (max 63)')
      .optional()
      .describe('Campaign label: the action counts against that campaign’s budget (guards.budgets.campaigns)'),
    callbackUrl: z.string().url().max(2000).optional().describe('http(s) URL Bridle POSTs the outcome to once the action is decided, signed with BRIDLE_CALLBACK_SECRET (X-Bridle-Signature)'),
    notBefore: z
      .union([z.iso.datetime({ offset: true }).transform((s) => Date.parse(s)), z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER)])
      .optional()
      .describe('Schedule it: decide (and approve) now, run the connector at this time (ISO 8601 or epoch ms); execute mode only'),
    waitMs: z.number().int().min(0).max(60_000).optional().describe('If the action needs approval, wait up to this long for the decision before answering'),
  })
  .strict();

export const reportBody = z
  .object({
    outcome: z.enum(['succeeded', 'failed']),
    costMicroUsd: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER).optional(),
    result: z.unknown().optional(),
    error: z.string().max(4000).optional(),
  })
  .strict();

export const approveBody = z
  .object({
    paramsHash: z.string().max(128).optional().describe('Hash of the parameters you reviewed; the approval is refused if they changed'),
    reason: z.string().max(2000).optional(),
    params: params.optional().describe('Edited parameters: checked again by every check and re-hashed before they run; refused if a check would block them'),
  })
  .strict();

export const rejectBody = z.object({ reason: z.string().max(2000).optional() }).strict();
export const killBody = z.object({ reason: z.string().max(2000).optional() }).strict();

export const breakerBody = z.object({ scope: z.string().regex(/^(agent|connector):.+$/, 'scope is agent:<id> or connector:<name>') }).strict();

/** A kill switch's scope: everything, one agent, or one action type for every agent. */
export const scopeBody = z
  .object({
    scope: z.enum(['global', 'agent', 'action_type']),
    id: z.string().min(1).max(200).optional(),
    reason: z.string().max(2000).optional(),
  })
  .strict()
  .refine((b) => (b.scope === 'global') === (b.id === undefined), { message: 'id names the agent or action type; give it for scope agent or action_type, and not for global', path: ['id'] });

export const waitQuery = z.object({ timeoutMs: z.coerce.number().int().min(0).max(60_000).default(30_000) }).strict();

export const listQuery = z
  .object({
    agent: z.string().max(128).optional(),
    status: z.string().max(32).optional(),
    type: z.string().max(128).optional(),
    after: z.string().max(64).optional().describe('Cursor: the `next` value of the previous page'),
    limit: z.coerce.number().int().min(1).max(500).default(50),
  })
  .strict();

export const auditQuery = z
  .object({
    agent: z.string().max(128).optional(),
    action: z.string().max(64).optional(),
    after: z.string().max(64).optional().describe('Cursor: the `next` value of the previous page'),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
  })
  .strict();

export const idParam = z.object({ id: z.string().min(1).max(128) }).strict();

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** The public shape of an action. */
export function actionView(r: ActionRecord) {
  return {
    id: r.id,
    agentId: r.agentId,
    type: r.type,
    mode: r.mode,
    status: r.status,
    params: r.params,
    paramsHash: r.paramsHash,
    idempotencyKey: r.idempotencyKey,
    rationale: r.rationale,
    campaign: r.campaign,
    notBefore: r.notBefore === null ? null : iso(r.notBefore),
    policyVersion: r.policyVersion,
    estimatedCostMicroUsd: r.estimateMicroUsd,
    costMicroUsd: r.costMicroUsd,
    decision: r.decision,
    result: r.result,
    error: r.error,
    decidedBy: r.decidedBy,
    createdAt: iso(r.createdAt),
    updatedAt: iso(r.updatedAt),
    finishedAt: iso(r.finishedAt),
  };
}

export const actionViewSchema = z.object({
  id: z.string(),
  agentId: z.string(),
  type: z.string(),
  mode: z.enum(['execute', 'authorize']),
  status: z.enum(['received', 'blocked', 'awaiting_approval', 'approved', 'rejected', 'expired', 'allowed', 'executing', 'succeeded', 'failed', 'undone']),
  params: z.record(z.string(), z.unknown()),
  paramsHash: z.string(),
  idempotencyKey: z.string().nullable(),
  rationale: z.string().nullable(),
  campaign: z.string().nullable(),
  /** When a scheduled action runs (ISO 8601); null when it runs as soon as it is allowed. */
  notBefore: z.string().nullable(),
  policyVersion: z.string(),
  estimatedCostMicroUsd: z.number().int(),
  costMicroUsd: z.number().int().nullable(),
  decision: z
    .object({
      outcome: z.enum(['allow', 'deny', 'needs_approval']),
      code: z.string(),
      reason: z.string(),
      policyVersion: z.string(),
      checks: z.array(z.object({ name: z.string(), passed: z.boolean(), score: z.number(), reason: z.string(), findings: z.array(z.record(z.string(), z.unknown())) })),
      guards: z.record(z.string(), z.unknown()),
      retryAfterMs: z.number().optional(),
    })
    .nullable(),
  result: z.unknown(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  decidedBy: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  finishedAt: z.string().nullable(),
});

export const errorSchema = z.object({
  error: z.object({ code: z.string().describe('Stable BRIDLE_E_… code, see docs/errors.md'), message: z.string(), details: z.record(z.string(), z.unknown()).optional() }),
});
