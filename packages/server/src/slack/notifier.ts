import { approvalMessage } from './blocks.js';
import type { SlackClient } from './client.js';
import type { ApprovalView, MessageRef } from './types.js';

export interface SlackNotifier {
  /** Posts the approval message; keep the returned ref to refresh it later. */
  notify(view: ApprovalView): Promise<MessageRef>;
  /** Re-renders a posted message, e.g. once the approval is decided elsewhere (dashboard, API, expiry). */
  refresh(view: ApprovalView, ref: MessageRef): Promise<void>;
}

/**
 * What the approval engine calls when an approval is requested or decided.
 *
 * @example
 *   const notifier = createSlackNotifier({ client, channel: 'C0APPROVALS' });
 *   const ref = await notifier.notify(view);   // store ref with the approval
 *   await notifier.refresh(decidedView, ref);
 */
export function createSlackNotifier(opts: { client: SlackClient; channel: string }): SlackNotifier {
  return {
    notify: (view) => opts.client.postMessage(opts.channel, approvalMessage(view)),
    async refresh(view, ref) {
      await opts.client.update(ref, approvalMessage(view));
    },
  };
}
