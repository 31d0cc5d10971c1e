import type { FastifyInstance } from 'fastify';
import { can, findOperatorBySlackUser, formatMicroUsd, type ActionRecord, type Bridle } from '@bridle/core';
import { createSlackClient } from './client.js';
import { createSlackInteractions, type SlackInteractions } from './interactions.js';
import { createSlackNotifier } from './notifier.js';
import type { ApprovalView, MessageRef, SlackApprovalHandler } from './types.js';

/** Slack settings, from the environment: the signing secret and bot token are never in bridle.yaml. */
export interface SlackConfig {
  signingSecret: string;
  botToken: string;
  /** Channel id the approval messages go to, e.g. C0123ABCD. */
  channel: string;
  /** Web API base (tests point it at a local server). */
  apiUrl?: string;
  /** Where response_url may point (tests point it at a local server). */
  responseUrlPrefix?: string;
}

/** Reads BRIDLE_SLACK_SIGNING_SECRET, BRIDLE_SLACK_BOT_TOKEN and BRIDLE_SLACK_CHANNEL; null when Slack is not set up. */
export function slackConfigFromEnv(env: Record<string, string | undefined>): SlackConfig | null {
  const signingSecret = env.BRIDLE_SLACK_SIGNING_SECRET;
  const botToken = env.BRIDLE_SLACK_BOT_TOKEN;
  const channel = env.BRIDLE_SLACK_CHANNEL;
  if (!signingSecret && !botToken && !channel) return null;
  const missing = [['BRIDLE_SLACK_SIGNING_SECRET', signingSecret], ['BRIDLE_SLACK_BOT_TOKEN', botToken], ['BRIDLE_SLACK_CHANNEL', channel]].filter(([, v]) => !v).map(([k]) => k);
  if (missing.length > 0) throw new Error(`Slack approvals need ${missing.join(', ')} as well (all three, or none)`);
  return { signingSecret: signingSecret!, botToken: botToken!, channel: channel!, ...(env.BRIDLE_SLACK_API_URL ? { apiUrl: env.BRIDLE_SLACK_API_URL } : {}) };
}

const STATUS: Partial<Record<ActionRecord['status'], ApprovalView['status']>> = { awaiting_approval: 'pending', rejected: 'rejected', expired: 'expired' };

/** How Slack shows an action waiting for (or past) approval. */
export function approvalViewOf(rec: ActionRecord): ApprovalView {
  const status = STATUS[rec.status] ?? 'approved';
  return {
    approvalId: rec.id,
    actionId: rec.id,
    agentId: rec.agentId,
    type: rec.type,
    paramsHash: rec.paramsHash,
    params: rec.params,
    ...(rec.rationale ? { rationale: rec.rationale } : {}),
    estimatedCost: formatMicroUsd(rec.estimateMicroUsd),
    checks: (rec.decision?.checks ?? []).map((c) => ({ name: c.name, passed: c.passed, reason: c.reason, findings: c.findings.map((f) => ({ message: f.message, ...(f.field ? { field: f.field } : {}), ...(f.span ? { span: f.span } : {}) })) })),
    status,
    ...(rec.decidedBy ? { decidedBy: rec.decidedBy } : {}),
    ...(status !== 'pending' ? { decidedAt: new Date(rec.updatedAt).toISOString() } : {}),
  };
}

/**
 * Connects Slack to the approval engine: every action that starts waiting is posted to the
 * channel (recorded as `approval.notified` with where, so the message can be updated after a
 * restart), clicks and edits from known operators decide it, and a decision made anywhere else
 * (API, CLI, expiry) updates the message.
 */
export function connectSlack(app: FastifyInstance, bridle: Bridle, cfg: SlackConfig): SlackInteractions {
  const client = createSlackClient({ token: cfg.botToken, ...(cfg.apiUrl ? { baseUrl: cfg.apiUrl } : {}), ...(cfg.responseUrlPrefix ? { responseUrlPrefix: cfg.responseUrlPrefix } : {}) });
  const notifier = createSlackNotifier({ client, channel: cfg.channel });
  const handler: SlackApprovalHandler = {
    async operatorFor(slackUserId) {
      const op = await findOperatorBySlackUser(bridle.store, slackUserId);
      return op && can(op, 'approve') ? { name: op.name } : null;
    },
    async decide(input) {
      const rec = await bridle.get(input.approvalId);
      if (input.decision === 'reject') return approvalViewOf(await bridle.reject(rec.id, { operator: input.operator, ...(input.reason ? { reason: input.reason } : {}) }));
      const params = input.editedText === undefined ? undefined : { ...rec.params, text: input.editedText };
      const out = await bridle.approve(rec.id, { operator: input.operator, paramsHash: input.paramsHash, ...(input.reason ? { reason: input.reason } : {}), ...(params ? { params } : {}) });
      return approvalViewOf(out);
    },
    view: async (id) => approvalViewOf(await bridle.get(id)),
  };
  const interactions = createSlackInteractions({ signingSecret: cfg.signingSecret, handler, client });
  void app.register(interactions.plugin);

  const refOf = async (actionId: string): Promise<MessageRef | null> => {
    const row = await bridle.store.db.selectFrom('audit').select('body').where('action_id', '=', actionId).where('kind', '=', 'approval.notified').executeTakeFirst();
    const data = row ? (JSON.parse(row.body) as { data?: { channel?: string; ts?: string } }).data : undefined;
    return data?.channel && data.ts ? { channel: data.channel, ts: data.ts } : null;
  };
  const onError = (e: unknown) => app.log.warn({ err: e instanceof Error ? e.message : String(e) }, 'slack approval message failed');
  bridle.onAction((rec) => {
    if (rec.status === 'awaiting_approval') {
      void notifier
        .notify(approvalViewOf(rec))
        .then((ref) => bridle.audit([{ ...bridle.entry(rec.agentId, rec.id, 'approval.notified', { type: 'system', id: 'slack' }), data: { channel: ref.channel, ts: ref.ts, paramsHash: rec.paramsHash } }]))
        .catch(onError);
    } else if (rec.decidedBy !== null || rec.status === 'expired') {
      // Only actions a person (or the timeout) decided can have a message to update.
      void refOf(rec.id)
        .then((ref) => (ref ? notifier.refresh(approvalViewOf(rec), ref) : undefined))
        .catch(onError);
    }
  });
  return interactions;
}
