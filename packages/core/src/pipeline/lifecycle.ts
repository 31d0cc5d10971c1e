import { BridleError } from '../errors.js';

/** The action lifecycle of DESIGN.md. No other transitions exist. */
export const STATUSES = ['received', 'blocked', 'awaiting_approval', 'approved', 'rejected', 'expired', 'allowed', 'executing', 'succeeded', 'failed', 'undone'] as const;
export type ActionStatus = (typeof STATUSES)[number];

const NEXT: Record<ActionStatus, readonly ActionStatus[]> = {
  received: ['blocked', 'awaiting_approval', 'allowed'],
  awaiting_approval: ['approved', 'rejected', 'expired'],
  approved: ['executing'],
  allowed: ['executing'],
  executing: ['succeeded', 'failed'],
  succeeded: ['undone'],
  blocked: [],
  rejected: [],
  expired: [],
  failed: [],
  undone: [],
};

export function canTransition(from: ActionStatus, to: ActionStatus): boolean {
  return NEXT[from].includes(to);
}

export function assertTransition(id: string, from: ActionStatus, to: ActionStatus): void {
  if (!canTransition(from, to)) {
    throw new BridleError('BRIDLE_E_INVALID_STATE', `Action ${id} is ${from}; it cannot become ${to}`, { id, status: from, wanted: to });
  }
}

/** States an agent waits through; anything else is a decision it can act on. */
export function isSettledForWaiter(s: ActionStatus): boolean {
  return s !== 'received' && s !== 'awaiting_approval' && s !== 'approved' && s !== 'executing';
}

export function isTerminal(s: ActionStatus): boolean {
  return NEXT[s].length === 0 || s === 'succeeded';
}
