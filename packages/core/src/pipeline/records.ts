import type { JsonObject, JsonValue } from '../json.js';
import type { ActionsTable, BudgetUsageTable } from '../store/schema.js';
import type { ActionStatus } from './lifecycle.js';
import type { ActionRecord, Decision, ExecMode } from './types.js';

const json = <T>(s: string | null): T | null => (s === null ? null : (JSON.parse(s) as T));

export function toRow(r: ActionRecord): ActionsTable {
  return {
    id: r.id,
    agent_id: r.agentId,
    type: r.type,
    exec_mode: r.mode,
    status: r.status,
    params: JSON.stringify(r.params),
    params_hash: r.paramsHash,
    idempotency_key: r.idempotencyKey,
    rationale: r.rationale,
    policy_version: r.policyVersion,
    estimate_micro: r.estimateMicroUsd,
    reserved_micro: r.reservedMicroUsd,
    budget_keys: r.budgetKeys.length > 0 ? r.budgetKeys.join('\n') : null,
    campaign: r.campaign,
    callback_url: r.callbackUrl,
    not_before: r.notBefore,
    cost_micro: r.costMicroUsd,
    decision: r.decision === null ? null : JSON.stringify(r.decision),
    result: r.result === null ? null : JSON.stringify(r.result),
    error: r.error === null ? null : JSON.stringify(r.error),
    decided_by: r.decidedBy,
    created_at: r.createdAt,
    updated_at: r.updatedAt,
    finished_at: r.finishedAt,
  };
}

export function fromRow(row: ActionsTable): ActionRecord {
  return {
    id: row.id,
    agentId: row.agent_id,
    type: row.type,
    mode: row.exec_mode as ExecMode,
    status: row.status as ActionStatus,
    params: JSON.parse(row.params) as JsonObject,
    paramsHash: row.params_hash,
    idempotencyKey: row.idempotency_key,
    rationale: row.rationale,
    policyVersion: row.policy_version,
    estimateMicroUsd: row.estimate_micro,
    reservedMicroUsd: row.reserved_micro,
    budgetKeys: row.budget_keys ? row.budget_keys.split('\n') : [],
    campaign: row.campaign,
    callbackUrl: row.callback_url ?? null,
    notBefore: row.not_before ?? null,
    costMicroUsd: row.cost_micro,
    decision: json<Decision>(row.decision),
    result: json<JsonValue>(row.result),
    error: json<{ code: string; message: string }>(row.error),
    decidedBy: row.decided_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    finishedAt: row.finished_at,
  };
}

/** A ledger snapshot to persist with a write (copied: later changes belong to later writes). */
export const budgetOf = (rows: readonly BudgetUsageTable[] | undefined): { budgets?: BudgetUsageTable[] } => (rows ? { budgets: rows.map((r) => ({ ...r })) } : {});
