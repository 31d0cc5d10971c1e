import type { AuditInput } from '../audit/entry.js';
import type { ActionsTable, BudgetUsageTable, IdempotencyTable, OutboxTable } from './schema.js';

/** What one group commit makes durable. Shared by the SQLite and Kysely write paths. */
export interface Batch {
  audit: AuditInput[];
  actions: Map<string, ActionsTable>;
  budgets: Map<string, BudgetUsageTable>;
  outbox: OutboxTable[];
  /** Outbox rows to remove (the outbox connector's undo), after this batch's inserts. */
  outboxDeletes: string[];
  idem: IdempotencyTable[];
  /** Gateway call bodies, by action id (a later write for the same call replaces an earlier one). */
  payloads: Map<string, LlmPayloadRow>;
}

/**
 * A row of `llm_payloads` (migration 0012): one gateway call's stored bodies. It rides in the
 * outcome's group commit, so bodies and the audit entry that holds their sha256 land together,
 * without a transaction (and an fsync) of their own.
 */
export interface LlmPayloadRow {
  action_id: string;
  request: string | null;
  response: string | null;
  created_at: number;
}

/** A chain's last position. */
export type Head = { seq: number; hash: string };

export const ACTION_COLUMNS = ['id', 'agent_id', 'type', 'exec_mode', 'status', 'params', 'params_hash', 'idempotency_key', 'rationale', 'policy_version', 'estimate_micro', 'reserved_micro', 'budget_keys', 'campaign', 'callback_url', 'not_before', 'cost_micro', 'decision', 'result', 'error', 'decided_by', 'created_at', 'updated_at', 'finished_at'] as const satisfies readonly (keyof ActionsTable)[];

/** Columns an action row's later writes may change. */
export const ACTION_UPDATE_COLUMNS = ['status', 'params', 'params_hash', 'reserved_micro', 'budget_keys', 'cost_micro', 'decision', 'result', 'error', 'decided_by', 'updated_at', 'finished_at'] as const satisfies readonly (keyof ActionsTable)[];
