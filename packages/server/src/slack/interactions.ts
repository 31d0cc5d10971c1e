import type { FastifyPluginAsync } from 'fastify';
import { BridleError, isBridleError, type BridleErrorCode } from '@bridle/core';
import { approvalMessage, editModal } from './blocks.js';
import type { SlackClient } from './client.js';
import { blockActionsSchema, parseBinding, viewSubmissionSchema, type BlockActions, type ViewSubmission } from './payload.js';
import { verifySlackSignature } from './signature.js';
import { ACTION_APPROVE, ACTION_EDIT, ACTION_REJECT, EDIT_CALLBACK, EDIT_REASON_BLOCK, EDIT_TEXT_BLOCK, type ApprovalView, type MessageRef, type SlackApprovalHandler } from './types.js';
import { createMessageUpdater, type MessageUpdater } from './updater.js';

export interface SlackInteractionsOptions {
  signingSecret: string;
  handler: SlackApprovalHandler;
  client: SlackClient;
  /** Defaults to one over `client` with the same clock. */
  updater?: MessageUpdater;
  now?: () => number;
  toleranceS?: number;
  /** Largest payload accepted, in bytes (default 1 MiB: block_actions carries the whole message). */
  bodyLimit?: number;
}

export interface SlackInteractions {
  /** Registers `POST /v1/slack/interactions` in its own encapsulated scope. */
  plugin: FastifyPluginAsync;
  /** Resolves once the work behind every acknowledged request has finished (tests, shutdown). */
  drain(): Promise<void>;
}

// Replays are refused by the timestamp check after toleranceS, so remembering keys for a little
// longer than twice that window makes every accepted replay a no-op.
const SEEN_TTL_MS = 15 * 60_000;
const VOTE_TTL_MS = 60 * 60_000;

const USER_MESSAGES: Partial<Record<BridleErrorCode, string>> = {
  BRIDLE_E_PARAMS_CHANGED: 'The content changed after this message was shown, so your decision was not recorded. The message now shows the current version: please reload it and review again.',
  BRIDLE_E_INVALID_STATE: 'This approval is no longer pending (it was already decided or expired), so your decision was not recorded.',
  BRIDLE_E_FORBIDDEN: 'You are not allowed to decide this approval, so your decision was not recorded.',
  BRIDLE_E_ACTION_NOT_FOUND: 'This approval no longer exists.',
};

/**
 * Slack's interactivity endpoint for approvals: verifies the v0 signature over the raw body,
 * acknowledges at once (Slack gives up after 3 s), then decides and updates the message.
 * Repeated clicks and replayed requests are deduplicated; each Slack user votes once per
 * approval and params hash. Failures reach the user as an ephemeral message, never a 500.
 */
