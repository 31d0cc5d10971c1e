import { EventEmitter } from 'node:events';
import type { AuditInput, Actor } from '../audit/entry.js';
import { loadOrCreateSigner, type Signer } from '../audit/signer.js';
import { builtInConnectors, connectorRegistry } from '../connectors/registry.js';
import type { Connector } from '../connectors/types.js';
import { BridleError } from '../errors.js';
import { memoryLedger, postgresLedger, type BudgetLedger } from '../guards/budget/ledger.js';
import { RateLimiter } from '../guards/rate/bucket.js';
import { SharedRateLimiter } from '../guards/rate/shared.js';
import { Breakers, type BreakerTransition, type BreakerView } from '../guards/breaker/index.js';
import { persistTransitions } from '../guards/breaker/persist.js';
import { guardAlert } from '../guards/alerts.js';
import { History } from '../approvals/history.js';
import { Chains } from '../approvals/chain.js';
import { ApprovalDesk, type DeskInternals } from './approval-desk.js';
import { Callbacks, checkCallbackUrl } from '../callbacks/index.js';
import { recipientOf } from '../approvals/rules.js';
import { createAnomalyDetector, type AnomalyBaseline } from '../guards/anomaly/index.js';
import { createAlerter, type Alerter, type CreateAlerterOptions } from '../alerts/alerter.js';
import { KillSwitches, describeScope, scopeKey, type KillScope, type KillState } from '../guards/kill/switches.js';
import { hashJson, type JsonObject } from '../json.js';
import { loadChecks } from '../checks/registry.js';
import { compilePolicy, policyCheckKinds, type CompiledAction, type CompiledAgent, type Policy } from '../policy/compile.js';
import type { LoadedPolicy } from '../policy/load.js';
import type { Store } from '../store/open.js';
import type { Statement } from 'better-sqlite3';
import type { ActionsTable, BudgetUsageTable } from '../store/schema.js';
import { GroupCommitWriter, type WriteSet } from '../store/writer.js';
import { systemClock, ulidGenerator, type Clock, type IdGenerator } from '../util/clock.js';
import { runPhases, type GuardEvent, type Pipeline, type PipelineObserver, type Services, type StageContext } from './context.js';
import { assertTransition, isSettledForWaiter, type ActionStatus } from './lifecycle.js';
import { budgetOf, fromRow, toRow } from './records.js';
import { defaultPipeline } from './stages.js';
import { undoAction } from './undo.js';
import { isScheduled, runDue, scheduledFor } from './schedule.js';
import { fetchEngagement, pollEngagement, storedEngagement } from './engagement.js';
import type { ActionRecord, Decision, ReportRequest, SubmitRequest } from './types.js';

export interface BridleOptions {
  store: Store;
  policy: LoadedPolicy;
  clock?: Clock;
  ids?: IdGenerator;
  signer?: Signer;
  /** Extra connectors by name, for embedding Bridle in-process. */
  connectors?: Record<string, Connector>;
  pipeline?: Pipeline;
  /** Signs callbacks to agents that pass `callbackUrl` (BRIDLE_CALLBACK_SECRET); without it, such submits are refused. */
  callbackSecret?: string;
  /** Extra options for the alerter built from the policy's `alerts:` (environment, custom senders). */
  alerts?: Pick<CreateAlerterOptions, 'env' | 'senders' | 'random' | 'pollMs' | 'logger'>;
  /** Instrumentation hooks (traces, metrics); see `observe()`. */
  observer?: PipelineObserver;
}

const SYSTEM: Actor = { type: 'system', id: 'bridle' };
const MAX_WAIT_MS = 60_000;
/** An idempotency claim with no decision after this long belongs to an instance that died. */
const STALE_CLAIM_MS = 30_000;
/** A budget reservation with no recorded action after this long was orphaned by a crash. */
const RESERVATION_GRACE_MS = 5 * 60_000;
/** How often waiting approvals are checked for their timeout. */
const APPROVAL_SWEEP_MS = 5_000;
/** How often scheduled actions whose slot has come are looked for. */
const DUE_SWEEP_MS = 1_000;
/** How often published items are looked at for an engagement refresh. */
const ENGAGEMENT_SWEEP_MS = 60_000;

/**
 * The door every action goes through. One instance owns a store; all decisions, transitions
 * and audit entries pass through here, whichever door (HTTP, CLI, in-process) they came from.
 *
 * @example
 *   const bridle = await Bridle.open({ store, policy: loadPolicyFile('bridle.yaml') });
 *   const action = await bridle.submit({ agentId: 'growth-bot', type: 'social.post', params: { platform: 'x', text: 'hi' } });
 */
export class Bridle {
  private current: Policy;
  private readonly events = new EventEmitter();
  private readonly inflight = new Map<string, Promise<ActionRecord>>();
  private readonly kills: KillSwitches;
  /** Probe slots of half-open breakers, held by actions between their decision and their outcome. */
  private readonly probes = new Map<string, string[]>();
  private readonly seen = new Set<string>();
  /**
   * Embedded store: the read every report and API call makes, prepared once. Kysely compiles and
   * prepares each query anew, which cost more than the indexed lookup itself.
   */
  private readonly getRow: Statement<[string]> | undefined;
  /** Embedded store: actions whose report is between its claim and its durable outcome (see claimReport). */
  private readonly reporting = new Set<string>();
  private approvalSweep: NodeJS.Timeout | undefined;
  private dueSweep: NodeJS.Timeout | undefined;
  private engagementSweep: NodeJS.Timeout | undefined;
  private readonly chains: Chains;
  private readonly desk: ApprovalDesk;
  private callbacks!: Callbacks;
  /** Concurrency slots held by actions until their connector finishes. */
  private readonly rateHeld = new Map<string, string[]>();
  private readonly services: Services;
  private pgRefresh: NodeJS.Timeout | undefined;
  private pgRecover: NodeJS.Timeout | undefined;
  /** Delivers guard events to the policy's alert channels; none when the policy has no `alerts:`. */
  alerter: Alerter | null = null;

