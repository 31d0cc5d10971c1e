import { z } from 'zod';
import { auditFilterPage, BridleError, formatMicroUsd, spendByScope, type Bridle } from '@bridle/core';
import { operatorName as operator } from '../auth.js';
import { defineRoute, type RouteDef } from '../route.js';
import { actionView, actionViewSchema, approveBody, auditQuery, idParam, killBody, rejectBody, scopeBody, breakerBody } from '../schemas.js';
import { auditItemView, instant } from '../dashboard/audit.js';

/** The audit listing's filters: the original agent/action/cursor, plus kind, status and a time window. */
const auditFilterQuery = auditQuery.extend({
  kind: z.string().max(128).optional().describe('Entry kind, e.g. action.blocked'),
  status: z.string().max(32).optional().describe('The action status the entry moved to (same as kind action.<status>)'),
  from: instant.optional().describe('Earliest entry time, ISO 8601 or epoch ms'),
  to: instant.optional().describe('Latest entry time, ISO 8601 or epoch ms'),
});

/**
 * Operator endpoints: approvals, the kill switch, agents, and the audit log. Listings need a
 * viewer, decisions an approver, kill switches and breakers an admin (see AuthLevel).
 */
export function operatorRoutes(bridle: Bridle): RouteDef[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/v1/approvals',
      summary: 'Actions awaiting approval, oldest first.',
      tags: ['approvals'],
      auth: 'read',
      response: z.object({ items: z.array(actionViewSchema) }),
      async handler() {
        const r = await bridle.list({ status: 'awaiting_approval', limit: 500 });
        return { items: r.items.reverse().map(actionView) };
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/v1/approvals/:id/approve',
      summary: 'Approve a waiting action; in execute mode it runs now, exactly once. Pass paramsHash to bind the approval to what you reviewed.',
      tags: ['approvals'],
      auth: 'approve',
      params: idParam,
      body: approveBody.optional(),
      response: actionViewSchema,
      async handler({ params, body, principal }) {
        // Self-approval is refused in core, for every door (HTTP, CLI, Slack).
        const rec = await bridle.approve(params.id, { operator: operator(principal), ...(body?.paramsHash ? { paramsHash: body.paramsHash } : {}), ...(body?.reason ? { reason: body.reason } : {}), ...(body?.params ? { params: body.params as never } : {}) });
        return actionView(rec);
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/v1/approvals/:id/reject',
      summary: 'Reject a waiting action; its budget reservation is released.',
      tags: ['approvals'],
      auth: 'approve',
      params: idParam,
      body: rejectBody.optional(),
      response: actionViewSchema,
      async handler({ params, body, principal }) {
        return actionView(await bridle.reject(params.id, { operator: operator(principal), ...(body?.reason ? { reason: body.reason } : {}) }));
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/agents',
      summary: 'Agents in the running policy, with kill-switch state and today’s spend.',
      tags: ['agents'],
      auth: 'read',
      async handler() {
        const items = [];
        const spend = new Map((await spendByScope(bridle.store, bridle.policy, bridle.clock.now())).map((r) => [r.scope, r]));
        const breakers = new Map(bridle.breakerStates().map((b) => [b.scope, b]));
        for (const [id, a] of bridle.policy.agents) {
          const s = bridle.agentState(id);
          const anomaly = bridle.anomalyBaseline(id);
          const breaker = breakers.get(`agent:${id}`);
          const used = spend.get(`agent:${id}`);
          items.push({
            id,
            mode: a.doc.mode,
            modeNow: bridle.modeOf(id),
            status: s.killed ? 'killed' : s.paused ? 'paused' : breaker?.state === 'open' ? 'tripped' : 'active',
            killed: s.killed,
            paused: s.paused,
            killReason: s.reason,
            dailyCapMicroUsd: a.dailyCapMicro,
            dailyCap: a.dailyCapMicro === null ? null : formatMicroUsd(a.dailyCapMicro),
            ratePerMinute: a.doc.rate?.per_minute ?? null,
            budget: { dailyMicroUsd: a.budget.daily, monthlyMicroUsd: a.budget.monthly, lifetimeMicroUsd: a.budget.lifetime, onCap: a.budget.onCap },
            spend: { todayMicroUsd: used?.today.spentMicroUsd ?? 0, monthMicroUsd: used?.month.spentMicroUsd ?? 0 },
            breaker: breaker ? { state: breaker.state } : null,
            rate: a.doc.rate ?? null,
            anomaly: anomaly ? { phase: anomaly.phase, historyMinutes: anomaly.historyMinutes } : null,
          });
        }
        return { items, policyVersion: bridle.policy.version };
      },
    }),
    ...(['kill', 'resume'] as const).map((verb) =>
      defineRoute({
        method: 'POST',
        url: `/v1/agents/:id/${verb}`,
        summary: verb === 'kill' ? 'Stop an agent: every new action of it is blocked until resumed.' : 'Lift an agent’s kill switch.',
        tags: ['agents'],
        auth: 'operate',
        params: idParam,
        body: killBody.optional(),
        async handler({ params, body, principal }) {
          await bridle.setKilled(params.id, verb === 'kill', { actor: { type: 'operator', id: operator(principal) }, ...(body?.reason ? { reason: body.reason } : {}) });
          return { id: params.id, ...bridle.agentState(params.id) };
        },
      }),
    ),
    defineRoute({
      method: 'POST',
      url: '/v1/agents/:id/pause',
      summary: 'Pause an agent as a guard would: new actions are blocked (agent_paused) until POST /v1/agents/:id/resume; pending approvals stay.',
      tags: ['agents'],
      auth: 'operate',
      params: idParam,
      body: killBody.optional(),
      async handler({ params, body, principal }) {
        await bridle.setKill({ kind: 'agent', id: params.id }, 'paused', { actor: { type: 'operator', id: operator(principal) }, reason: body?.reason });
        return { id: params.id, ...bridle.agentState(params.id) };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/kill-switches',
      summary: 'Every kill switch and pause that is set, with who set it, why and when.',
      tags: ['agents'],
      auth: 'read',
      async handler() {
        return { items: bridle.killSwitches().map((k) => ({ ...k, at: new Date(k.at).toISOString() })) };
      },
    }),
    ...(['kill', 'resume'] as const).map((verb) =>
      defineRoute({
        method: 'POST',
        url: `/v1/${verb}`,
        summary:
          verb === 'kill'
            ? 'Pull a kill switch for everything, one agent or one action type: new actions are blocked at once and pending approvals in that scope are cancelled.'
            : 'Lift a kill switch or a guard’s pause.',
        tags: ['agents'],
        auth: 'operate',
        body: scopeBody,
        async handler({ body, principal }) {
          const scope = body.scope === 'global' ? { kind: 'global' as const } : { kind: body.scope, id: body.id! };
          const r = await bridle.setKill(scope, verb === 'kill' ? 'killed' : null, { actor: { type: 'operator', id: operator(principal) }, reason: body.reason });
          return { scope: body.scope === 'global' ? 'global' : `${body.scope}:${body.id}`, state: r.state?.state ?? 'running', cancelled: r.cancelled };
        },
      }),
    ),
    defineRoute({
      method: 'GET',
      url: '/v1/breakers',
      summary: 'Circuit breakers that have seen traffic: state, calls and errors in the window, when an open one starts probing.',
      tags: ['agents'],
      auth: 'read',
      async handler() {
        const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());
        return { items: bridle.breakerStates().map((b) => ({ ...b, openedAt: iso(b.openedAt), retryAt: iso(b.retryAt) })) };
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/v1/breakers/reset',
      summary: 'Close an open or half-open circuit breaker by hand.',
      tags: ['agents'],
      auth: 'operate',
      body: breakerBody,
      async handler({ body, principal }) {
        const closed = await bridle.resetBreaker(body.scope, { type: 'operator', id: operator(principal) });
        if (!closed) throw new BridleError('BRIDLE_E_INVALID_STATE', `Breaker ${body.scope} is not open (see GET /v1/breakers)`);
        return { scope: body.scope, state: 'closed' };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/policy',
      summary: 'The running policy: version, file, its YAML source (credentials are only ever named by environment variable), and the outcome of the last reload.',
      tags: ['policy'],
      auth: 'read',
      async handler() {
        const p = bridle.policy;
        const r = bridle.lastReload;
        return { version: p.version, file: p.file, source: p.text, agents: [...p.agents.keys()], actions: [...p.actions.keys()], lastReload: r ? { ...r, at: new Date(r.at).toISOString() } : null };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/audit',
      summary: 'Audit entries, newest first, keyset-paginated; filter by agent, action, kind, status and time. Agents see only their own chain.',
      tags: ['audit'],
      auth: 'any',
      query: auditFilterQuery,
      async handler({ query, principal }) {
        const agentId = principal.kind === 'agent' ? principal.agentId : query.agent;
        const r = await auditFilterPage(bridle.store, { agentId, actionId: query.action, kind: query.kind, status: query.status, from: query.from, to: query.to, after: query.after, limit: query.limit });
        return { items: r.items.map(auditItemView), next: r.next };
      },
    }),
  ];
}
