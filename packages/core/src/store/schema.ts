import type { Generated } from 'kysely';

/** Epoch milliseconds; integer micro-USD. Both dialects store these as 64-bit integers. */
type Millis = number;

export interface ActionsTable {
  id: string;
  agent_id: string;
  type: string;
  exec_mode: string;
  status: string;
  params: string;
  params_hash: string;
  idempotency_key: string | null;
  rationale: string | null;
  policy_version: string;
  estimate_micro: number;
  reserved_micro: number;
  /** Counters this action reserved on (`scope|period`, one per line); null when it holds none. */
  budget_keys: string | null;
  campaign: string | null;
  /** Where to POST the outcome when the action is decided (signed); null: the agent waits or polls. */
  callback_url: string | null;
  /** Execute no earlier than this (epoch ms): a scheduled post waits, decided and reserved, for its slot. */
  not_before?: Millis | null;
  cost_micro: number | null;
  decision: string | null;
  result: string | null;
  error: string | null;
  decided_by: string | null;
  created_at: Millis;
  updated_at: Millis;
  finished_at: Millis | null;
}

export interface AuditTable {
  agent_id: string;
  seq: number;
  id: string;
  action_id: string | null;
  ts: Millis;
  kind: string;
  prev_hash: string;
  hash: string;
  body: string;
}

export interface ChainHeadsTable {
  agent_id: string;
  seq: number;
  hash: string;
}

export interface CheckpointsTable {
  id: string;
  ts: Millis;
  heads: string;
  key_id: string;
  signature: string;
}

export interface BudgetUsageTable {
  /** What the counter covers: `agent:<id>`, `action_type:<type>`, `campaign:<name>` or `global`. */
  scope: string;
  /** `d:YYYY-MM-DD` or `m:YYYY-MM` in the configured time zone, or `life`. */
  period: string;
  spent_micro: number;
  reserved_micro: number;
}

export interface BudgetReservationsTable {
  action_id: string;
  /** The counters reserved on, `scope|period`, one per line. */
  keys: string;
  amount: number;
  created_at: Millis;
}

export interface OutboxTable {
  id: string;
  action_id: string;
  agent_id: string;
  connector: string;
  payload: string;
  created_at: Millis;
}

export interface KillSwitchesTable {
  /** `global`, `agent:<id>` or `action_type:<type>`. */
  scope: string;
  /** killed: by a person, cancels pending approvals; paused: by a guard (budget cap, anomaly), resumable. */
  state: 'killed' | 'paused';
  reason: string | null;
  actor: string | null;
  updated_at: Millis;
}

export interface BreakersTable {
  /** `agent:<id>` or `connector:<name>`. */
  scope: string;
  state: 'closed' | 'open' | 'half_open';
  reason: string | null;
  opened_at: Millis | null;
  updated_at: Millis;
}

export interface ApiKeysTable {
  id: string;
  agent_id: string;
  key_hash: string;
  prefix: string;
  label: string | null;
  created_at: Millis;
  revoked_at: Millis | null;
}

export interface IdempotencyTable {
  agent_id: string;
  key: string;
  action_id: string;
  created_at: Millis;
}

export interface AlertsTable {
  id: string;
  /** Name of the channel in the policy's `alerts.channels`. */
  channel: string;
  dedupe_key: string;
  severity: string;
  /** The alert as canonical JSON: title, text, fields, agent, source. */
  payload: string;
  /** pending → sent, or pending → dead after the last retry; `suppressed` when deduplicated or throttled. */
  status: 'pending' | 'sent' | 'dead' | 'suppressed';
  attempts: number;
  next_attempt_at: Millis;
  last_error: string | null;
  created_at: Millis;
  sent_at: Millis | null;
}

export interface GuardStateTable {
  name: string;
  /** JSON, e.g. the anomaly detector's snapshot. */
  state: string;
  updated_at: Millis;
}

export interface RateStateTable {
  /** `<limit key>|per_minute` (tokens left) or `<limit key>|d:YYYY-MM-DD` (tokens = count taken). */
  key: string;
  tokens: number;
  at: Millis;
}

export interface OperatorsTable {
  id: string;
  name: string;
  /** viewer | approver | admin */
  role: string;
  /** JSON array of group names, e.g. ["finance"]. */
  groups: string;
  /** scrypt, `scrypt$N$r$p$salt$hash` (base64url); null: token-only operator. */
  password_hash: string | null;
  email: string | null;
  slack_user_id: string | null;
  created_at: Millis;
  disabled_at: Millis | null;
}

export interface OperatorTokensTable {
  id: string;
  operator_id: string;
  token_hash: string;
  prefix: string;
  label: string | null;
  created_at: Millis;
  last_used_at: Millis | null;
  revoked_at: Millis | null;
}

export interface AgentModesTable {
  agent_id: string;
  mode: 'draft' | 'auto';
  actor: string | null;
  reason: string | null;
  updated_at: Millis;
}

export interface SeenTargetsTable {
  agent_id: string;
  /** `type:<action type>` or `to:<action type>:<recipient>`. */
  target: string;
  first_at: Millis;
}

export interface ApprovalStepsTable {
  action_id: string;
  /** Index into the action type's approval_chain. */
  step: number;
  started_at: Millis;
  reminded_at: Millis | null;
}

export interface ApprovalVotesTable {
  action_id: string;
  step: number;
  operator: string;
  decision: 'approve' | 'reject';
  params_hash: string;
  reason: string | null;
  at: Millis;
}

export interface CallbacksTable {
  id: string;
  action_id: string;
  /** The status being reported: one callback per action and status. */
  status_for: string;
  url: string;
  state: 'pending' | 'sent' | 'dead';
  attempts: number;
  next_attempt_at: Millis;
  last_error: string | null;
  created_at: Millis;
  sent_at: Millis | null;
}

/** The latest engagement a connector reported for a published action. */
export interface EngagementTable {
  action_id: string;
  agent_id: string;
  platform: string | null;
  campaign: string | null;
  /** JSON of the connector's Engagement (likes, comments, shares, impressions, …). */
  data: string;
  fetched_at: Millis;
}

/** A dashboard browser session; the cookie itself is never stored, only its sha256. */
export interface SessionsTable {
  token_hash: string;
  operator_id: string;
  created_at: Millis;
  last_seen_at: Millis;
  /** Absolute end of the session (login + 12 h by default); the cookie's Max-Age matches it. */
  expires_at: Millis;
  revoked_at: Millis | null;
  user_agent: string | null;
}

export interface Database {
  actions: ActionsTable;
  audit: AuditTable;
  chain_heads: ChainHeadsTable;
  checkpoints: CheckpointsTable;
  budget_usage: BudgetUsageTable;
  budget_reservations: BudgetReservationsTable;
  outbox: OutboxTable;
  engagement: EngagementTable;
  kill_switches: KillSwitchesTable;
  breakers: BreakersTable;
  guard_state: GuardStateTable;
  rate_state: RateStateTable;
  operators: OperatorsTable;
  operator_tokens: OperatorTokensTable;
  agent_modes: AgentModesTable;
  seen_targets: SeenTargetsTable;
  approval_steps: ApprovalStepsTable;
  approval_votes: ApprovalVotesTable;
  callbacks: CallbacksTable;
  api_keys: ApiKeysTable;
  idempotency_keys: IdempotencyTable;
  alerts: AlertsTable;
  sessions: SessionsTable;
  _unused?: Generated<number>;
}