  private constructor(
    readonly store: Store,
    private readonly writer: GroupCommitWriter,
    private readonly connectors: ReadonlyMap<string, Connector>,
    policy: Policy,
    readonly clock: Clock,
    readonly ids: IdGenerator,
    ledger: BudgetLedger,
    private readonly pipeline: Pipeline,
  ) {
    this.current = policy;
    this.getRow = store.sqlite?.prepare<[string]>('SELECT * FROM actions WHERE id = ?');
    this.kills = new KillSwitches(store);
    this.chains = new Chains(store);
    this.events.setMaxListeners(0);
    this.services = {
      clock,
      ids,
      ledger,
      rate: store.dialect === 'postgres' ? new SharedRateLimiter(store) : new RateLimiter(),
      breakers: new Breakers(policy.guards.breaker),
      anomaly: anomalyFor(policy),
      write: (set) => writer.write(set),
      stopped: (agentId, type) => this.kills.find(agentId, type),
      modeOf: (agent) => this.desk.modeOfAgent(agent),
      history: new History(store),
      firstTime: (key) => {
        if (this.seen.has(key)) return false;
        // Bounded: keys carry their period, so old ones are dead weight after a day or a month.
        if (this.seen.size >= 100_000) this.seen.clear();
        this.seen.add(key);
        return true;
      },
    };
    this.desk = new ApprovalDesk(this.internals());
  }

  /** The engine's own operations, handed to the approval desk (bound, so privates stay private). */
  private internals(): DeskInternals {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const self = this;
    return {
      store: this.store,
      clock: this.clock,
      writer: this.writer,
      chains: this.chains,
      kills: this.kills,
      events: this.events,
      services: this.services,
      pipeline: this.pipeline,
      get current() {
        return self.current;
      },
      get: (id, agentId) => this.get(id, agentId),
      claim: (id, from, to, paramsHash) => this.claim(id, from, to, paramsHash),
      move: (rec, to, actor, data) => this.move(rec, to, actor, data),
      entry: (chain, actionId, kind, actor) => this.entry(chain, actionId, kind, actor),
      audit: (entries) => this.audit(entries),
      emit: (rec) => this.emit(rec),
      compiled: (rec) => this.compiled(rec),
      context: (agent, action, rec) => this.context(agent, action, rec),
      commitThenRun: (rec, entries, rows, agent, action, execNow) => this.commitThenRun(rec, entries, rows, agent, action, execNow),
      release: (rec) => this.release(rec),
    };
  }

  static async open(opts: BridleOptions): Promise<Bridle> {
    const clock = opts.clock ?? systemClock;
    const ids = opts.ids ?? ulidGenerator(clock);
    const connectors = new Map<string, Connector>();
    for (const name of builtInConnectors) connectors.set(name, connectorRegistry[name].create({}, { env: process.env }));
    for (const [name, c] of Object.entries(opts.connectors ?? {})) connectors.set(name, c);
    await loadChecks(policyCheckKinds(opts.policy.document));
    const policy = compilePolicy(revalidate(opts.policy, connectors), connectors);
    const signer = opts.signer ?? loadOrCreateSigner(opts.store.dataDir);
    const writer = new GroupCommitWriter(opts.store, signer, ids, clock);
    const ledger = opts.store.dialect === 'postgres' ? postgresLedger(opts.store) : await memoryLedger(opts.store);
    const b = new Bridle(opts.store, writer, connectors, policy, clock, ids, ledger, opts.pipeline ?? defaultPipeline);
    // Set before recovery, so transitions made while starting up are observed too.
    if (opts.observer) b.services.observer = opts.observer;
    await b.kills.load();
    await b.loadBreakers();
    await b.loadAnomaly();
    await b.desk.loadModes();
    b.callbacks = new Callbacks(opts.store, opts.callbackSecret, clock, ids, (id) => b.get(id));
    if (b.callbacks.enabled) {
      await b.callbacks.recover();
      b.callbacks.start();
    }
    await b.expireApprovals();
    // Approvals time out even when no one is looking; the sweep is cheap (an indexed query).
    b.approvalSweep = setInterval(() => void b.expireApprovals().catch(() => {}), APPROVAL_SWEEP_MS);
    b.approvalSweep.unref();
    // Scheduled actions run within a second of their slot, after a restart too (their state is in the store).
    await runDue(b.internals());
    b.dueSweep = setInterval(() => void runDue(b.internals()).catch(() => {}), DUE_SWEEP_MS);
    b.dueSweep.unref();
    // Engagement is fetched a few items at a time; each item at most every poll_minutes.
    b.engagementSweep = setInterval(() => void pollEngagement(b.internals()).catch(() => {}), ENGAGEMENT_SWEEP_MS);
    b.engagementSweep.unref();
    await b.recover();
    await b.services.ledger.reconcile(b.clock.now(), RESERVATION_GRACE_MS);
    await b.audit([{ ...b.entry('_system', null, 'policy.loaded', SYSTEM), data: { file: policy.file, version: policy.version } }]);
    const alerts = opts.policy.document.alerts;
    if (alerts && Object.keys(alerts.channels).length > 0) {
      // Secrets are read here: a missing variable stops start-up, not the first alert.
      const alerter = createAlerter({ store: opts.store, config: alerts, clock, ids, ...opts.alerts });
      b.alerter = alerter;
      b.onGuard((e) => void alerter.raise(guardAlert(e)).catch(() => {}));
      alerter.start();
    }
    if (opts.store.dialect === 'postgres') {
      // Other instances may flip a kill switch; pick it up within a second.
      b.pgRefresh = setInterval(() => void Promise.all([b.kills.load(), b.loadBreakers(), b.desk.loadModes()]).catch(() => {}), 1000);
      b.pgRefresh.unref();
      // Another instance may die mid-connector at any time; sweep for its stale actions.
      b.pgRecover = setInterval(() => void b.recover().then(() => b.services.ledger.reconcile(b.clock.now(), RESERVATION_GRACE_MS)).catch(() => {}), 60_000);
      b.pgRecover.unref();
    }
    return b;
  }

  get policy(): Policy {
    return this.current;
  }

  /**
   * Installs (or, with `undefined`, removes) the instrumentation hooks: phase spans and status
   * transitions. One observer at a time; a server composes its own. Unset costs nothing.
   *
   * @example
   *   bridle.observe({ transition: (rec, from, to) => counter.inc({ status: to }) });
   */
  observe(observer: PipelineObserver | undefined): void {
    this.services.observer = observer;
  }

  /** The outcome of the last reload attempt; a failed one left the running policy in place. */
  lastReload: { ok: boolean; at: number; error?: string } | null = null;

