/**
 * Shapes of the Bridle HTTP API as the dashboard reads them (docs/api.md). Fields the server may
 * add later are ignored; fields newer servers add are optional here so an older server still
 * renders.
 */

export type Role = 'viewer' | 'approver' | 'admin';

export interface OperatorInfo {
  name: string;
  role: Role;
  groups: string[];
}

export interface SessionInfo {
  operator: OperatorInfo;
  csrfToken: string;
}

export interface ApiErrorBody {
  error: { code: string; message: string; details?: Record<string, unknown> };
}

export type ActionStatus =
  | 'received'
  | 'blocked'
  | 'awaiting_approval'
  | 'approved'
  | 'rejected'
  | 'expired'
  | 'allowed'
  | 'executing'
  | 'succeeded'
  | 'failed'
  | 'undone';

export interface Span {
  start: number;
  end: number;
}

export interface Finding {
  message: string;
  field?: string;
  span?: Span;
  match?: string;
  category?: string;
}

export interface CheckView {
  name: string;
  passed: boolean;
  score: number;
  reason: string;
  findings: Finding[];
}

export interface Decision {
  outcome: 'allow' | 'deny' | 'needs_approval';
  code: string;
  reason: string;
  policyVersion: string;
  checks: CheckView[];
  guards: Record<string, unknown>;
  retryAfterMs?: number;
}

export type Params = Record<string, unknown>;

export interface ActionView {
  id: string;
  agentId: string;
  type: string;
  mode: 'execute' | 'authorize';
  status: ActionStatus;
  params: Params;
  paramsHash: string;
  idempotencyKey: string | null;
  rationale: string | null;
  campaign: string | null;
  policyVersion: string;
  estimatedCostMicroUsd: number;
  costMicroUsd: number | null;
  decision: Decision | null;
  result: unknown;
  error: { code: string; message: string } | null;
  decidedBy: string | null;
  createdAt: string;
  updatedAt: string;
  finishedAt: string | null;
}

export type AgentStatus = 'active' | 'paused' | 'tripped' | 'killed';
export type BreakerState = 'closed' | 'open' | 'half_open';

export interface AgentView {
  id: string;
  mode: 'draft' | 'auto';
  modeNow?: 'draft' | 'auto';
  killed: boolean;
  paused: boolean;
  killReason: string | null;
  dailyCapMicroUsd: number | null;
  ratePerMinute: number | null;
  budget?: { dailyMicroUsd: number | null; monthlyMicroUsd: number | null; lifetimeMicroUsd: number | null; onCap?: string };
  spend?: { todayMicroUsd: number; monthMicroUsd: number };
  breaker?: { state: BreakerState } | null;
  status?: AgentStatus;
}

export interface AgentsResponse {
  items: AgentView[];
  policyVersion: string;
}

export interface SpendRow {
  scope: string;
  kind: 'agent' | 'campaign' | 'global' | 'action_type';
  name: string;
  today: { spentMicroUsd: number; capMicroUsd: number | null };
  month: { spentMicroUsd: number; capMicroUsd: number | null };
}

export interface SeriesPoint {
  t: number;
  actions: number;
  allowed: number;
  blocked: number;
  errors: number;
  approvalsDecided: number;
  approvalLatencyMsP50: number | null;
  spendMicroUsd: number;
}

export interface Overview {
  now: string;
  spend: SpendRow[];
  series: { bucketMs: number; points: SeriesPoint[] };
  totals: { actions: number; blockRate: number; errorRate: number; pendingApprovals: number };
}

export interface AlertView {
  id: string;
  kind: string;
  severity: string;
  title: string;
  text: string;
  agentId: string | null;
  createdAt: string;
  status: string;
}

export interface OutboxItem {
  id: string;
  actionId: string;
  agentId: string;
  type: string;
  params: Params;
  platform: string | null;
  createdAt: string;
}

export interface Page<T> {
  items: T[];
  next: string | null;
}

export interface AuditItem {
  id: string;
  agentId: string;
  seq: number;
  actionId: string | null;
  kind: string;
  ts: string;
  hash: string;
  prevHash: string | null;
  entry: unknown;
}

export interface AuditVerification {
  ok: boolean;
  hashMatches: boolean;
  linksToPrevious: boolean;
  message: string;
}

export interface PolicyView {
  version: string;
  file: string | null;
  agents: string[];
  actions: string[];
  lastReload: { ok: boolean; at: string; error?: string } | null;
  [extra: string]: unknown;
}

export interface AgentEvent {
  id: string;
  killed: boolean;
  paused: boolean;
  mode: 'draft' | 'auto';
}

/** `GET /v1/stats/performance`: one platform or campaign. */
export interface PerformanceRow {
  key: string;
  actions: number;
  published: number;
  undone: number;
  blocked: number;
  failed: number;
  engagement: { items: number; impressions: number; likes: number; comments: number; shares: number; clicks: number; saves: number };
  approvals: { approved: number; rejected: number; expired: number; pending: number; rate: number | null };
}

export interface PerformanceResponse {
  since: string;
  by: 'platform' | 'campaign';
  items: PerformanceRow[];
}
