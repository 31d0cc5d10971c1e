import type { CheckResult } from '../checks/types.js';
import type { JsonObject, JsonValue } from '../json.js';
import type { ActionStatus } from './lifecycle.js';
import type { OnFail } from '../policy/schema.js';

export type ExecMode = 'execute' | 'authorize';

/** What an agent asks for. */
export interface SubmitRequest {
  agentId: string;
  type: string;
  params: JsonObject;
  mode?: ExecMode;
  idempotencyKey?: string;
  /** The agent's own estimate; the action type's `estimate_usd` applies when absent. */
  estimatedCostMicroUsd?: number;
  /** Why the agent wants this, shown to approvers. */
  rationale?: string;
  /** The action this one revises, after a `needs_revision` decision. */
  revisionOf?: string;
  /** A campaign label: the action counts against that campaign's budget and spend. */
  campaign?: string;
  /** An http(s) URL Bridle POSTs the outcome to (signed) once the action is decided. */
  callbackUrl?: string;
  /**
   * Execute no earlier than this (epoch ms), in execute mode: the action is decided (and approved)
   * now, keeps its budget reservation, and its connector runs once at its slot.
   */
  notBefore?: number;
}

/** One check's outcome as recorded in a decision. */
export interface CheckReport extends CheckResult {
  name: string;
  onFail: OnFail;
  durationMs: number;
  /** Set when the check threw or timed out; `passed` then follows on_error. */
  error?: string;
}

export type DecisionOutcome = 'allow' | 'deny' | 'needs_approval';

/** Why a decision came out as it did; `code` is stable for programs, `reason` is for people. */
export type DecisionCode =
  | 'allowed'
  | 'agent_killed'
  | 'agent_paused'
  | 'kill_switch'
  | 'breaker_open'
  | 'anomaly_detected'
  | 'check_failed'
  | 'check_error'
  | 'budget_exceeded'
  | 'rate_limited'
  | 'needs_revision'
  | 'approval_required'
  | 'approved'
  | 'rejected';

export interface Decision {
  outcome: DecisionOutcome;
  code: DecisionCode;
  reason: string;
  policyVersion: string;
  agentMode: 'draft' | 'auto';
  checks: CheckReport[];
  /** The numbers behind guard decisions (spent, cap, rate), so a denial explains itself. */
  guards: JsonObject;
  retryAfterMs?: number;
  /** With `needs_revision`: what to fix, and how many revisions are left. */
  feedback?: { findings: { check: string; reason: string; findings: CheckReport['findings'] }[]; revisionsLeft: number };
  /** Set when a check redacted the parameters: the hash of what the agent sent (never the content). */
  redactedFrom?: string;
  redactions?: { check: string; findings: CheckReport['findings'] }[];
  /** Set on a revision: the action it revises and which revision this is (1, 2, …). */
  revisionOf?: string;
  revision?: number;
  decidedAt: number;
}

/** An action as Bridle holds it; the public view is this minus internals. */
export interface ActionRecord {
  id: string;
  agentId: string;
  type: string;
  mode: ExecMode;
  status: ActionStatus;
  params: JsonObject;
  paramsHash: string;
  idempotencyKey: string | null;
  rationale: string | null;
  policyVersion: string;
  estimateMicroUsd: number;
  reservedMicroUsd: number;
  /** Budget counters (`scope|period`) the reservation is held on. */
  budgetKeys: string[];
  /** The campaign label it was submitted with, for campaign budgets and spend reports. */
  campaign: string | null;
  callbackUrl: string | null;
  /** When a scheduled action may run (epoch ms); null runs as soon as it is allowed. */
  notBefore: number | null;
  costMicroUsd: number | null;
  decision: Decision | null;
  result: JsonValue | null;
  error: { code: string; message: string } | null;
  decidedBy: string | null;
  createdAt: number;
  updatedAt: number;
  finishedAt: number | null;
}

/** The outcome an agent reports in authorize mode. */
export interface ReportRequest {
  outcome: 'succeeded' | 'failed';
  costMicroUsd?: number;
  result?: JsonValue;
  error?: string;
}
