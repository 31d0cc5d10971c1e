import { BridleError, describeError } from '../errors.js';
import { counterKey, type CounterSpec } from '../guards/budget/ledger.js';
import { compileBudget, countersOf, msToNextDay, type CompiledBudget } from '../guards/budget/plan.js';
import type { Limit, RateVerdict } from '../guards/rate/bucket.js';
import { checksView, recipientOf } from '../approvals/rules.js';
import { hashJson } from '../json.js';
import { formatMicroUsd } from '../util/money.js';
import type { WriteSet } from '../store/writer.js';
import type { Halt, Pipeline, Stage, StageContext } from './context.js';
import { runChecks } from './run-checks.js';
import type { CheckReport } from './types.js';

/** admit: nothing gets through a kill switch or a pause, whether it covers everything, the agent or the action type. */
export const killSwitch: Stage = (ctx) => {
  const k = ctx.services.stopped(ctx.agent.id, ctx.action.type);
  if (!k) return;
  const why = `${k.reason ? `: ${k.reason}` : ''} (by ${k.actor ?? 'unknown'})`;
  ctx.guards.killSwitch = { scope: k.scope, state: k.state, reason: k.reason, actor: k.actor, since: k.at };
  if (k.state === 'paused') return { code: 'agent_paused', reason: `${k.scope} is paused${why}; an operator can resume it` };
  if (k.scope.startsWith('agent:')) return { code: 'agent_killed', reason: `agent ${ctx.agent.id} is stopped by its kill switch${why}` };
  return { code: 'kill_switch', reason: `${k.scope === 'global' ? 'every agent is' : `action type ${ctx.action.type} is`} stopped by a kill switch${why}` };
};

function applyChecks(ctx: StageContext, reports: CheckReport[]): Halt | void {
  // A redacted copy of the params is only needed to continue; it is not part of the record.
  ctx.checks = reports.map(({ redacted: _, ...r }) => r);
  const revise: CheckReport[] = [];
  for (const r of ctx.checks) {
    if (r.passed) continue;
    if (r.error) {
      // on_error: require_approval hands a failed check to a human; otherwise it denies (fail closed).
      if (r.onFail === 'require_approval') {
        ctx.approvalReasons.push(`${r.name} could not run (${r.error}); a human decides`);
        continue;
      }
      return { code: 'check_error', reason: `check ${r.name} failed closed: ${r.error}` };
    }
    if (r.onFail === 'block' || r.onFail === 'redact') return { code: 'check_failed', reason: `${r.name}: ${r.reason}` };
    if (r.onFail === 'require_approval') ctx.approvalReasons.push(`${r.name}: ${r.reason}`);
    if (r.onFail === 'retry_with_feedback') revise.push(r);
  }
  if (revise.length === 0) return;
  const reason = revise.map((r) => `${r.name}: ${r.reason}`).join('; ');
  const left = ctx.maxRetries - ctx.revision;
  if (left <= 0) return { code: 'check_failed', reason: `${reason} (no revisions left after ${ctx.revision})` };
  ctx.feedback = { findings: revise.map((r) => ({ check: r.name, reason: r.reason, findings: r.findings })), revisionsLeft: left - 1 };
  return { code: 'needs_revision', reason: `revise and resubmit with revisionOf: ${reason}` };
}

const MAX_REDACTION_ROUNDS = 3;

/**
 * Redaction: a failed `on_fail: redact` check hands back fixed parameters; the action carries on
 * with those, and every check runs again on them, so a fix one check made cannot slip past another.
 */
function settleChecks(ctx: StageContext, reports: CheckReport[]): Halt | void | Promise<Halt | void> {
  const fix = reports.find((r) => !r.passed && !r.error && r.onFail === 'redact');
  if (!fix) return applyChecks(ctx, reports);
  if (!fix.redacted) return applyChecks(ctx, reports);
  if (ctx.redactions.length >= MAX_REDACTION_ROUNDS) return { code: 'check_failed', reason: `${fix.name}: still failing after ${MAX_REDACTION_ROUNDS} redactions` };
  ctx.redactedFrom ??= ctx.record.paramsHash;
  ctx.redactions.push({ check: fix.name, findings: fix.findings });
  ctx.record.params = fix.redacted;
  ctx.record.paramsHash = hashJson(fix.redacted);
  return runAll(ctx);
}

function runAll(ctx: StageContext): Halt | void | Promise<Halt | void> {
  const out = runChecks(ctx.action.checks, { agentId: ctx.agent.id, actionType: ctx.action.type, params: ctx.record.params });
  return out instanceof Promise ? out.then((r) => settleChecks(ctx, r)) : settleChecks(ctx, out);
}