  /**
   * Swaps in a new policy. `load` parses and validates it; if that throws, the running policy
   * stays and the error is kept in `lastReload` (and audited) instead of taking Bridle down.
   */
  async reloadPolicy(load: () => LoadedPolicy, actor: Actor = SYSTEM): Promise<{ ok: boolean; version: string; error?: string }> {
    let next: Policy;
    try {
      const loaded = load();
      await loadChecks(policyCheckKinds(loaded.document));
      next = compilePolicy(revalidate(loaded, this.connectors), this.connectors);
    } catch (e) {
      const error = e instanceof Error ? e.message : String(e);
      this.lastReload = { ok: false, at: this.clock.now(), error };
      await this.audit([{ ...this.entry('_system', null, 'policy.reload_failed', actor), data: { error, kept: this.current.version } }]);
      return { ok: false, version: this.current.version, error };
    }
    const previous = this.current.version;
    this.current = next;
    this.services.breakers.configure(next.guards.breaker);
    // New anomaly options start a new detector, carrying what was learned over.
    const learned = this.services.anomaly?.snapshot();
    this.services.anomaly = anomalyFor(next);
    if (learned && this.services.anomaly) this.services.anomaly.restore(learned);
    this.lastReload = { ok: true, at: this.clock.now() };
    if (next.version !== previous) await this.audit([{ ...this.entry('_system', null, 'policy.reloaded', actor), data: { file: next.file, version: next.version, previous } }]);
    return { ok: true, version: next.version };
  }

  // ── submit ───────────────────────────────────────────────────────────────────────────────

  async submit(req: SubmitRequest, actor: Actor = { type: 'agent', id: req.agentId }): Promise<ActionRecord> {
    const policy = this.current;
    const agent = policy.agents.get(req.agentId);
    if (!agent) throw new BridleError('BRIDLE_E_UNKNOWN_AGENT', `No agent named "${req.agentId}" in the policy`, { agentId: req.agentId });
    const action = policy.actions.get(req.type);
    if (!action) throw new BridleError('BRIDLE_E_UNKNOWN_ACTION_TYPE', `No action type "${req.type}" in the policy`, { type: req.type, known: [...policy.actions.keys()] });
    const mode = req.mode ?? 'execute';
    if (!action.doc.modes.includes(mode)) throw new BridleError('BRIDLE_E_MODE_NOT_ALLOWED', `${req.type} does not allow ${mode} mode (allowed: ${action.doc.modes.join(', ')})`);
    const est = req.estimatedCostMicroUsd ?? action.estimateMicro;
    if (!Number.isSafeInteger(est) || est < 0) throw new BridleError('BRIDLE_E_VALIDATION', 'estimatedCostMicroUsd must be a non-negative integer (micro-USD)');
    const paramsHash = hashJson(req.params);
    if (req.callbackUrl !== undefined) {
      checkCallbackUrl(req.callbackUrl);
      if (!this.callbacks.enabled) throw new BridleError('BRIDLE_E_CONFIG', 'callbackUrl needs a signing secret: start Bridle with BRIDLE_CALLBACK_SECRET set (or wait with GET /v1/actions/:id/wait or /events)');
    }

    if (req.idempotencyKey === undefined) return this.decideAndRun(req, agent, action, mode, est, paramsHash, actor);
    const key = `${req.agentId}\u0000${req.idempotencyKey}`;
    const same = (rec: ActionRecord): ActionRecord => {
      if ((rec.decision?.redactedFrom ?? rec.paramsHash) !== paramsHash || rec.type !== req.type) {
        throw new BridleError('BRIDLE_E_IDEMPOTENCY_CONFLICT', `Idempotency key "${req.idempotencyKey}" was already used for a different request (action ${rec.id})`, { actionId: rec.id });
      }
      return rec;
    };
    const running = this.inflight.get(key);
    if (running) return same(await running);
    // Registered before the first await, so a concurrent duplicate always finds it.
    const idemKey = req.idempotencyKey;
    const p = (async () => (await this.findByKey(req.agentId, idemKey)) ?? this.decideAndRun(req, agent, action, mode, est, paramsHash, actor))();
    this.inflight.set(key, p);
    try {
      return same(await p);
    } finally {
      this.inflight.delete(key);
    }
  }

  private async findByKey(agentId: string, key: string): Promise<ActionRecord | null> {
    const row = await this.store.db.selectFrom('actions').selectAll().where('agent_id', '=', agentId).where('idempotency_key', '=', key).executeTakeFirst();
    if (row) return fromRow(row);
    if (this.store.dialect !== 'postgres') return null;
    // Another instance may hold the key: claim it, or wait for the owner's decision to land.
    const claimed = await this.store.db
      .insertInto('idempotency_keys')
      .values({ agent_id: agentId, key, action_id: '', created_at: this.clock.now() })
      .onConflict((oc) => oc.columns(['agent_id', 'key']).doNothing())
      .returning('key')
      .executeTakeFirst();
    if (claimed) return null;
    for (let i = 0; i < 50; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const r = await this.store.db.selectFrom('actions').selectAll().where('agent_id', '=', agentId).where('idempotency_key', '=', key).executeTakeFirst();
      if (r) return fromRow(r);
    }
    // The owner never recorded a decision: if its claim is old, it died, so take the key over.
    const now = this.clock.now();
    const took = await this.store.db
      .updateTable('idempotency_keys')
      .set({ created_at: now })
      .where('agent_id', '=', agentId)
      .where('key', '=', key)
      .where('created_at', '<', now - STALE_CLAIM_MS)
      .executeTakeFirst();
    if (Number(took.numUpdatedRows) === 1) return null;
    throw new BridleError('BRIDLE_E_IDEMPOTENCY_CONFLICT', `Idempotency key "${key}" is being processed by another instance; retry shortly`);
  }

