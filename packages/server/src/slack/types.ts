/** What the Slack side needs to know about one approval: built by the engine, rendered here. */
export interface ApprovalView {
  approvalId: string;
  actionId: string;
  agentId: string;
  /** The action type, e.g. `social.post`. */
  type: string;
  /** Hash of the exact parameters shown: a click is bound to it (invariant 2). */
  paramsHash: string;
  params: Record<string, unknown>;
  rationale?: string;
  /** Already formatted for people, e.g. "$0.01". */
  estimatedCost: string;
  checks: ApprovalCheck[];
  status: 'pending' | 'approved' | 'rejected' | 'expired';
  decidedBy?: string;
  /** ISO-8601 time of the decision, when there is one. */
  decidedAt?: string;
  reason?: string;
  /** Where a multi-step approval stands, e.g. "finance 1 of 2". */
  step?: string;
}

export interface ApprovalCheck {
  name: string;
  passed: boolean;
  reason: string;
  findings: { message: string; field?: string; span?: { start: number; end: number } }[];
}

/** The approval engine as the Slack side sees it; the server wires the real one in. */
export interface SlackApprovalHandler {
  /** The operator for a Slack user, or null (unknown users are refused: the message says so ephemerally). */
  operatorFor(slackUserId: string): Promise<{ name: string } | null>;
  /** Throws BridleError on a stale hash (BRIDLE_E_PARAMS_CHANGED), a decided approval (BRIDLE_E_INVALID_STATE), etc. */
  decide(input: { approvalId: string; paramsHash: string; operator: string; decision: 'approve' | 'reject'; reason?: string; editedText?: string }): Promise<ApprovalView>;
  view(approvalId: string): Promise<ApprovalView>;
}

/** Where a posted message lives: what `chat.update` needs. */
export interface MessageRef {
  channel: string;
  ts: string;
}

/** A Block Kit block or view, as plain JSON. */
export type Block = Record<string, unknown>;

/** A message body for chat.postMessage / chat.update / response_url. */
export interface SlackMessage {
  /** Plain fallback for notifications and screen readers. */
  text: string;
  blocks: Block[];
}

/** The three buttons' action_ids, and the modal's callback_id: the route dispatches on them. */
export const ACTION_APPROVE = 'bridle_approve';
export const ACTION_REJECT = 'bridle_reject';
export const ACTION_EDIT = 'bridle_edit';
export const EDIT_CALLBACK = 'bridle_edit_modal';
export const EDIT_TEXT_BLOCK = 'bridle_text';
export const EDIT_REASON_BLOCK = 'bridle_reason';
