import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Bridle } from '../pipeline/engine.js';
import { parsePolicy } from '../policy/load.js';
import { dialects, testStore, type TestStore } from '../test-support.js';
import { manualClock } from '../util/clock.js';

const policy = `
agents:
  bot: { mode: auto }
actions:
  wire:
    approval: always
    approval_chain:
      - { group: finance, quorum: 2, timeout_s: 600 }
      - { group: legal, quorum: 1, timeout_s: 600 }
    approval_reminder_s: 300
`;

describe.each(dialects)('approval chains on %s', (dialect) => {
  let t: TestStore;
  let bridle: Bridle;
  const clock = manualClock(Date.UTC(2026, 6, 1, 9));
  const open = async () => (bridle = await Bridle.open({ store: t.store, policy: parsePolicy(policy), clock }));
  const kinds = async (id: string) => (await t.store.db.selectFrom('audit').select('kind').where('action_id', '=', id).orderBy('ts').orderBy('seq').execute()).map((r) => r.kind);
  beforeEach(async () => {
    t = await testStore(dialect);
    clock.set(Date.UTC(2026, 6, 1, 9));
    const op = (name: string, groups: string[]) => ({ id: `op_${name}`, name, role: 'approver', groups: JSON.stringify(groups), password_hash: null, email: null, slack_user_id: null, created_at: 0, disabled_at: null });
    await t.store.db.insertInto('operators').values([op('ann', ['finance']), op('fay', ['finance']), op('leo', ['legal'])]).execute();
    await open();
  });
  afterEach(async () => {
    await bridle?.close().catch(() => {});
    await t.cleanup();
  });

  it('2 of finance, then 1 of legal: votes are checked by group, counted once each, survive a restart, and execute once', async () => {
    const a = await bridle.submit({ agentId: 'bot', type: 'wire', params: { amount_usd: 25000 } });
    expect((await bridle.approve(a.id, { operator: 'ann', paramsHash: a.paramsHash })).status).toBe('awaiting_approval');
    await expect(bridle.approve(a.id, { operator: 'ann' })).rejects.toMatchObject({ code: 'BRIDLE_E_INVALID_STATE', message: expect.stringMatching(/already voted/) });
    await expect(bridle.approve(a.id, { operator: 'leo' })).rejects.toMatchObject({ code: 'BRIDLE_E_FORBIDDEN', message: expect.stringMatching(/finance/) });
    await bridle.close();
    await t.reopen();
    await open();
    expect((await bridle.approve(a.id, { operator: 'fay' })).status).toBe('awaiting_approval');
    await expect(bridle.approve(a.id, { operator: 'ann' })).rejects.toMatchObject({ code: 'BRIDLE_E_FORBIDDEN', message: expect.stringMatching(/legal/) });
    const done = await bridle.approve(a.id, { operator: 'leo' });
    expect(done).toMatchObject({ status: 'succeeded', decidedBy: 'leo' });
    expect(await t.store.db.selectFrom('outbox').selectAll().where('action_id', '=', a.id).execute()).toHaveLength(1);
    expect(await kinds(a.id)).toEqual(['action.received', 'action.awaiting_approval', 'approval.vote', 'approval.vote', 'approval.step', 'approval.vote', 'action.approved', 'action.executing', 'action.succeeded']);
  });

  it('a rejection by the current step ends it; someone outside the step cannot reject', async () => {
    const a = await bridle.submit({ agentId: 'bot', type: 'wire', params: { amount_usd: 1 } });
    await expect(bridle.reject(a.id, { operator: 'leo', reason: 'no' })).rejects.toMatchObject({ code: 'BRIDLE_E_FORBIDDEN' });
    const r = await bridle.reject(a.id, { operator: 'ann', reason: 'wrong account' });
    expect(r).toMatchObject({ status: 'rejected', decidedBy: 'ann' });
  });

  it('reminds while waiting, escalates a step that times out, and expires at the end of the chain', async () => {
    const events: { kind: string }[] = [];
    bridle.onGuard((e) => events.push(e));
    const a = await bridle.submit({ agentId: 'bot', type: 'wire', params: { amount_usd: 3 } });
    await bridle.approve(a.id, { operator: 'ann' });
    clock.advance(301_000);
    await bridle.expireApprovals();
    await bridle.expireApprovals();
    expect(events.filter((e) => e.kind === 'approval.reminder')).toHaveLength(1);
    clock.advance(300_000);
    await bridle.expireApprovals();
    expect(events.map((e) => e.kind)).toContain('approval.escalated');
    // Now on legal's step: finance cannot act any more.
    await expect(bridle.approve(a.id, { operator: 'fay' })).rejects.toMatchObject({ code: 'BRIDLE_E_FORBIDDEN' });
    clock.advance(601_000);
    expect(await bridle.expireApprovals()).toEqual([a.id]);
    expect((await bridle.get(a.id)).status).toBe('expired');
    expect(await kinds(a.id)).toEqual(expect.arrayContaining(['approval.escalated', 'action.expired']));
  });
});

describe('an edit inside an approval chain', () => {
  it('restarts the chain on the edited parameters, which are what finally runs', async () => {
    const t = await testStore('sqlite');
    const op = (name: string, groups: string[]) => ({ id: `op_${name}`, name, role: 'approver', groups: JSON.stringify(groups), password_hash: null, email: null, slack_user_id: null, created_at: 0, disabled_at: null });
    await t.store.db.insertInto('operators').values([op('ann', ['finance']), op('fay', ['finance']), op('leo', ['legal'])]).execute();
    const bridle = await Bridle.open({ store: t.store, policy: parsePolicy(policy) });
    try {
      const a = await bridle.submit({ agentId: 'bot', type: 'wire', params: { amount_usd: 900 } });
      await bridle.approve(a.id, { operator: 'ann' });
      await bridle.approve(a.id, { operator: 'fay' });
      // On legal's step, leo edits: the chain starts again and finance must approve the new amount.
      const edited = await bridle.approve(a.id, { operator: 'leo', paramsHash: a.paramsHash, params: { amount_usd: 700 } });
      expect(edited.status).toBe('awaiting_approval');
      expect(edited.paramsHash).not.toBe(a.paramsHash);
      await expect(bridle.approve(a.id, { operator: 'leo' })).rejects.toMatchObject({ code: 'BRIDLE_E_FORBIDDEN' });
      await bridle.approve(a.id, { operator: 'ann', paramsHash: edited.paramsHash });
      await bridle.approve(a.id, { operator: 'fay' });
      const done = await bridle.approve(a.id, { operator: 'leo' });
      expect(done).toMatchObject({ status: 'succeeded', params: { amount_usd: 700 } });
      const out = await t.store.db.selectFrom('outbox').select('payload').where('action_id', '=', a.id).execute();
      expect(out.map((r) => JSON.parse(r.payload).params.amount_usd)).toEqual([700]);
    } finally {
      await bridle.close();
      await t.cleanup();
    }
  });
});
