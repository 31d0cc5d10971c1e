import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Bridle, Policy } from '@bridle/core';
import type { Transition } from './feed.js';
import { BoundedLabel, firstSeen } from './labels.js';

/** Seconds. Decisions are usually sub-millisecond, but a remote judge check can take seconds. */
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
type CompiledBudget = NonNullable<Policy['budgets']['global']>;
const BREAKER_VALUE = { closed: 0, half_open: 1, open: 2 } as const;

export interface MetricsOptions {
  /** Node process metrics (CPU, memory, event-loop lag, GC) under their standard names. Default true. */
  processMetrics?: boolean;
}

/** Everything `/metrics` serves, and the entry points that feed it. */
export interface Metrics {
  readonly registry: Registry;
  /** Counts one durable transition (from the TransitionFeed). */
  onTransition(t: Transition): void;
  /** Counts one LLM call (from genai.ts). */
  onLlmCall(c: { provider: string; model: string; inputTokens?: number | undefined; outputTokens?: number | undefined; ok: boolean }): void;
  /** The text exposition format. */
  render(): Promise<string>;
  readonly contentType: string;
}

/**
 * Bridle's Prometheus metrics on their own registry (never the global one, so two servers in
 * one process, as in tests, don't collide). Counters and histograms are fed as transitions
 * become durable; gauges (budgets, breakers, pending approvals) are computed at scrape time,
 * so they hold the store's truth even when other instances share it.
 *
 * @example
 *   const m = createMetrics(bridle);
 *   feed.on(m.onTransition);
 *   reply.type(m.contentType).send(await m.render());
 */