  private async decideAndRun(req: SubmitRequest, agent: CompiledAgent, action: CompiledAction, mode: 'execute' | 'authorize', est: number, paramsHash: string, actor: Actor): Promise<ActionRecord> {
    const now = this.clock.now();
    const rec: ActionRecord = {
      id: this.ids.next('act'),
      agentId: agent.id,
      type: action.type,
      mode,
      status: 'received',
      params: req.params,
      paramsHash,
      idempotencyKey: req.idempotencyKey ?? null,
      rationale: req.rationale ?? null,
      policyVersion: this.current.version,
      estimateMicroUsd: est,
      reservedMicroUsd: 0,
      budgetKeys: [],
      campaign: req.campaign ?? null,
      callbackUrl: req.callbackUrl ?? null,
      notBefore: scheduledFor(req, mode, now),
      costMicroUsd: null,
      decision: null,
      result: null,
      error: null,
      decidedBy: null,
      createdAt: now,
      updatedAt: now,
      finishedAt: null,
    };
    const ctx = this.context(agent, action, rec);
    if (req.revisionOf !== undefined) ctx.revision = await this.revisionNumber(req.revisionOf, agent.id, action.type);
    const halt = await runPhases(this.pipeline, ['admit', 'verify', 'guard', 'approve'], ctx);
    const decision: Decision = {
      outcome: halt ? 'deny' : ctx.needsApproval ? 'needs_approval' : 'allow',
      code: halt ? halt.code : ctx.needsApproval ? 'approval_required' : 'allowed',
      reason: halt ? halt.reason : ctx.needsApproval ? ctx.approvalReasons.join('; ') : 'all checks and guards passed',
      policyVersion: rec.policyVersion,
      agentMode: this.services.modeOf(agent),
      checks: ctx.checks,
      guards: ctx.guards,
      ...(halt?.retryAfterMs !== undefined ? { retryAfterMs: halt.retryAfterMs } : {}),
      ...(halt?.code === 'needs_revision' && ctx.feedback ? { feedback: ctx.feedback } : {}),
      ...(ctx.redactedFrom ? { redactedFrom: ctx.redactedFrom, redactions: ctx.redactions } : {}),
      ...(req.revisionOf !== undefined ? { revisionOf: req.revisionOf, revision: ctx.revision } : {}),
      decidedAt: this.clock.now(),
    };
    rec.decision = decision;
    // After redaction only the redacted parameters are ever stored; the original leaves a hash.
    const received = this.transitionEntry(rec, 'received', actor, {
      type: rec.type,
      mode,
      params: rec.params,
      paramsHash: rec.paramsHash,
      ...(ctx.redactedFrom ? { redactedFrom: ctx.redactedFrom } : {}),
      estimateMicroUsd: est,
      ...(rec.idempotencyKey ? { idempotencyKey: rec.idempotencyKey } : {}),
      ...(rec.rationale ? { rationale: rec.rationale } : {}),
    });
    const to: ActionStatus = halt ? 'blocked' : ctx.needsApproval ? 'awaiting_approval' : 'allowed';
    // Other tools (a ticket queue, a pager) learn of new approvals through the alert channels.
    if (to === 'awaiting_approval') ctx.events.push({ kind: 'approval.requested', severity: 'info', agentId: agent.id, actionId: rec.id, type: rec.type, paramsHash: rec.paramsHash, reason: decision.reason, estimateMicroUsd: rec.estimateMicroUsd });
    const entries = [received, this.move(rec, to, SYSTEM, { decision: decision as unknown as JsonObject })];
    if (to === 'blocked') rec.finishedAt = rec.updatedAt;
    const execNow = to === 'allowed' && mode === 'execute' && !isScheduled(rec, this.clock.now());
    if (execNow) entries.push(this.move(rec, 'executing', SYSTEM, { connector: action.connector.name }));
    if (ctx.breakerProbe) {
      if (execNow) this.probes.set(rec.id, ctx.breakerProbe);
      else this.services.breakers.release(ctx.breakerProbe);
    }
    if (ctx.rateHeld) {
      if (execNow) this.rateHeld.set(rec.id, ctx.rateHeld);
      else this.services.rate.release(ctx.rateHeld);
    }
    const out = this.commitThenRun(rec, entries, ctx.budgetRows, agent, action, execNow);
    // Alerts and pauses follow the decision, and only once it is durable.
    if (ctx.events.length > 0 || ctx.pause) void out.then(() => this.afterGuards(ctx), () => {});
    return out;
  }

  /** Emits what guards noticed and applies a pause a guard asked for. */
  private async afterGuards(ctx: StageContext): Promise<void> {
    for (const e of ctx.events) this.events.emit('guard', e);
    if (ctx.pause && !this.kills.get({ kind: 'agent', id: ctx.agent.id })) {
      await this.setKill({ kind: 'agent', id: ctx.agent.id }, 'paused', { actor: { type: 'system', id: ctx.pause.by }, reason: ctx.pause.reason }).catch(() => {});
      this.events.emit('guard', { kind: 'agent.paused', severity: 'critical', agentId: ctx.agent.id, by: ctx.pause.by, reason: ctx.pause.reason });
    }
  }

  // ── execute and settle ───────────────────────────────────────────────────────────────────

  /**
   * Makes a decision durable, then (in execute mode) runs the connector (invariant 2). A
   * transactional connector's writes join the decision's commit instead, so decision and
   * effect land together or not at all.
   */
  private async commitThenRun(rec: ActionRecord, entries: AuditInput[], budgetRows: BudgetUsageTable[] | undefined, agent: CompiledAgent, action: CompiledAction, execNow: boolean): Promise<ActionRecord> {
    const reserved = rec.reservedMicroUsd;
    if (execNow && action.connector.transactional) {
      const deferred: WriteSet[] = [];
      const out = await this.runExecution(rec, agent, action, deferred);
      const sets = [{ audit: [...entries, out.entry], action: toRow(rec), ...budgetOf(out.budgetRows ?? budgetRows) }, ...deferred];
      try {
        await Promise.all(sets.map((set) => this.writer.write(set)));
      } catch (e) {
        await this.undoBudget(rec, 0, rec.costMicroUsd ?? 0);
        throw e;
      }
      this.emit(rec);
      return rec;
    }
    try {
      await this.writer.write({ audit: entries, action: toRow(rec), ...budgetOf(budgetRows) });
    } catch (e) {
      await this.undoBudget(rec, reserved, 0);
      throw e;
    }
    this.emit(rec);
    return execNow ? this.execute(rec, agent, action) : rec;
  }

  /** Rolls the in-memory ledger back when the commit that recorded a change failed. */
  private async undoBudget(rec: ActionRecord, reserved: number, spent: number): Promise<void> {
    if (rec.budgetKeys.length > 0 && (reserved > 0 || spent > 0)) await this.services.ledger.settle(rec.id, rec.budgetKeys, reserved, -spent);
  }

