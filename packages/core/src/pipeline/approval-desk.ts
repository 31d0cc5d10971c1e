import type { EventEmitter } from 'node:events';
import type { Actor, AuditInput } from '../audit/entry.js';
import type { ApprovalChain, Chains } from '../approvals/chain.js';
import { BridleError } from '../errors.js';
import type { KillSwitches } from '../guards/kill/switches.js';
import { hashJson, type JsonObject } from '../json.js';
import { assertNotSubmitter } from '../operators/submitter.js';
import type { CompiledAction, CompiledAgent, Policy } from '../policy/compile.js';
import type { Store } from '../store/open.js';
import type { BudgetUsageTable } from '../store/schema.js';
import type { GroupCommitWriter } from '../store/writer.js';
import type { Clock } from '../util/clock.js';
import { runPhases, type GuardEvent, type Pipeline, type Services, type StageContext } from './context.js';
import type { ActionStatus } from './lifecycle.js';
import { budgetOf, toRow } from './records.js';
import type { ActionRecord, CheckReport } from './types.js';
import { isScheduled } from './schedule.js';

const SYSTEM: Actor = { type: 'system', id: 'bridle' };

/** What the approval desk needs from the engine: its store, clock and the one way to move an action. */
export interface DeskInternals {
  readonly store: Store;
  readonly clock: Clock;
  readonly writer: GroupCommitWriter;
  readonly chains: Chains;
  readonly kills: KillSwitches;
  readonly events: EventEmitter;
  readonly services: Services;
  readonly pipeline: Pipeline;
  readonly current: Policy;
  get(id: string, agentId?: string): Promise<ActionRecord>;
  claim(id: string, from: ActionStatus, to: ActionStatus, paramsHash?: string): Promise<ActionRecord>;
  move(rec: ActionRecord, to: ActionStatus, actor: Actor, data: JsonObject): AuditInput;
  entry(chain: string, actionId: string | null, kind: string, actor: Actor): AuditInput;
  audit(entries: AuditInput[]): Promise<void>;
  emit(rec: ActionRecord): void;
  compiled(rec: ActionRecord): { agent: CompiledAgent; action: CompiledAction };
  context(agent: CompiledAgent, action: CompiledAction, record: ActionRecord): StageContext;
  commitThenRun(rec: ActionRecord, entries: AuditInput[], budgetRows: BudgetUsageTable[] | undefined, agent: CompiledAgent, action: CompiledAction, execNow: boolean): Promise<ActionRecord>;
  release(rec: ActionRecord): Promise<BudgetUsageTable[] | undefined>;
}

/**
 * Everything between "a human must look" and the decision: votes and chains, edits (checked
 * again and re-hashed), self-approval, run-time agent modes, and timeouts that expire, escalate
 * or remind. Every decision still goes through the engine's claim and commit, so it is made once.
 */
export class ApprovalDesk {
  /** Modes operators switched at run time; they win over the policy's. */
  private modes = new Map<string, { mode: 'draft' | 'auto'; actor: string | null; reason: string | null; at: number }>();

  constructor(private readonly e: DeskInternals) {}

  /** The agent's mode now: an operator's run-time switch, else the policy's. */
  modeOfAgent(agent: CompiledAgent): 'draft' | 'auto' {
    return this.modes.get(agent.id)?.mode ?? agent.doc.mode;
  }


  /**
   * Approves a waiting action and, in execute mode, runs it. Binding (invariant 2): when the
   * approver passes the hash of the parameters they saw, it must match exactly.
   */
  async approve(id: string, by: { operator: string; paramsHash?: string; reason?: string; params?: JsonObject }): Promise<ActionRecord> {
    // Invariant 5: no one approves what they submitted (whichever door the approval came through).
    await assertNotSubmitter(this.e.store, id, by.operator);
    const chained = await this.voteInChain(id, by, 'approve');
    if (chained) return chained;
    return this.approveNow(id, by);
  }