/** verify: every configured check, concurrently, each with its own timeout. */
export const verifyChecks: Stage = (ctx) => {
  if (ctx.action.checks.length === 0) return;
  return runAll(ctx);
};

/** Every rate limit that applies to this action: its agent's, its type's and the matching rules'. */
function limitsOf(ctx: StageContext): Limit[] {
  const out: Limit[] = [];
  if (ctx.agent.rate) out.push(ctx.agent.rate);
  if (ctx.action.rate) out.push(ctx.action.rate);
  const rules = ctx.policy.rateRules;
  if (rules.length === 0) return out;
  const input = { agent: { id: ctx.agent.id, mode: ctx.agent.doc.mode }, action: { type: ctx.action.type }, params: ctx.record.params, campaign: ctx.record.campaign };
  for (const r of rules) if (!r.actions || r.actions.has(ctx.action.type)) out.push({ ...r.limit, key: r.key(input) });
  return out;
}

const WINDOW_WORDS = { per_second: 'actions per second', per_minute: 'actions per minute', per_hour: 'actions per hour', per_day: 'actions per day', concurrency: 'actions running at once' } as const;

/** guard: token buckets, day quotas and concurrency, keyed by agent, action type or a CEL expression. */
export const rateLimit: Stage = (ctx) => {
  const limits = limitsOf(ctx);
  if (limits.length === 0) return;
  const now = ctx.services.clock.now();
  const periods = ctx.policy.periods;
  const out = ctx.services.rate.take(limits, now, periods.at(now).day, () => msToNextDay(periods, now));
  return out instanceof Promise ? out.then((r) => rateVerdict(ctx, limits, r)) : rateVerdict(ctx, limits, out);
};

function rateVerdict(ctx: StageContext, limits: Limit[], r: RateVerdict): Halt | void {
  if (!r.ok) {
    ctx.guards.rate = { key: r.key, window: r.window, limit: r.limit, retryAfterMs: r.retryAfterMs };
    return { code: 'rate_limited', reason: `${r.key} is over its limit of ${r.limit} ${WINDOW_WORDS[r.window]}`, retryAfterMs: r.retryAfterMs };
  }
  ctx.guards.rate = { limits: limits.map((l, i) => ({ key: l.key, ...r.numbers[i] })) };
  if (r.held.length > 0) ctx.rateHeld = r.held;
}

/**
 * guard: every submission counts towards the agent's learned action and spend rate. A burst far
 * above the agent's own baseline pauses it (or only alerts, with on_anomaly: alert).
 */
export const anomalyGuard: Stage = (ctx) => {
  const d = ctx.services.anomaly;
  if (!d) return;
  const v = d.observe(ctx.agent.id, { at: ctx.services.clock.now(), costMicro: ctx.record.estimateMicroUsd });
  if (!v) return;
  const numbers = { metric: v.metric, window: v.window, observed: v.observed, baseline: Math.round(v.baseline * 1000) / 1000, threshold: Math.round(v.threshold * 1000) / 1000, phase: v.phase };
  ctx.guards.anomaly = numbers;
  ctx.events.push({ kind: `anomaly.${v.metric}`, severity: 'critical', agentId: ctx.agent.id, reason: v.reason, ...numbers });
  if (ctx.policy.guards.anomaly?.on_anomaly === 'alert') return;
  ctx.pause = { by: 'anomaly', reason: v.reason };
  return { code: 'anomaly_detected', reason: `agent ${ctx.agent.id} paused: ${v.reason}` };
};

/** guard: an open circuit breaker on the agent or its connector refuses until its cooldown ends. */
export const circuitBreaker: Stage = (ctx) => {
  const b = ctx.services.breakers;
  if (!b.enabled) return;
  const r = b.admit(b.scopesFor(ctx.agent.id, ctx.action.connector.name), ctx.services.clock.now());
  if (r.ok) {
    if (r.probe.length > 0) {
      ctx.breakerProbe = r.probe;
      ctx.guards.breaker = { probe: r.probe };
    }
    return;
  }
  ctx.guards.breaker = { scope: r.scope, state: r.state, retryAfterMs: r.retryAfterMs, reason: r.reason };
  return { code: 'breaker_open', reason: `circuit breaker ${r.scope} is ${r.state === 'open' ? 'open' : 'probing'}: ${r.reason}`, retryAfterMs: r.retryAfterMs };
};