export function createMetrics(bridle: Bridle, opts: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  if (opts.processMetrics !== false) collectDefaultMetrics({ register: registry });
  const version = () => bridle.policy.version;
  const agents = new BoundedLabel(version, () => bridle.policy.agents.keys(), 0);
  const types = new BoundedLabel(version, () => bridle.policy.actions.keys(), 0);
  const checks = new BoundedLabel(version, () => checkNames(bridle.policy), 20);
  const campaigns = new BoundedLabel(version, () => bridle.policy.budgets.campaigns.keys(), 50);
  const providers = firstSeen(20);
  const models = firstSeen(100);

  const collectErrors = new Counter({ name: 'bridle_metrics_collect_errors_total', help: 'Scrape-time gauges that could not be computed (store unreachable), by collector.', labelNames: ['collector'] as const, registers: [registry] });
  const guarded = (name: string, fn: () => Promise<void>) => async () => {
    try {
      await fn();
    } catch {
      // A scrape still answers with everything else; the failure is itself a metric.
      collectErrors.inc({ collector: name });
    }
  };

  const actions = new Counter({ name: 'bridle_actions_total', help: 'Action status transitions, counted once each is durable.', labelNames: ['agent', 'type', 'status'] as const, registers: [registry] });
  const latency = new Histogram({ name: 'bridle_decision_latency_seconds', help: 'From an action being received to its decision (clock resolution: 1 ms).', labelNames: ['type', 'outcome'] as const, buckets: LATENCY_BUCKETS, registers: [registry] });
  const checkDuration = new Histogram({ name: 'bridle_check_duration_seconds', help: 'How long each check took, as recorded in decisions.', labelNames: ['check'] as const, buckets: LATENCY_BUCKETS, registers: [registry] });
  const spend = new Counter({ name: 'bridle_spend_micro_usd_total', help: 'Settled cost of finished actions, in micro-USD (1e6 = one dollar).', labelNames: ['agent', 'campaign'] as const, registers: [registry] });
  const llmTokens = new Counter({ name: 'bridle_llm_tokens_total', help: 'LLM tokens through the gateway, by kind (input, output).', labelNames: ['provider', 'model', 'kind'] as const, registers: [registry] });
  const llmRequests = new Counter({ name: 'bridle_llm_requests_total', help: 'LLM calls through the gateway, by outcome (ok, error).', labelNames: ['provider', 'model', 'outcome'] as const, registers: [registry] });

  const budget: Gauge<'scope' | 'period'> = new Gauge({
    name: 'bridle_budget_remaining_micro_usd',
    help: 'What is left under each configured budget cap now (cap − spent − reserved), in micro-USD.',
    labelNames: ['scope', 'period'] as const,
    registers: [registry],
    collect: guarded('budget', async () => {
      const policy = bridle.policy;
      const p = policy.periods.at(bridle.clock.now());
      const rows = await bridle.store.db.selectFrom('budget_usage').select(['scope', 'period', 'spent_micro', 'reserved_micro']).where('period', 'in', [p.day, p.month, 'life']).execute();
      const used = new Map<string, number>();
      for (const r of rows) used.set(`${r.scope}|${r.period}`, Number(r.spent_micro) + Number(r.reserved_micro));
      budget.reset();
      for (const b of budgetsOf(policy)) {
        const windows = [['daily', p.day, b.daily], ['monthly', p.month, b.monthly], ['lifetime', 'life', b.lifetime]] as const;
        for (const [period, key, cap] of windows) {
          if (cap !== null) budget.set({ scope: b.scope, period }, cap - (used.get(`${b.scope}|${key}`) ?? 0));
        }
      }
    }),
  });
  const breakers: Gauge<'scope'> = new Gauge({
    name: 'bridle_breaker_state',
    help: 'Circuit breaker state by scope: 0 closed, 1 half-open, 2 open.',
    labelNames: ['scope'] as const,
    registers: [registry],
    collect: guarded('breakers', async () => {
      breakers.reset();
      for (const b of bridle.breakerStates()) breakers.set({ scope: b.scope }, BREAKER_VALUE[b.state]);
    }),
  });
  const pending: Gauge = new Gauge({
    name: 'bridle_pending_approvals',
    help: 'Actions awaiting a human decision, across all instances sharing the store.',
    registers: [registry],
    collect: guarded('pending_approvals', async () => {
      const r = await bridle.store.db.selectFrom('actions').select((eb) => eb.fn.countAll().as('n')).where('status', '=', 'awaiting_approval').executeTakeFirst();
      pending.set(Number(r?.n ?? 0));
    }),
  });

  return {
    registry,
    contentType: registry.contentType,
    render: () => registry.metrics(),
    onTransition({ rec, from, to }) {
      const agent = agents.of(rec.agentId);
      actions.inc({ agent, type: types.of(rec.type), status: to });
      const d = rec.decision;
      if (from === 'received' && d) {
        // Decided now: the decision's own numbers, recorded once per action.
        latency.observe({ type: types.of(rec.type), outcome: d.outcome }, Math.max(0, d.decidedAt - rec.createdAt) / 1000);
        for (const c of d.checks) checkDuration.observe({ check: checks.of(c.name) }, c.durationMs / 1000);
      }
      if ((to === 'succeeded' || to === 'failed') && rec.costMicroUsd) {
        spend.inc({ agent, campaign: rec.campaign === null ? 'none' : campaigns.of(rec.campaign) }, rec.costMicroUsd);
      }
    },
    onLlmCall(c) {
      const provider = providers.of(c.provider);
      const model = models.of(c.model);
      llmRequests.inc({ provider, model, outcome: c.ok ? 'ok' : 'error' });
      if (c.inputTokens) llmTokens.inc({ provider, model, kind: 'input' }, c.inputTokens);
      if (c.outputTokens) llmTokens.inc({ provider, model, kind: 'output' }, c.outputTokens);
    },
  };
}

function checkNames(p: Policy): Set<string> {
  const out = new Set<string>();
  for (const a of p.actions.values()) for (const c of a.checks) out.add(c.name);
  return out;
}

function budgetsOf(p: Policy): CompiledBudget[] {
  const out: CompiledBudget[] = [];
  if (p.budgets.global) out.push(p.budgets.global);
  for (const a of p.agents.values()) out.push(a.budget);
  for (const a of p.actions.values()) if (a.budget) out.push(a.budget);
  for (const c of p.budgets.campaigns.values()) out.push(c);
  return out;
}