  /** Runs execute → settle, moves the record to its outcome, and returns the outcome's audit entry. */
  private async runExecution(rec: ActionRecord, agent: CompiledAgent, action: CompiledAction, deferred?: WriteSet[]): Promise<{ entry: AuditInput; budgetRows: BudgetUsageTable[] | undefined }> {
    const ctx = this.context(agent, action, rec);
    if (deferred) ctx.deferred = deferred;
    await runPhases(this.pipeline, ['execute', 'settle'], ctx);
    const ex = ctx.execution ?? { ok: false, result: null, error: { code: 'BRIDLE_E_INTERNAL', message: 'no execute stage ran' }, costMicroUsd: 0, durationMs: 0 };
    const probe = this.probes.get(rec.id) ?? [];
    this.probes.delete(rec.id);
    const held = this.rateHeld.get(rec.id);
    if (held) {
      this.services.rate.release(held);
      this.rateHeld.delete(rec.id);
    }
    const b = this.services.breakers;
    const tripped = b.record(b.scopesFor(rec.agentId, action.connector.name), probe, ex.ok, this.clock.now());
    if (tripped.length > 0) {
      ctx.guards.breakers = tripped.map((t) => ({ scope: t.scope, from: t.from, to: t.to, reason: t.reason }));
      await this.breakerChanged(tripped);
    }
    rec.result = ex.result;
    rec.error = ex.error ?? null;
    const entry = this.move(rec, ex.ok ? 'succeeded' : 'failed', SYSTEM, {
      ...(ex.ok ? { result: ex.result } : { error: ex.error ?? null }),
      costMicroUsd: rec.costMicroUsd ?? 0,
      durationMs: Math.round(ex.durationMs * 1000) / 1000,
      guards: ctx.guards,
    });
    rec.finishedAt = rec.updatedAt;
    // What it did is no longer novel for this agent.
    if (ex.ok) await this.services.history.record(rec.agentId, rec.type, recipientOf(rec.params), this.clock.now()).catch(() => {});
    return { entry, budgetRows: ctx.budgetRows };
  }

  private async execute(rec: ActionRecord, agent: CompiledAgent, action: CompiledAction): Promise<ActionRecord> {
    const { entry, budgetRows } = await this.runExecution(rec, agent, action);
    await this.writer.write({ audit: [entry], action: toRow(rec), ...budgetOf(budgetRows) });
    this.emit(rec);
    return rec;
  }

  // ── approvals (pipeline/approval-desk.ts) ──────────────────────────────────────────────────

  /**
   * Approves a waiting action and, in execute mode, runs it. Binding (invariant 2): when the
   * approver passes the hash of the parameters they saw, it must match exactly; `params` is an
   * edit, checked again before it runs. On an approval chain, each approval is one vote.
   */
  approve(id: string, by: { operator: string; paramsHash?: string; reason?: string; params?: JsonObject }): Promise<ActionRecord> {
    return this.desk.approve(id, by);
  }

  reject(id: string, by: { operator: string; reason?: string }, actor: Actor = { type: 'operator', id: by.operator }, extra: JsonObject = {}): Promise<ActionRecord> {
    return this.desk.reject(id, by, actor, extra);
  }

  /** An operator opening a waiting approval, recorded as `approval.viewed`. */
  viewApproval(id: string, operator: string): Promise<ActionRecord> {
    return this.desk.viewApproval(id, operator);
  }

  /** Switches an agent between draft and auto at run time; audited, persisted. */
  setMode(agentId: string, mode: 'draft' | 'auto', by: { actor: Actor; reason?: string | undefined }): Promise<'draft' | 'auto'> {
    return this.desk.setMode(agentId, mode, by);
  }

  modeOf(agentId: string): 'draft' | 'auto' {
    return this.desk.modeOf(agentId);
  }

  /** Ends approvals past their timeout, escalates chain steps, sends reminders; returns the ids it ended. */
  expireApprovals(): Promise<string[]> {
    return this.desk.expireApprovals();
  }

  /**
   * Authorize mode: the agent ran the action itself and says how it went. `extra` joins the
   * outcome's commit (the gateway stores its call bodies this way), so it needs no transaction
   * of its own and lands atomically with the audit entries that hold its hashes.
   */
  async report(id: string, agentId: string, rep: ReportRequest, extra: Omit<WriteSet, 'audit' | 'action' | 'budgets'> = {}): Promise<ActionRecord> {
    const rec = await this.claimReport(id, agentId);
    const actor: Actor = { type: 'agent', id: agentId };
    const cost = rep.costMicroUsd ?? rec.estimateMicroUsd;
    const entries = [this.move(rec, 'executing', actor, {})];
    const { agent, action } = this.compiled(rec);
    const ctx = this.context(agent, action, rec);
    ctx.execution = { ok: rep.outcome === 'succeeded', result: rep.result ?? null, costMicroUsd: cost, durationMs: 0, ...(rep.error ? { error: { code: 'AGENT_REPORTED', message: rep.error } } : {}) };
    await runPhases(this.pipeline, ['settle'], ctx);
    // The agent ran it, not a connector: only the agent's breaker learns from the outcome.
    const b = this.services.breakers;
    const tripped = b.record(b.scopesFor(rec.agentId, action.connector.name).filter((x) => x.startsWith('agent:')), [], rep.outcome === 'succeeded', this.clock.now());
    if (tripped.length > 0) await this.breakerChanged(tripped);
    rec.result = rep.result ?? null;
    rec.error = rep.outcome === 'failed' ? { code: 'AGENT_REPORTED', message: rep.error ?? 'the agent reported a failure' } : null;
    entries.push(this.move(rec, rep.outcome, actor, { costMicroUsd: cost, ...(rep.result !== undefined ? { result: rep.result } : {}), ...(rec.error ? { error: rec.error } : {}), overrun: cost > rec.estimateMicroUsd }));
    rec.finishedAt = rec.updatedAt;
    await this.writer.write({ ...extra, audit: entries, action: toRow(rec), ...budgetOf(ctx.budgetRows) });
    // Only once the outcome is durable: a failure above keeps the claim, as a claimed row did.
    this.reporting.delete(id);
    this.emit(rec);
    return rec;
  }

  /**
   * Reads and claims an action for its report. On shared Postgres another instance may report
   * it too, so this is the conditional UPDATE every claim is. On the embedded store this process
   * is the only writer of actions (bridle.lock; the budget counters live in its memory for the
   * same reason), so the claim is held in memory from before the read until the outcome commits:
   * the UPDATE was an autocommit with an fsync of its own on every report, outside the group
   * commit. Claiming before reading means a second report either meets the claim or reads the
   * committed outcome. A crash in between leaves the row as its audit trail says, which is what
   * recovery makes of a claim.
   */
  private async claimReport(id: string, agentId: string): Promise<ActionRecord> {
    const check = (current: ActionRecord): void => {
      if (current.mode !== 'authorize') throw new BridleError('BRIDLE_E_INVALID_STATE', `Action ${id} is in execute mode; Bridle reports its outcome itself`);
      if (current.status !== 'allowed' && current.status !== 'approved') {
        throw new BridleError('BRIDLE_E_INVALID_STATE', `Action ${id} is ${current.status}; only an allowed or approved action can be reported`, { status: current.status });
      }
    };
    if (this.store.dialect === 'postgres') {
      const current = await this.get(id, agentId);
      check(current);
      return this.claim(id, current.status, 'executing');
    }
    if (this.reporting.has(id)) throw new BridleError('BRIDLE_E_INVALID_STATE', `Action ${id} is executing; someone else acted on it first`, { status: 'executing' });
    this.reporting.add(id);
    try {
      const current = await this.get(id, agentId);
      check(current);
      return current;
    } catch (e) {
      this.reporting.delete(id);
      throw e;
    }
  }