/** The budgets an action counts against: its agent's, its type's, its campaign's and the global one. */
function budgetsOf(ctx: StageContext): CompiledBudget[] {
  const out = [ctx.agent.budget];
  if (ctx.action.budget) out.push(ctx.action.budget);
  const c = ctx.record.campaign;
  // An undeclared campaign is tracked (daily) so its spend shows, but has no caps.
  if (c !== null) out.push(ctx.policy.budgets.campaigns.get(c) ?? compileBudget(`campaign:${c}`, undefined));
  if (ctx.policy.budgets.global) out.push(ctx.policy.budgets.global);
  return out;
}

const pct = (x: number) => `${Math.round(x * 1000) / 10} %`;

/**
 * guard: reserve the estimate on every budget counter the action falls under, all or none,
 * before anything happens. Records the numbers, raises soft-threshold alerts once per period,
 * hints `degrade` when little is left, and pauses the agent at a cap that says so.
 */
export const budgetReserve: Stage = async (ctx) => {
  const rec = ctx.record;
  const now = ctx.services.clock.now();
  const periods = ctx.policy.periods.at(now);
  const budgets = budgetsOf(ctx);
  const counters: CounterSpec[] = [];
  const owner: CompiledBudget[] = [];
  for (const b of budgets) {
    for (const c of countersOf(b, periods)) {
      counters.push(c);
      owner.push(b);
    }
  }
  const est = rec.estimateMicroUsd;
  const r = await ctx.services.ledger.reserve(rec.id, counters, est, now);
  if (!r.ok) {
    const b = owner[counters.indexOf(r.blocked)]!;
    const cap = r.blocked.capMicro ?? 0;
    ctx.guards.budget = { scope: r.blocked.scope, period: r.blocked.period, capMicroUsd: cap, spentMicroUsd: r.usage.spentMicro, reservedMicroUsd: r.usage.reservedMicro, estimateMicroUsd: est };
    const window = r.blocked.period === 'life' ? 'lifetime' : r.blocked.period.startsWith('m:') ? 'monthly' : 'daily';
    const reason = `${window} budget of ${formatMicroUsd(cap)} for ${r.blocked.scope} would be exceeded: spent ${formatMicroUsd(r.usage.spentMicro)}, reserved ${formatMicroUsd(r.usage.reservedMicro)}, this action estimates ${formatMicroUsd(est)}`;
    ctx.events.push({ kind: 'budget.cap', severity: 'critical', scope: r.blocked.scope, period: r.blocked.period, capMicroUsd: cap, spentMicroUsd: r.usage.spentMicro, agentId: ctx.agent.id });
    if (b.onCap === 'pause' && b.scope === `agent:${ctx.agent.id}`) ctx.pause = { by: 'budget', reason };
    return { code: 'budget_exceeded', reason };
  }
  const numbers = [];
  let degrade = false;
  for (let i = 0; i < counters.length; i++) {
    const c = counters[i]!;
    const u = r.usage[i]!;
    numbers.push({ scope: c.scope, period: c.period, capMicroUsd: c.capMicro, spentMicroUsd: u.spentMicro, reservedMicroUsd: u.reservedMicro });
    if (c.capMicro === null || c.capMicro === 0) continue;
    const b = owner[i]!;
    const used = (u.spentMicro + u.reservedMicro) / c.capMicro;
    if (1 - used < b.degradeBelow) degrade = true;
    // The highest threshold crossed, once per counter and period.
    const crossed = b.alertAt.filter((t) => used >= t).pop();
    if (crossed !== undefined && ctx.services.firstTime(`${c.scope}|${c.period}|${crossed}`)) {
      ctx.events.push({ kind: 'budget.threshold', severity: crossed >= 1 ? 'critical' : 'warning', scope: c.scope, period: c.period, threshold: crossed, used: pct(used), capMicroUsd: c.capMicro, spentMicroUsd: u.spentMicro, reservedMicroUsd: u.reservedMicro, agentId: ctx.agent.id });
    }
  }
  ctx.guards.budget = { estimateMicroUsd: est, counters: numbers, ...(degrade ? { degrade: true } : {}) };
  rec.reservedMicroUsd = est;
  rec.budgetKeys = counters.map(counterKey);
  if (r.rows) ctx.budgetRows = r.rows;
};

/**
 * approve: draft agents always ask; otherwise the action type's rule (`always`, or a CEL `when`
 * over the action, params, checks, agent and `novel`) and any check that asked. A rule that
 * cannot be evaluated asks a human rather than letting the action through.
 */
