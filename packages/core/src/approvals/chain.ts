import { z } from 'zod';
import { BridleError } from '../errors.js';
import type { Store } from '../store/open.js';

const groupName = z.string().regex(/^[a-z0-9][a-z0-9._@-]{0,63}$/i, 'group names use letters, digits, ".", "_", "@" and "-"');

/**
 * `approval_chain:` on an action type: steps in order, each needing `quorum` approvals from
 * operators of `group` (any approver when no group). A step that waits past `timeout_s`
 * escalates to the next step (or, on the last, ends with the action type's approval_timeout
 * outcome), or rejects or approves if it says so.
 */
export const approvalChainSchema = z
  .array(
    z
      .object({
        group: groupName.optional(),
        quorum: z.number().int().min(1).max(20).default(1),
        timeout_s: z.number().int().min(1).max(90 * 86_400).optional(),
        on_timeout: z.enum(['escalate', 'reject', 'approve']).default('escalate'),
      })
      .strict(),
  )
  .min(1)
  .max(10)
  .optional();
export type ApprovalChain = NonNullable<z.output<typeof approvalChainSchema>>;

export type VoteOutcome = { outcome: 'approved' | 'rejected' | 'advanced' | 'pending'; step: number; approvals: number; need: number };

/** Where each waiting action is in its chain and the votes cast, kept in the store so restarts lose nothing. */
export class Chains {
  constructor(private readonly store: Store) {}

  async stepOf(actionId: string, now: number): Promise<{ step: number; startedAt: number; remindedAt: number | null }> {
    const r = await this.store.db.selectFrom('approval_steps').selectAll().where('action_id', '=', actionId).executeTakeFirst();
    if (r) return { step: r.step, startedAt: r.started_at, remindedAt: r.reminded_at };
    await this.store.db.insertInto('approval_steps').values({ action_id: actionId, step: 0, started_at: now, reminded_at: null }).onConflict((oc) => oc.column('action_id').doNothing()).execute();
    return this.stepOf(actionId, now);
  }

  /** Records one operator's vote on the current step and says what it decided. */
  async vote(actionId: string, chain: ApprovalChain, voter: { name: string; groups: readonly string[] }, decision: 'approve' | 'reject', paramsHash: string, reason: string | null, now: number, createdAt: number): Promise<VoteOutcome> {
    const { step } = await this.stepOf(actionId, createdAt);
    const s = chain[step]!;
    if (s.group && !voter.groups.includes(s.group)) {
      throw new BridleError('BRIDLE_E_FORBIDDEN', `Step ${step + 1} of this approval needs the ${s.group} group; ${voter.name} is in ${voter.groups.length ? voter.groups.join(', ') : 'no group'}`);
    }
    const cast = await this.store.db
      .insertInto('approval_votes')
      .values({ action_id: actionId, step, operator: voter.name, decision, params_hash: paramsHash, reason, at: now })
      .onConflict((oc) => oc.columns(['action_id', 'step', 'operator', 'params_hash']).doNothing())
      .executeTakeFirst();
    if (Number(cast.numInsertedOrUpdatedRows ?? 0n) !== 1) throw new BridleError('BRIDLE_E_INVALID_STATE', `${voter.name} already voted on step ${step + 1} of ${actionId}; quorum needs different people`);
    if (decision === 'reject') return { outcome: 'rejected', step, approvals: 0, need: s.quorum };
    const votes = await this.store.db.selectFrom('approval_votes').select('operator').where('action_id', '=', actionId).where('step', '=', step).where('decision', '=', 'approve').where('params_hash', '=', paramsHash).execute();
    if (votes.length < s.quorum) return { outcome: 'pending', step, approvals: votes.length, need: s.quorum };
    if (step + 1 >= chain.length) return { outcome: 'approved', step, approvals: votes.length, need: s.quorum };
    await this.advance(actionId, step, now);
    return { outcome: 'advanced', step: step + 1, approvals: votes.length, need: s.quorum };
  }

  /** Moves to the next step only if still on `from` (two instances never both advance). */
  async advance(actionId: string, from: number, now: number): Promise<boolean> {
    const r = await this.store.db.updateTable('approval_steps').set({ step: from + 1, started_at: now, reminded_at: null }).where('action_id', '=', actionId).where('step', '=', from).executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /** Back to the first step (after an edit: votes for the old parameters no longer count, as they carry its hash). */
  async restart(actionId: string, now: number): Promise<void> {
    await this.store.db.updateTable('approval_steps').set({ step: 0, started_at: now, reminded_at: null }).where('action_id', '=', actionId).execute();
  }

  async reminded(actionId: string, now: number): Promise<void> {
    await this.store.db.updateTable('approval_steps').set({ reminded_at: now }).where('action_id', '=', actionId).execute();
  }

  /** The groups an operator account belongs to; none for a name without an account (e.g. the break-glass admin). */
  async groupsOf(operator: string): Promise<string[]> {
    const r = await this.store.db.selectFrom('operators').select('groups').where('name', '=', operator).where('disabled_at', 'is', null).executeTakeFirst();
    return r ? (JSON.parse(r.groups) as string[]) : [];
  }
}