  /**
   * Moves an action out of `from` with a conditional update, so of two concurrent approvals
   * (or two processes) exactly one wins and the connector runs once.
   */
  private async claim(id: string, from: ActionStatus, to: ActionStatus, paramsHash?: string): Promise<ActionRecord> {
    const rec = await this.get(id);
    assertTransition(id, rec.status, to);
    if (paramsHash !== undefined && paramsHash !== rec.paramsHash) {
      throw new BridleError('BRIDLE_E_PARAMS_CHANGED', `The parameters of ${id} are not the ones you reviewed (hash ${paramsHash} ≠ ${rec.paramsHash}); reload and review again`, { expected: rec.paramsHash });
    }
    const r = await this.store.db.updateTable('actions').set({ status: to, updated_at: this.clock.now() }).where('id', '=', id).where('status', '=', from).executeTakeFirst();
    if (Number(r.numUpdatedRows) !== 1) {
      const now = await this.get(id);
      throw new BridleError('BRIDLE_E_INVALID_STATE', `Action ${id} is ${now.status}; someone else acted on it first`, { status: now.status });
    }
    return rec;
  }

  private async release(rec: ActionRecord) {
    if (rec.reservedMicroUsd === 0 || rec.budgetKeys.length === 0) return undefined;
    const rows = await this.services.ledger.settle(rec.id, rec.budgetKeys, rec.reservedMicroUsd, 0);
    rec.reservedMicroUsd = 0;
    return rows;
  }

  // ── reads ────────────────────────────────────────────────────────────────────────────────