export const approvalRule: Stage = (ctx) => {
  const mode = ctx.services.modeOf(ctx.agent);
  if (mode === 'draft' && ctx.action.doc.in_draft_mode === 'approve') ctx.approvalReasons.push(`agent ${ctx.agent.id} is in draft mode: a human approves every action`);
  if (ctx.action.doc.approval === 'always') ctx.approvalReasons.push(`${ctx.action.type} always needs approval`);
  const rule = ctx.action.approvalRule;
  if (!rule) return void (ctx.needsApproval = ctx.approvalReasons.length > 0);
  const rec = ctx.record;
  const evaluate = (novel: boolean) => {
    const r = rule.run({
      action: { type: ctx.action.type, estimate_usd: rec.estimateMicroUsd / 1e6, campaign: rec.campaign ?? '' },
      params: rec.params,
      checks: checksView(ctx.checks),
      agent: { id: ctx.agent.id, mode },
      novel,
      campaign: rec.campaign ?? '',
    });
    if (!r.ok) ctx.approvalReasons.push(`approval rule could not be evaluated (${r.error}): a human decides`);
    else if (r.value === true) ctx.approvalReasons.push(`rule: ${rule.source}${novel ? ' (novel)' : ''}`);
    else if (r.value !== false) ctx.approvalReasons.push(`approval rule gave ${JSON.stringify(r.value)}, not true or false: a human decides`);
    ctx.needsApproval = ctx.approvalReasons.length > 0;
  };
  if (!rule.usesNovel) return evaluate(false);
  return ctx.services.history.isNovel(ctx.agent.id, ctx.action.type, recipientOf(rec.params)).then(evaluate);
};

const deferTo = (list: WriteSet[]) => (set: WriteSet) => {
  list.push(set);
  return Promise.resolve();
};

/** execute: the connector, bounded by the action type's timeout. Never throws: failure is an outcome. */
export const runConnector: Stage = async (ctx) => {
  const s = ctx.services;
  const timeoutMs = ctx.action.doc.timeout_ms;
  const ctrl = new AbortController();
  const start = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        ctrl.abort();
        reject(new BridleError('BRIDLE_E_CONNECTOR_TIMEOUT', `connector ${ctx.action.connector.name} did not finish within ${timeoutMs} ms; the side effect may or may not have happened`));
      }, timeoutMs);
    });
    const req = { actionId: ctx.record.id, agentId: ctx.agent.id, type: ctx.action.type, params: ctx.record.params };
    const out = await Promise.race([ctx.action.connector.execute(req, { signal: ctrl.signal, clock: s.clock, ids: s.ids, write: ctx.deferred ? deferTo(ctx.deferred) : s.write }), timeout]);
    const cost = out.costMicroUsd;
    ctx.execution = { ok: true, result: out.result, costMicroUsd: Number.isSafeInteger(cost) && cost! >= 0 ? cost! : ctx.record.estimateMicroUsd, durationMs: performance.now() - start };
  } catch (e) {
    const error = e instanceof BridleError ? { code: e.code, message: e.message } : { code: 'BRIDLE_E_CONNECTOR', message: `connector ${ctx.action.connector.name} failed: ${describeError(e)}` };
    // Unknown outcome: count the estimate as spent rather than risk under-counting.
    ctx.execution = { ok: false, result: null, error, costMicroUsd: ctx.record.estimateMicroUsd, durationMs: performance.now() - start };
  } finally {
    clearTimeout(timer);
  }
};

/** settle: turn the reservation into the actual cost, on every counter it was held on. */
export const settleBudget: Stage = async (ctx) => {
  const rec = ctx.record;
  const actual = ctx.execution?.costMicroUsd ?? 0;
  rec.costMicroUsd = actual;
  if (rec.budgetKeys.length === 0) return;
  const rows = await ctx.services.ledger.settle(rec.id, rec.budgetKeys, rec.reservedMicroUsd, actual);
  ctx.guards.budget = { counters: rec.budgetKeys, releasedMicroUsd: rec.reservedMicroUsd, actualMicroUsd: actual };
  rec.reservedMicroUsd = 0;
  if (rows) ctx.budgetRows = rows;
};

/** The built-in pipeline: admit → verify → guard → approve, then execute → settle once allowed. */
export const defaultPipeline: Pipeline = {
  admit: [killSwitch],
  verify: [verifyChecks],
  guard: [anomalyGuard, rateLimit, circuitBreaker, budgetReserve],
  approve: [approvalRule],
  execute: [runConnector],
  settle: [settleBudget],
};