export function createSlackInteractions(opts: SlackInteractionsOptions): SlackInteractions {
  const now = opts.now ?? Date.now;
  const updater = opts.updater ?? createMessageUpdater({ client: opts.client, now });
  const { handler, client } = opts;
  const seen = new Map<string, number>();
  const votes = new Map<string, { at: number; result: Promise<ApprovalView> }>();
  const inFlight = new Set<Promise<void>>();

  function firstTime(key: string): boolean {
    const t = now();
    for (const [k, at] of seen) if (t - at > SEEN_TTL_MS) seen.delete(k);
    for (const [k, v] of votes) if (t - v.at > VOTE_TTL_MS) votes.delete(k);
    if (seen.has(key)) return false;
    seen.set(key, t);
    return true;
  }

  async function refresh(ref: MessageRef, approvalId: string): Promise<void> {
    await updater.update(ref, approvalMessage(await handler.view(approvalId)));
  }

  async function tell(ref: MessageRef | undefined, user: string, e: unknown, approvalId?: string): Promise<void> {
    const known = isBridleError(e) ? USER_MESSAGES[e.code] : undefined;
    const text = known ?? `Bridle could not record your decision (${isBridleError(e) ? e.code : 'internal error'}); nothing was approved.`;
    if (!ref) return;
    await updater.ephemeral(ref, user, text);
    // Show what is true now: the current params, or who decided.
    if (approvalId && isBridleError(e) && (e.code === 'BRIDLE_E_PARAMS_CHANGED' || e.code === 'BRIDLE_E_INVALID_STATE')) await refresh(ref, approvalId);
  }

  async function operator(ref: MessageRef | undefined, slackUser: string): Promise<string | undefined> {
    const op = await handler.operatorFor(slackUser);
    if (op) return op.name;
    if (ref) await updater.ephemeral(ref, slackUser, `Your Slack account <@${slackUser}> is not linked to a Bridle operator, so you cannot decide approvals. Ask a Bridle admin to link it.`);
    return undefined;
  }

  async function vote(ref: MessageRef | undefined, slackUser: string, input: Parameters<SlackApprovalHandler['decide']>[0]): Promise<void> {
    const key = `${input.approvalId}\u0000${input.paramsHash}\u0000${slackUser}`;
    const prior = votes.get(key);
    if (prior) {
      // A second click by the same person on the same content: the same result, no second vote.
      const view = await prior.result.catch(() => undefined);
      if (ref) await updater.update(ref, approvalMessage(view ?? (await handler.view(input.approvalId))));
      return;
    }
    const result = handler.decide(input);
    votes.set(key, { at: now(), result });
    let view: ApprovalView;
    try {
      view = await result;
    } catch (e) {
      votes.delete(key); // a refused vote is not a vote: the user may try again once fixed
      await tell(ref, slackUser, e, input.approvalId);
      return;
    }
    if (ref) await updater.update(ref, approvalMessage(view));
  }

  async function onBlockActions(p: BlockActions): Promise<void> {
    const action = p.actions[0]!;
    const channel = p.channel?.id ?? p.container?.channel_id;
    const ts = p.container?.message_ts ?? p.message?.ts;
    const ref = channel && ts ? { channel, ts } : undefined;
    if (ref && p.response_url) updater.remember(ref, p.response_url);
    const binding = parseBinding(action.value);
    if (![ACTION_APPROVE, ACTION_REJECT, ACTION_EDIT].includes(action.action_id) || !binding) return;
    const name = await operator(ref, p.user.id);
    if (!name) return;
    if (action.action_id === ACTION_EDIT) {
      const view = await handler.view(binding.a);
      if (view.status !== 'pending' || view.paramsHash !== binding.h) {
        const stale = view.status !== 'pending' ? new BridleError('BRIDLE_E_INVALID_STATE', 'not pending') : new BridleError('BRIDLE_E_PARAMS_CHANGED', 'params changed');
        await tell(ref, p.user.id, stale, binding.a);
        return;
      }
      await client.viewsOpen(p.trigger_id, editModal(view, ref));
      return;
    }
    await vote(ref, p.user.id, { approvalId: binding.a, paramsHash: binding.h, operator: name, decision: action.action_id === ACTION_APPROVE ? 'approve' : 'reject' });
  }

  async function onViewSubmission(p: ViewSubmission): Promise<void> {
    if (p.view.callback_id !== EDIT_CALLBACK) return;
    const binding = parseBinding(p.view.private_metadata);
    if (!binding) return;
    const ref = binding.c && binding.t ? { channel: binding.c, ts: binding.t } : undefined;
    const name = await operator(ref, p.user.id);
    if (!name) return;
    const editedText = p.view.state.values[EDIT_TEXT_BLOCK]?.text?.value ?? '';
    const reason = p.view.state.values[EDIT_REASON_BLOCK]?.reason?.value ?? undefined;
    await vote(ref, p.user.id, { approvalId: binding.a, paramsHash: binding.h, operator: name, decision: 'approve', editedText, ...(reason ? { reason } : {}) });
  }

  const plugin: FastifyPluginAsync = async (app) => {
    // Scoped to this plugin: the rest of the API stays JSON-only. The raw string is kept because
    // the signature covers the exact bytes Slack sent.
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: opts.bodyLimit ?? 1024 * 1024 }, (_req, body, done) => done(null, body));
    app.post('/v1/slack/interactions', async (req, reply) => {
      const raw = typeof req.body === 'string' ? req.body : undefined;
      if (raw === undefined) return reply.code(415).send({ error: { code: 'BRIDLE_E_UNSUPPORTED_MEDIA_TYPE', message: 'Slack interactions are application/x-www-form-urlencoded' } });
      const header = (n: string) => (typeof req.headers[n] === 'string' ? (req.headers[n] as string) : undefined);
      const sig = verifySlackSignature({ rawBody: raw, timestamp: header('x-slack-request-timestamp'), signature: header('x-slack-signature'), signingSecret: opts.signingSecret, now: now(), toleranceS: opts.toleranceS });
      if (!sig.ok) {
        req.log.warn({ reason: sig.reason }, 'slack signature refused');
        return reply.code(401).send({ error: { code: 'BRIDLE_E_UNAUTHENTICATED', message: `Slack request signature refused: ${sig.reason}` } });
      }
      let json: unknown;
      try {
        json = JSON.parse(new URLSearchParams(raw).get('payload') ?? '');
      } catch {
        return reply.code(400).send({ error: { code: 'BRIDLE_E_BAD_REQUEST', message: 'Missing or malformed "payload" field' } });
      }
      const ba = blockActionsSchema.safeParse(json);
      const vs = ba.success ? undefined : viewSubmissionSchema.safeParse(json);
      let work: (() => Promise<void>) | undefined;
      if (ba.success) {
        const a = ba.data.actions[0]!;
        if (firstTime(`ba\u0000${ba.data.user.id}\u0000${a.action_ts ?? ba.data.trigger_id}`)) work = () => onBlockActions(ba.data);
      } else if (vs?.success) {
        if (firstTime(`vs\u0000${vs.data.user.id}\u0000${vs.data.view.id}`)) work = () => onViewSubmission(vs.data);
      }
      // Ack first (an empty 200 also closes a submitted modal); the work runs after the response.
      void reply.code(200).send();
      if (work) {
        const run = work;
        const p: Promise<void> = new Promise<void>((resolve) => setImmediate(resolve))
          .then(run)
          .catch((e: unknown) => req.log.error({ err: e instanceof Error ? e.message : String(e) }, 'slack interaction failed'))
          .finally(() => inFlight.delete(p));
        inFlight.add(p);
      }
      return reply;
    });
  };

  return {
    plugin,
    async drain() {
      while (inFlight.size) await Promise.allSettled([...inFlight]);
    },
  };
}