  /** Reads an action. With `agentId`, another agent's action is reported as not found (invariant 5). */
  async get(id: string, agentId?: string): Promise<ActionRecord> {
    const row = this.getRow ? (this.getRow.get(id) as ActionsTable | undefined) : await this.store.db.selectFrom('actions').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row || (agentId !== undefined && row.agent_id !== agentId)) throw new BridleError('BRIDLE_E_ACTION_NOT_FOUND', `No action ${id}`, { id });
    return fromRow(row);
  }

  /** Long-poll: resolves when the action reaches a state the agent can act on, or at the timeout. */
  async wait(id: string, agentId: string | undefined, timeoutMs: number): Promise<ActionRecord> {
    const first = await this.get(id, agentId);
    if (isSettledForWaiter(first.status) || timeoutMs <= 0) return first;
    return new Promise<ActionRecord>((resolve, reject) => {
      let done = false;
      const finish = (r: ActionRecord | Error) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        clearInterval(poll);
        this.events.off(id, onEvent);
        if (r instanceof Error) reject(r);
        else resolve(r);
      };
      const onEvent = (r: ActionRecord) => {
        if (isSettledForWaiter(r.status)) finish(r);
      };
      this.events.on(id, onEvent);
      const timer = setTimeout(() => void this.get(id, agentId).then(finish, finish), Math.min(timeoutMs, MAX_WAIT_MS));
      // Another process (the CLI, another instance) may decide it: look at the store too.
      const poll = setInterval(() => void this.get(id, agentId).then(onEvent, () => {}), 1000);
    });
  }

  async list(q: { agentId?: string; status?: string; type?: string; after?: string; limit?: number }): Promise<{ items: ActionRecord[]; next: string | null }> {
    const limit = Math.min(Math.max(q.limit ?? 50, 1), 500);
    let s = this.store.db.selectFrom('actions').selectAll().orderBy('id', 'desc').limit(limit + 1);
    if (q.agentId) s = s.where('agent_id', '=', q.agentId);
    if (q.status) s = s.where('status', '=', q.status);
    if (q.type) s = s.where('type', '=', q.type);
    if (q.after) s = s.where('id', '<', q.after);
    const rows = await s.execute();
    const items = rows.slice(0, limit).map(fromRow);
    return { items, next: rows.length > limit ? items[items.length - 1]!.id : null };
  }

  // ── kill switch ──────────────────────────────────────────────────────────────────────────

  /**
   * Stops (`killed`, by a person; `paused`, by a guard) or resumes (`null`) new actions in a
   * scope, at once. Killing also cancels the scope's pending approvals, so nothing already
   * waiting slips through afterwards. Who and why go into the audit log.
   */
  async setKill(scope: KillScope, state: 'killed' | 'paused' | null, by: { actor: Actor; reason?: string | undefined }): Promise<{ state: KillState | null; cancelled: string[] }> {
    if (scope.kind === 'agent' && !this.current.agents.has(scope.id)) throw new BridleError('BRIDLE_E_UNKNOWN_AGENT', `No agent named "${scope.id}" in the policy`);
    if (scope.kind === 'action_type' && !this.current.actions.has(scope.id)) throw new BridleError('BRIDLE_E_UNKNOWN_ACTION_TYPE', `No action type "${scope.id}" in the policy`, { type: scope.id, known: [...this.current.actions.keys()] });
    const previous = this.kills.get(scope);
    const next = await this.kills.set(scope, state, { actor: by.actor.id, reason: by.reason }, this.clock.now());
    const chain = scope.kind === 'agent' ? scope.id : '_system';
    await this.audit([{ ...this.entry(chain, null, `${scope.kind}.${state ?? 'resumed'}`, by.actor), data: { scope: scopeKey(scope), reason: by.reason ?? null, previous: previous?.state ?? null } }]);
    const cancelled = state === 'killed' ? await this.cancelPending(scope, by) : [];
    if (state === 'killed') this.events.emit('guard', { kind: `${scope.kind}.killed`, severity: 'warning', scope: scopeKey(scope), actor: by.actor.id, reason: by.reason ?? null, cancelled: cancelled.length, ...(scope.kind === 'agent' ? { agentId: scope.id } : {}) } satisfies GuardEvent);
    return { state: next, cancelled };
  }

  async setKilled(agentId: string, killed: boolean, by: { actor: Actor; reason?: string }): Promise<void> {
    await this.setKill({ kind: 'agent', id: agentId }, killed ? 'killed' : null, by);
  }

  /** Rejects every action of the scope still awaiting approval, in the name of whoever pulled the switch. */
  private async cancelPending(scope: KillScope, by: { actor: Actor; reason?: string | undefined }): Promise<string[]> {
    let q = this.store.db.selectFrom('actions').select('id').where('status', '=', 'awaiting_approval');
    if (scope.kind === 'agent') q = q.where('agent_id', '=', scope.id);
    if (scope.kind === 'action_type') q = q.where('type', '=', scope.id);
    const cancelled: string[] = [];
    for (const { id } of await q.execute()) {
      const reason = `cancelled: kill switch on ${describeScope(scope)}${by.reason ? `: ${by.reason}` : ''}`;
      try {
        await this.reject(id, { operator: by.actor.id, reason }, by.actor, { cancelledBy: scopeKey(scope) });
        cancelled.push(id);
      } catch (e) {
        // Approved or rejected by someone else meanwhile: nothing left to cancel.
        if (!(e instanceof BridleError && e.code === 'BRIDLE_E_INVALID_STATE')) throw e;
      }
    }
    return cancelled;
  }

  agentState(agentId: string): { killed: boolean; paused: boolean; reason: string | null; actor: string | null } {
    const k = this.kills.get({ kind: 'agent', id: agentId });
    return { killed: k?.state === 'killed', paused: k?.state === 'paused', reason: k?.reason ?? null, actor: k?.actor ?? null };
  }

  /** Every switch that is set, widest scope first. */
  killSwitches(): KillState[] {
    return this.kills.list();
  }

  // ── circuit breakers ─────────────────────────────────────────────────────────────────────

  /** Every breaker that has seen traffic: state, calls and errors in the window, when it retries. */
  breakerStates(): BreakerView[] {
    return this.services.breakers.view(this.clock.now());
  }

  /** Closes a breaker by hand; false when it was not open. */
  async resetBreaker(scope: string, actor: Actor): Promise<boolean> {
    const t = this.services.breakers.reset(scope, this.clock.now());
    if (!t) return false;
    await this.breakerChanged([t], actor);
    return true;
  }

  private async breakerChanged(transitions: BreakerTransition[], actor: Actor = SYSTEM): Promise<void> {
    await persistTransitions(this.store, transitions);
    const entries = transitions.map((t) => {
      const chain = t.scope.startsWith('agent:') ? t.scope.slice('agent:'.length) : '_system';
      return { ...this.entry(chain, null, `breaker.${t.to}`, actor), data: { scope: t.scope, from: t.from, to: t.to, reason: t.reason, calls: t.calls, errors: t.errors } };
    });
    await this.audit(entries);
    for (const t of transitions) this.events.emit('guard', { kind: `breaker.${t.to}`, severity: t.to === 'open' ? 'critical' : 'info', scope: t.scope, from: t.from, reason: t.reason, calls: t.calls, errors: t.errors });
  }

  private anomalySaver: NodeJS.Timeout | undefined;

  /** Restores learned baselines, and saves them every minute and at close. */
  private async loadAnomaly(): Promise<void> {
    const d = this.services.anomaly;
    if (d) {
      const row = await this.store.db.selectFrom('guard_state').select('state').where('name', '=', 'anomaly').executeTakeFirst();
      // A snapshot that no longer parses (a new format) is dropped: the detector starts cold.
      if (row) {
        try {
          d.restore(JSON.parse(row.state));
        } catch {
          /* start cold */
        }
      }
    }
    this.anomalySaver = setInterval(() => void this.saveAnomaly().catch(() => {}), 60_000);
    this.anomalySaver.unref();
  }

  private async saveAnomaly(): Promise<void> {
    const d = this.services.anomaly;
    if (!d) return;
    const state = JSON.stringify(d.snapshot());
    const now = this.clock.now();
    await this.store.db.insertInto('guard_state').values({ name: 'anomaly', state, updated_at: now }).onConflict((oc) => oc.column('name').doUpdateSet({ state, updated_at: now })).execute();
  }

  private async loadBreakers(): Promise<void> {
    this.services.breakers.adopt(await this.store.db.selectFrom('breakers').selectAll().execute(), this.clock.now());
  }

  /** What the anomaly detector has learned about an agent; null when detection is off or the agent is new. */
  anomalyBaseline(agentId: string): AnomalyBaseline | null {
    return this.services.anomaly?.state(agentId) ?? null;
  }

  /** Guard events (breaker trips, pauses) for alerting and dashboards. */
  onGuard(fn: (e: GuardEvent) => void): () => void {
    this.events.on('guard', fn);
    return () => this.events.off('guard', fn);
  }

  // ── audit helpers ────────────────────────────────────────────────────────────────────────

  /** Records arbitrary audit entries durably (keys created, policy reloads, …). */
  audit(entries: AuditInput[], extra: WriteSet = {}): Promise<void> {
    return this.writer.write({ ...extra, audit: entries });
  }

  entry(chain: string, actionId: string | null, kind: string, actor: Actor): AuditInput {
    return { id: this.ids.next('aud'), agentId: chain, actionId, kind, ts: this.clock.now(), policyVersion: this.current.version, actor, data: {} };
  }

  private transitionEntry(rec: ActionRecord, to: ActionStatus, actor: Actor, data: JsonObject): AuditInput {
    return { ...this.entry(rec.agentId, rec.id, `action.${to}`, actor), data: { to, ...data } };
  }

  private move(rec: ActionRecord, to: ActionStatus, actor: Actor, data: JsonObject): AuditInput {
    assertTransition(rec.id, rec.status, to);
    const from = rec.status;
    rec.status = to;
    rec.updatedAt = this.clock.now();
    this.services.observer?.transition?.(rec, from, to);
    return this.transitionEntry(rec, to, actor, { from, ...data });
  }

  private emit(rec: ActionRecord): void {
    this.events.emit(rec.id, rec);
    this.events.emit('action', rec);
    if (rec.callbackUrl) void this.callbacks.enqueue(rec).catch(() => {});
  }

  /**
   * A published action's engagement as last fetched; with `refresh`, asked of its connector now.
   *
   * @example
   *   const e = await bridle.engagement(id, { refresh: true }); // { data: { likes: 12, … }, fetchedAt }
   */
  async engagement(id: string, opts: { refresh?: boolean; agentId?: string } = {}): Promise<{ data: JsonObject; fetchedAt: number } | null> {
    const rec = await this.get(id, opts.agentId);
    if (opts.refresh) await fetchEngagement(this.internals(), rec);
    return storedEngagement(this.internals(), id);
  }

  /** Refreshes due engagement now (the engine does this every minute). */
  pollEngagement(): Promise<{ fetched: number; failed: { id: string; error: string }[] }> {
    return pollEngagement(this.internals());
  }

  /** Starts scheduled actions whose slot has come (the engine does this every second); returns their ids. */
  runScheduled(): Promise<string[]> {
    return runDue(this.internals());
  }

  /**
   * Reverses a succeeded action through its connector (e.g. deletes the post): `succeeded → undone`.
   *
   * @example
   *   await bridle.undo(id, { actor: { type: 'operator', id: 'ana' }, reason: 'posted by mistake' });
   */
  undo(id: string, by: { actor: Actor; reason?: string | undefined }): Promise<ActionRecord> {
    return undoAction(this.internals(), id, by);
  }

  /** Subscribe to every action transition made by this instance (dashboards, SSE). */
  onAction(fn: (rec: ActionRecord) => void): () => void {
    this.events.on('action', fn);
    return () => this.events.off('action', fn);
  }

  private context(agent: CompiledAgent, action: CompiledAction, record: ActionRecord): StageContext {
    return { services: this.services, policy: this.current, agent, action, record, events: [], checks: [], approvalReasons: [], needsApproval: false, guards: {}, revision: 0, maxRetries: this.current.defaults.max_retries, redactions: [] };
  }

  /** A revision must follow a `needs_revision` decision on an action of the same agent and type. */
  private async revisionNumber(of: string, agentId: string, type: string): Promise<number> {
    const prev = await this.get(of, agentId);
    if (prev.type !== type || prev.decision?.code !== 'needs_revision') {
      throw new BridleError('BRIDLE_E_INVALID_STATE', `revisionOf must name a ${type} action that was sent back for revision (${of} is ${prev.type}, ${prev.decision?.code ?? prev.status})`);
    }
    return (prev.decision.revision ?? 0) + 1;
  }

  private compiled(rec: ActionRecord): { agent: CompiledAgent; action: CompiledAction } {
    const agent = this.current.agents.get(rec.agentId);
    const action = this.current.actions.get(rec.type);
    if (!agent || !action) throw new BridleError('BRIDLE_E_INVALID_STATE', `Action ${rec.id} belongs to ${rec.agentId}/${rec.type}, which the running policy no longer defines`);
    return { agent, action };
  }

  /**
   * After a crash: an action caught mid-connector may or may not have had its side effect, so
   * it is marked failed (never re-run); its estimate counts as spent. On the embedded store this
   * process is the only owner, so everything in flight is stale. On shared Postgres another
   * instance may be running it right now: only actions idle for longer than any connector may
   * run are touched, each claimed by a conditional update so two instances never both do it.
   */
  private async recover(): Promise<void> {
    const shared = this.store.dialect === 'postgres';
    const now = this.clock.now();
    let longest = 0;
    for (const a of this.current.actions.values()) longest = Math.max(longest, a.doc.timeout_ms);
    const claimCutoff = shared ? now - STALE_CLAIM_MS : Infinity;
    const execCutoff = shared ? now - longest - STALE_CLAIM_MS : Infinity;

    // A claim (conditional status update) that crashed before its audit entries were written
    // was never acknowledged: put the action back where its audit trail says it is.
    const claimed = await this.store.db.selectFrom('actions').select(['id', 'status', 'exec_mode', 'decided_by']).where('status', 'in', ['approved', 'rejected', 'executing', 'failed']).where('updated_at', '<', claimCutoff).execute();
    for (const c of claimed) {
      if (c.status === 'executing' && c.exec_mode === 'execute') continue;
      const seen = await this.store.db.selectFrom('audit').select('id').where('action_id', '=', c.id).where('kind', '=', `action.${c.status}`).executeTakeFirst();
      if (seen) continue;
      const back = c.status === 'failed' ? 'executing' : c.status === 'executing' ? (c.decided_by ? 'approved' : 'allowed') : 'awaiting_approval';
      await this.store.db.updateTable('actions').set({ status: back }).where('id', '=', c.id).where('status', '=', c.status).execute();
    }
    const stuck = await this.store.db.selectFrom('actions').selectAll().where('status', '=', 'executing').where('exec_mode', '=', 'execute').where('updated_at', '<', execCutoff).execute();
    for (const row of stuck) {
      const rec = fromRow(row);
      const won = await this.store.db.updateTable('actions').set({ status: 'failed', updated_at: now }).where('id', '=', rec.id).where('status', '=', 'executing').executeTakeFirst();
      if (Number(won.numUpdatedRows) !== 1) continue;
      let budget;
      if (rec.budgetKeys.length > 0 && rec.reservedMicroUsd > 0) budget = await this.services.ledger.settle(rec.id, rec.budgetKeys, rec.reservedMicroUsd, rec.reservedMicroUsd);
      rec.costMicroUsd = rec.reservedMicroUsd;
      rec.reservedMicroUsd = 0;
      rec.error = { code: 'BRIDLE_E_CONNECTOR', message: 'Bridle stopped while the connector was running; the outcome is unknown and the action was not retried' };
      const entry = this.move(rec, 'failed', SYSTEM, { error: rec.error, recovered: true, agentKnown: this.current.agents.has(rec.agentId) });
      rec.finishedAt = rec.updatedAt;
      await this.writer.write({ audit: [entry], action: toRow(rec), ...budgetOf(budget) });
    }
  }

  async close(): Promise<void> {
    clearInterval(this.pgRefresh);
    clearInterval(this.pgRecover);
    clearInterval(this.anomalySaver);
    clearInterval(this.approvalSweep);
    clearInterval(this.dueSweep);
    clearInterval(this.engagementSweep);
    await this.callbacks?.stop();
    await this.saveAnomaly().catch(() => {});
    await this.alerter?.stop();
    await this.writer.close();
  }

  /** Sends every due callback now (tests, shutdown). */
  flushCallbacks(): Promise<void> {
    return this.callbacks.flush();
  }

  /** Group-commit statistics for benchmarks. */
  get batches(): number {
    return this.writer.batches;
  }
}

/** The policy's anomaly detector; `on_anomaly` is Bridle's, not the detector's. */
function anomalyFor(p: Policy) {
  if (!p.guards.anomaly) return null;
  const { on_anomaly: _, ...options } = p.guards.anomaly;
  return createAnomalyDetector(options);
}


function revalidate(p: LoadedPolicy, connectors: ReadonlyMap<string, Connector>): LoadedPolicy {
  const known = [...connectors.keys(), ...Object.keys(p.document.connectors)];
  for (const [type, a] of Object.entries(p.document.actions)) {
    if (!known.includes(a.connector)) {
      throw new BridleError('BRIDLE_E_POLICY_INVALID', `${p.file}: actions.${type}.connector: unknown connector "${a.connector}" (known: ${known.join(', ')})`);
    }
  }
  return p;
}