  /**
   * On an action type with an approval_chain, one approval is one vote: it completes the action
   * only when the last step reaches its quorum. Returns the still-waiting record, or null when
   * there is no chain (or the vote completed it and the caller should approve now).
   */
  private async voteInChain(id: string, by: { operator: string; paramsHash?: string | undefined; reason?: string | undefined; params?: JsonObject | undefined }, decision: 'approve' | 'reject'): Promise<ActionRecord | null> {
    const rec = await this.e.get(id);
    const chain = this.e.current.actions.get(rec.type)?.doc.approval_chain;
    if (!chain || rec.status !== 'awaiting_approval') return null;
    if (by.paramsHash !== undefined && by.paramsHash !== rec.paramsHash) throw new BridleError('BRIDLE_E_PARAMS_CHANGED', `The parameters of ${id} are not the ones you reviewed; reload and review again`, { expected: rec.paramsHash });
    const voter = { name: by.operator, groups: await this.e.chains.groupsOf(by.operator) };
    if (by.params !== undefined && decision === 'approve') {
      // An edit restarts the chain: approvals given for other parameters no longer count.
      const restarted = await this.editInChain(rec, chain, voter, by.params);
      if (!restarted) return rec;
    }
    const now = this.e.clock.now();
    const v = await this.e.chains.vote(id, chain, voter, decision, rec.paramsHash, by.reason ?? null, now, rec.createdAt);
    const actor: Actor = { type: 'operator', id: by.operator };
    const entries: AuditInput[] = [{ ...this.e.entry(rec.agentId, rec.id, 'approval.vote', actor), data: { decision, step: v.step + (v.outcome === 'advanced' ? 0 : 1), approvals: v.approvals, need: v.need, paramsHash: rec.paramsHash, ...(by.reason ? { reason: by.reason } : {}) } }];
    if (v.outcome === 'advanced') entries.push({ ...this.e.entry(rec.agentId, rec.id, 'approval.step', SYSTEM), data: { step: v.step + 1, of: chain.length, group: chain[v.step]!.group ?? null, why: 'quorum reached' } });
    await this.e.audit(entries);
    if (v.outcome === 'pending' || v.outcome === 'advanced') {
      if (v.outcome === 'advanced') this.e.events.emit('guard', { kind: 'approval.step', severity: 'info', agentId: rec.agentId, actionId: rec.id, step: v.step + 1, group: chain[v.step]!.group ?? null } satisfies GuardEvent);
      return rec;
    }
    if (v.outcome === 'rejected') return this.reject(id, { operator: by.operator, ...(by.reason ? { reason: by.reason } : {}) }, actor, { step: v.step + 1 }, true);
    return null;
  }

  /** Applies an edit from a member of the current step, restarts the chain; true if the editor may vote on its first step. */
  private async editInChain(rec: ActionRecord, chain: ApprovalChain, voter: { name: string; groups: string[] }, params: JsonObject): Promise<boolean> {
    const at = await this.e.chains.stepOf(rec.id, rec.createdAt);
    const group = chain[at.step]!.group;
    if (group && !voter.groups.includes(group)) throw new BridleError('BRIDLE_E_FORBIDDEN', `Step ${at.step + 1} of this approval needs the ${group} group to edit or approve`);
    const { agent, action } = this.e.compiled(rec);
    const edited = await this.verifyEdit(rec, params, agent, action);
    const won = await this.e.store.db.updateTable('actions').set({ params: JSON.stringify(edited.params), params_hash: edited.paramsHash, updated_at: this.e.clock.now() }).where('id', '=', rec.id).where('status', '=', 'awaiting_approval').where('params_hash', '=', rec.paramsHash).executeTakeFirst();
    if (Number(won.numUpdatedRows) !== 1) throw new BridleError('BRIDLE_E_PARAMS_CHANGED', `The parameters of ${rec.id} changed while you edited them; reload and review again`);
    const actor: Actor = { type: 'operator', id: voter.name };
    const entry = { ...this.e.entry(rec.agentId, rec.id, 'approval.edited', actor), data: { fromHash: rec.paramsHash, toHash: edited.paramsHash, params: edited.params, checks: edited.checks as unknown as JsonObject[], chainRestarted: true } };
    rec.params = edited.params;
    rec.paramsHash = edited.paramsHash;
    await this.e.chains.restart(rec.id, this.e.clock.now());
    await this.e.writer.write({ audit: [entry], action: toRow(rec) });
    const first = chain[0]!.group;
    return !first || voter.groups.includes(first);
  }

