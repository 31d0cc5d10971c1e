import { z } from 'zod';
import { canonicalJson } from '../../json.js';
import { ConnectorError, defineConnector } from '../types.js';

/**
 * The default sandbox: records what would have been published instead of publishing it, so
 * nothing leaves the machine until a real connector is configured.
 */
export const outbox = defineConnector({
  name: 'outbox',
  description: 'Records the action in the outbox table instead of performing it.',
  options: z.object({}).strict(),
  create: () => ({
    name: 'outbox',
    transactional: true,
    async execute(req, ctx) {
      const id = ctx.ids.next('out');
      await ctx.write({
        outbox: { id, action_id: req.actionId, agent_id: req.agentId, connector: 'outbox', payload: canonicalJson({ type: req.type, params: req.params }), created_at: ctx.clock.now() },
      });
      // No cost reported: the estimate is charged, so budgets behave in the sandbox as they will live.
      return { result: { outboxId: id, delivered: false, note: 'recorded in the outbox sandbox' } };
    },
    // The sandbox's "delete the post": the row goes; the audit chain keeps what happened.
    async undo(req, ctx) {
      const id = typeof req.result === 'object' && req.result !== null && !Array.isArray(req.result) ? req.result.outboxId : undefined;
      if (typeof id !== 'string') throw new ConnectorError('outbox', 'invalid', `action ${req.actionId} has no outbox record to remove`);
      await ctx.write({ outboxDelete: id });
      return { outboxId: id, removed: true };
    },
  }),
});
