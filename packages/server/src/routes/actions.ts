import { z } from 'zod';
import { BridleError, type Bridle } from '@bridle/core';
import { defineRoute, type RouteDef } from '../route.js';
import { actionView, actionViewSchema, idParam, killBody, listQuery, reportBody, submitBody, waitQuery } from '../schemas.js';
import { operatorName, type Principal } from '../auth.js';

const scope = (p: Principal) => (p.kind === 'agent' ? p.agentId : undefined);
const page = z.object({ items: z.array(actionViewSchema), next: z.string().nullable() });

/** The Actions API: how agents submit, wait on and report actions. */
export function actionRoutes(bridle: Bridle): RouteDef[] {
  return [
    defineRoute({
      method: 'POST',
      url: '/v1/actions',
      summary: 'Submit an action. Answers 200 with the decision (and outcome, in execute mode), or 202 while it awaits approval.',
      tags: ['actions'],
      auth: 'agent',
      body: submitBody,
      response: actionViewSchema,
      async handler({ body, principal, req, reply }) {
        if (principal.kind !== 'agent') throw new BridleError('BRIDLE_E_FORBIDDEN', 'Only agents submit actions');
        const header = req.headers['idempotency-key'];
        const key = body.idempotencyKey ?? (typeof header === 'string' && header.length > 0 && header.length <= 255 ? header : undefined);
        let rec = await bridle.submit({
          agentId: principal.agentId,
          type: body.type,
          params: body.params as never,
          ...(body.mode ? { mode: body.mode } : {}),
          ...(key ? { idempotencyKey: key } : {}),
          ...(body.estimatedCostMicroUsd !== undefined ? { estimatedCostMicroUsd: body.estimatedCostMicroUsd } : {}),
          ...(body.rationale ? { rationale: body.rationale } : {}),
          ...(body.revisionOf ? { revisionOf: body.revisionOf } : {}),
          ...(body.campaign ? { campaign: body.campaign } : {}),
          ...(body.callbackUrl ? { callbackUrl: body.callbackUrl } : {}),
          ...(body.notBefore !== undefined ? { notBefore: body.notBefore } : {}),
        });
        if (rec.status === 'awaiting_approval' && body.waitMs) rec = await bridle.wait(rec.id, principal.agentId, body.waitMs);
        if (rec.decision?.retryAfterMs !== undefined) reply.header('retry-after', Math.ceil(rec.decision.retryAfterMs / 1000));
        reply.code(rec.status === 'awaiting_approval' ? 202 : 200);
        return actionView(rec);
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/actions',
      summary: 'List actions, newest first (agents see only their own).',
      tags: ['actions'],
      auth: 'any',
      query: listQuery,
      response: page,
      async handler({ query, principal }) {
        const agentId = scope(principal) ?? query.agent;
        const r = await bridle.list({ ...(agentId ? { agentId } : {}), ...(query.status ? { status: query.status } : {}), ...(query.type ? { type: query.type } : {}), ...(query.after ? { after: query.after } : {}), limit: query.limit });
        return { items: r.items.map(actionView), next: r.next };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/actions/:id',
      summary: 'Read one action.',
      tags: ['actions'],
      auth: 'any',
      params: idParam,
      response: actionViewSchema,
      async handler({ params, principal }) {
        return actionView(await bridle.get(params.id, scope(principal)));
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/actions/:id/wait',
      summary: 'Long-poll until the action is decided (or finished), or until timeoutMs (max 60000).',
      tags: ['actions'],
      auth: 'any',
      params: idParam,
      query: waitQuery,
      response: actionViewSchema,
      async handler({ params, query, principal }) {
        return actionView(await bridle.wait(params.id, scope(principal), query.timeoutMs));
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/v1/actions/:id/report',
      summary: 'Authorize mode: report the outcome and actual cost of an action you executed.',
      tags: ['actions'],
      auth: 'agent',
      params: idParam,
      body: reportBody,
      response: actionViewSchema,
      async handler({ params, body, principal }) {
        if (principal.kind !== 'agent') throw new BridleError('BRIDLE_E_FORBIDDEN', 'Only the agent that submitted an action reports it');
        const rec = await bridle.report(params.id, principal.agentId, {
          outcome: body.outcome,
          ...(body.costMicroUsd !== undefined ? { costMicroUsd: body.costMicroUsd } : {}),
          ...(body.result !== undefined ? { result: body.result as never } : {}),
          ...(body.error ? { error: body.error } : {}),
        });
        return actionView(rec);
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/v1/actions/:id/undo',
      summary: 'Reverse a succeeded action through its connector (e.g. delete the post): succeeded → undone. Refused when the connector cannot undo.',
      tags: ['actions'],
      auth: 'approve',
      params: idParam,
      body: killBody.optional(),
      response: actionViewSchema,
      async handler({ params, body, principal }) {
        const rec = await bridle.undo(params.id, { actor: { type: 'operator', id: operatorName(principal) }, reason: body?.reason });
        return actionView(rec);
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/actions/:id/engagement',
      summary: 'How a published action is doing (likes, comments, shares, impressions…), as its connector last reported; `?refresh=true` asks the platform now. Agents see their own actions only.',
      tags: ['actions'],
      auth: 'any',
      params: idParam,
      query: z.object({ refresh: z.enum(['true', 'false']).optional() }).strict(),
      async handler({ params, query, principal }) {
        const e = await bridle.engagement(params.id, { refresh: query.refresh === 'true', ...(principal.kind === 'agent' ? { agentId: principal.agentId } : {}) });
        return { id: params.id, engagement: e?.data ?? null, fetchedAt: e ? new Date(e.fetchedAt).toISOString() : null };
      },
    }),
  ];
}