  private async approveNow(id: string, by: { operator: string; paramsHash?: string; reason?: string; params?: JsonObject }): Promise<ActionRecord> {
    const rec = await this.e.claim(id, 'awaiting_approval', 'approved', by.paramsHash);
    const putBack = () => this.e.store.db.updateTable('actions').set({ status: 'awaiting_approval' }).where('id', '=', id).where('status', '=', 'approved').execute();
    const stop = this.e.kills.find(rec.agentId, rec.type);
    if (stop) {
      // A switch pulled while the approver was looking wins: put the action back and say why.
      await putBack();
      throw new BridleError('BRIDLE_E_INVALID_STATE', `Action ${id} cannot be approved: ${stop.scope} is ${stop.state}${stop.reason ? ` (${stop.reason})` : ''}`, { scope: stop.scope, state: stop.state });
    }
    const actor: Actor = { type: 'operator', id: by.operator };
    const { agent, action } = this.e.compiled(rec);
    const entries: AuditInput[] = [];
    if (by.params !== undefined) {
      // Invariant 2: an edit is verified again by every check and bound to its own hash.
      const edited = await this.verifyEdit(rec, by.params, agent, action).catch(async (e: unknown) => {
        await putBack();
        throw e;
      });
      entries.push({ ...this.e.entry(rec.agentId, rec.id, 'approval.edited', actor), data: { fromHash: rec.paramsHash, toHash: edited.paramsHash, params: edited.params, checks: edited.checks as unknown as JsonObject[] } });
      rec.params = edited.params;
      rec.paramsHash = edited.paramsHash;
    }
    rec.decidedBy = by.operator;
    entries.push(this.e.move(rec, 'approved', actor, { paramsHash: rec.paramsHash, ...(by.params !== undefined ? { edited: true } : {}), ...(by.reason ? { reason: by.reason } : {}) }));
    // A scheduled action stays approved until its slot; the engine's sweep runs it then.
    const execNow = rec.mode === 'execute' && !isScheduled(rec, this.e.clock.now());
    if (execNow) entries.push(this.e.move(rec, 'executing', SYSTEM, { connector: action.connector.name }));
    return this.e.commitThenRun(rec, entries, undefined, agent, action, execNow);
  }

  /** Runs the checks on an approver's edit; refuses it if any would block. */
  private async verifyEdit(rec: ActionRecord, params: JsonObject, agent: CompiledAgent, action: CompiledAction): Promise<{ params: JsonObject; paramsHash: string; checks: CheckReport[] }> {
    const draft: ActionRecord = { ...rec, params, paramsHash: hashJson(params) };
    const ctx = this.e.context(agent, action, draft);
    const halt = await runPhases(this.e.pipeline, ['verify'], ctx);
    if (halt) throw new BridleError('BRIDLE_E_VALIDATION', `The edited parameters of ${rec.id} fail the checks: ${halt.reason}`, { code: halt.code, checks: ctx.checks as unknown as JsonObject[] });
    return { params: draft.params, paramsHash: draft.paramsHash, checks: ctx.checks };
  }

  /**
   * An operator opening a waiting approval: recorded (`approval.viewed`, with the hash of what
   * they saw) so the audit shows who looked before deciding, not only who decided.
   */
  async viewApproval(id: string, operator: string): Promise<ActionRecord> {
    const rec = await this.e.get(id);
    if (rec.status === 'awaiting_approval') await this.e.audit([{ ...this.e.entry(rec.agentId, rec.id, 'approval.viewed', { type: 'operator', id: operator }), data: { paramsHash: rec.paramsHash } }]);
    return rec;
  }


  async reject(id: string, by: { operator: string; reason?: string }, actor: Actor = { type: 'operator', id: by.operator }, extra: JsonObject = {}, voted = false): Promise<ActionRecord> {
    // In a chain, only a member of the current step's group may reject (their vote is the rejection).
    if (!voted && actor.type === 'operator' && extra.cancelledBy === undefined) {
      const chained = await this.voteInChain(id, by, 'reject');
      if (chained) return chained;
    }
    const rec = await this.e.claim(id, 'awaiting_approval', 'rejected');
    rec.decidedBy = by.operator;
    const entry = this.e.move(rec, 'rejected', actor, { paramsHash: rec.paramsHash, ...(by.reason ? { reason: by.reason } : {}), ...extra });
    rec.finishedAt = rec.updatedAt;
    const budget = await this.e.release(rec);
    await this.e.writer.write({ audit: [entry], action: toRow(rec), ...budgetOf(budget) });
    this.e.emit(rec);
    return rec;
  }


  /** Switches an agent between draft (a human approves everything) and auto, at run time; audited. */
  async setMode(agentId: string, mode: 'draft' | 'auto', by: { actor: Actor; reason?: string | undefined }): Promise<'draft' | 'auto'> {
    const agent = this.e.current.agents.get(agentId);
    if (!agent) throw new BridleError('BRIDLE_E_UNKNOWN_AGENT', `No agent named "${agentId}" in the policy`);
    const previous = this.e.services.modeOf(agent);
    const now = this.e.clock.now();
    const row = { agent_id: agentId, mode, actor: by.actor.id, reason: by.reason ?? null, updated_at: now };
    await this.e.store.db.insertInto('agent_modes').values(row).onConflict((oc) => oc.column('agent_id').doUpdateSet({ mode, actor: row.actor, reason: row.reason, updated_at: now })).execute();
    this.modes.set(agentId, { mode, actor: row.actor, reason: row.reason, at: now });
    await this.e.audit([{ ...this.e.entry(agentId, null, 'agent.mode', by.actor), data: { mode, previous, reason: by.reason ?? null } }]);
    return mode;
  }

