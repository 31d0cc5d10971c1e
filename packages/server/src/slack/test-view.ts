import type { ApprovalView } from './types.js';

/** A pending approval as the engine would describe it, for the Slack-side tests. */
export function pendingView(over: Partial<ApprovalView> = {}): ApprovalView {
  return {
    approvalId: 'apr_1',
    actionId: 'act_1',
    agentId: 'growth-bot',
    type: 'social.post',
    paramsHash: 'sha256:aaaaaaaaaaaaaaaa',
    params: { platform: 'x', text: 'Invest now for guaranteed returns & <big> wins' },
    rationale: 'Weekly promo',
    estimatedCost: '$0.01',
    checks: [
      { name: 'banned_phrases', passed: false, reason: '1 banned phrase', findings: [{ message: 'banned phrase', field: 'text', span: { start: 15, end: 33 } }] },
      { name: 'max_length', passed: true, reason: 'ok', findings: [] },
    ],
    status: 'pending',
    ...over,
  };
}