  modeOf(agentId: string): 'draft' | 'auto' {
    const agent = this.e.current.agents.get(agentId);
    if (!agent) throw new BridleError('BRIDLE_E_UNKNOWN_AGENT', `No agent named "${agentId}" in the policy`);
    return this.e.services.modeOf(agent);
  }

  /** Loads run-time modes (at start, and every second on shared Postgres). */
  async loadModes(): Promise<void> {
    const rows = await this.e.store.db.selectFrom('agent_modes').selectAll().execute();
    this.modes = new Map(rows.map((r) => [r.agent_id, { mode: r.mode, actor: r.actor, reason: r.reason, at: r.updated_at }]));
  }

  /**
   * Approvals that waited past their action type's `approval_timeout` end with its outcome:
   * `expired` (reject, the default; the reservation is released) or approved by the system.
   */
  async expireApprovals(): Promise<string[]> {
    const now = this.e.clock.now();
    const waiting = await this.e.store.db.selectFrom('actions').select(['id', 'type', 'agent_id', 'created_at']).where('status', '=', 'awaiting_approval').execute();
    const done: string[] = [];
    for (const w of waiting) {
      const doc = this.e.current.actions.get(w.type)?.doc;
      const t = doc?.approval_timeout ?? { after_s: 86_400, outcome: 'reject' as const };
      let outcome: 'approve' | 'reject' | null = w.created_at + t.after_s * 1000 <= now ? t.outcome : null;
      let why = `no decision within ${t.after_s} s`;
      const chain = doc?.approval_chain;
      const st = chain || doc?.approval_reminder_s ? await this.e.chains.stepOf(w.id, w.created_at) : null;
      if (chain && st && outcome === null) {
        const step = chain[st.step]!;
        if (step.timeout_s !== undefined && st.startedAt + step.timeout_s * 1000 <= now) {
          if (step.on_timeout === 'escalate' && st.step + 1 < chain.length) {
            if (await this.e.chains.advance(w.id, st.step, now)) {
              const next = chain[st.step + 1]!;
              await this.e.audit([{ ...this.e.entry(w.agent_id, w.id, 'approval.escalated', SYSTEM), data: { from: st.step + 1, to: st.step + 2, group: next.group ?? null, reason: `step ${st.step + 1} had no quorum within ${step.timeout_s} s` } }]);
              this.e.events.emit('guard', { kind: 'approval.escalated', severity: 'warning', agentId: w.agent_id, actionId: w.id, step: st.step + 2, group: next.group ?? null } satisfies GuardEvent);
            }
            continue;
          }
          outcome = step.on_timeout === 'approve' ? 'approve' : step.on_timeout === 'reject' ? 'reject' : t.outcome;
          why = `step ${st.step + 1} of its approval chain had no quorum within ${step.timeout_s} s`;
        }
      }
      if (outcome === null) {
        const every = doc?.approval_reminder_s;
        if (every && st && now - (st.remindedAt ?? st.startedAt) >= every * 1000) {
          await this.e.chains.reminded(w.id, now);
          this.e.events.emit('guard', { kind: 'approval.reminder', severity: 'info', agentId: w.agent_id, actionId: w.id, type: w.type, waitingS: Math.round((now - w.created_at) / 1000) } satisfies GuardEvent);
        }
        continue;
      }
      try {
        if (outcome === 'approve') await this.approveNow(w.id, { operator: 'bridle', reason: `${why}: approved by the action type's timeout` });
        else await this.expire(w.id, why);
        done.push(w.id);
      } catch (e) {
        // Decided by someone meanwhile: nothing to do.
        if (!(e instanceof BridleError && e.code === 'BRIDLE_E_INVALID_STATE')) throw e;
      }
    }
    return done;
  }

  private async expire(id: string, why: string): Promise<void> {
    const rec = await this.e.claim(id, 'awaiting_approval', 'expired');
    const entry = this.e.move(rec, 'expired', SYSTEM, { paramsHash: rec.paramsHash, reason: why });
    rec.finishedAt = rec.updatedAt;
    const budget = await this.e.release(rec);
    await this.e.writer.write({ audit: [entry], action: toRow(rec), ...budgetOf(budget) });
    this.e.emit(rec);
    this.e.events.emit('guard', { kind: 'approval.expired', severity: 'warning', agentId: rec.agentId, actionId: rec.id, type: rec.type, reason: why } satisfies GuardEvent);
  }
}
