import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Bridle } from '../../pipeline/engine.js';
import { parsePolicy } from '../../policy/load.js';
import { basePolicy, dialects, testStore, type TestStore } from '../../test-support.js';
import { verifyStore } from '../../audit/store.js';
import { trustedKeysFromDataDir, trustedKeysFromPem } from '../../audit/signer.js';

const admin = { actor: { type: 'operator' as const, id: 'alice' } };
const post = (agentId: string, text = 'hello') => ({ agentId, type: 'social.post', params: { platform: 'x', text } });

describe.each(dialects)('kill switches on %s', (dialect) => {
  let t: TestStore;
  let bridle: Bridle;
  const open = async () => (bridle = await Bridle.open({ store: t.store, policy: parsePolicy(basePolicy) }));
  beforeEach(async () => {
    t = await testStore(dialect);
    await open();
  });
  afterEach(async () => {
    await bridle?.close().catch(() => {});
    await t.cleanup();
  });

  it('a global switch stops every agent and action type, records who and why, and resumes', async () => {
    const { state } = await bridle.setKill({ kind: 'global' }, 'killed', { ...admin, reason: 'incident 42' });
    expect(state).toMatchObject({ scope: 'global', state: 'killed', actor: 'alice', reason: 'incident 42' });
    for (const req of [post('bot'), { agentId: 'bot', type: 'refund', params: { amount: 1 } }]) {
      const r = await bridle.submit(req);
      expect(r.status).toBe('blocked');
      expect(r.decision).toMatchObject({ code: 'kill_switch', guards: { killSwitch: { scope: 'global', actor: 'alice' } } });
      expect(r.decision?.reason).toMatch(/incident 42.*alice/);
    }
    await bridle.setKill({ kind: 'global' }, null, admin);
    expect((await bridle.submit(post('bot'))).status).toBe('succeeded');
    const kinds = (await t.store.db.selectFrom('audit').select('kind').where('agent_id', '=', '_system').execute()).map((r) => r.kind);
    expect(kinds).toEqual(expect.arrayContaining(['global.killed', 'global.resumed']));
  });

  it('an action-type switch stops only that type, for every agent', async () => {
    await bridle.setKill({ kind: 'action_type', id: 'social.post' }, 'killed', { ...admin, reason: 'bad campaign' });
    expect((await bridle.submit(post('bot'))).decision?.code).toBe('kill_switch');
    const refund = await bridle.submit({ agentId: 'bot', type: 'refund', params: { amount: 1 } });
    expect(refund.status).toBe('awaiting_approval');
    await expect(bridle.setKill({ kind: 'action_type', id: 'nope' }, 'killed', admin)).rejects.toMatchObject({ code: 'BRIDLE_E_UNKNOWN_ACTION_TYPE' });
    await expect(bridle.setKill({ kind: 'agent', id: 'nobody' }, 'killed', admin)).rejects.toMatchObject({ code: 'BRIDLE_E_UNKNOWN_AGENT' });
  });

  it('killing cancels the pending approvals of that scope only, releasing their reservations, and approval is refused after', async () => {
    const mine = await bridle.submit({ agentId: 'bot', type: 'refund', params: { amount: 1 } });
    const other = await bridle.submit(post('drafty'));
    expect([mine.status, other.status]).toEqual(['awaiting_approval', 'awaiting_approval']);
    expect(mine.reservedMicroUsd).toBe(100_000);
    const { cancelled } = await bridle.setKill({ kind: 'agent', id: 'bot' }, 'killed', { ...admin, reason: 'runaway' });
    expect(cancelled).toEqual([mine.id]);
    const after = await bridle.get(mine.id);
    expect(after).toMatchObject({ status: 'rejected', reservedMicroUsd: 0, decidedBy: 'alice' });
    expect((await bridle.get(other.id)).status).toBe('awaiting_approval');
    const entry = await t.store.db.selectFrom('audit').select('body').where('action_id', '=', mine.id).where('kind', '=', 'action.rejected').executeTakeFirstOrThrow();
    expect(JSON.parse(entry.body).data).toMatchObject({ cancelledBy: 'agent:bot', reason: expect.stringMatching(/kill switch on agent bot: runaway/) });
    expect((await verifyStore(t.store, trustedKeysFromPem(trustedKeysFromDataDir(t.dataDir)))).ok).toBe(true);
    // The switch was pulled while someone looked at the other agent's action: it is unaffected.
    expect((await bridle.approve(other.id, { operator: 'bob' })).status).toBe('succeeded');
  });

  it('an approval that races the switch is refused and the action stays pending for the cancel', async () => {
    const pending = await bridle.submit({ agentId: 'bot', type: 'refund', params: { amount: 1 } });
    // The switch row lands before the approval; the cancel sweep has not reached this action yet.
    await t.store.db.insertInto('kill_switches').values({ scope: 'agent:bot', state: 'killed', reason: 'race', actor: 'alice', updated_at: Date.now() }).execute();
    await bridle.close();
    await open();
    await expect(bridle.approve(pending.id, { operator: 'bob' })).rejects.toMatchObject({ code: 'BRIDLE_E_INVALID_STATE', message: expect.stringMatching(/agent:bot is killed/) });
    expect((await bridle.get(pending.id)).status).toBe('awaiting_approval');
  });

  it('a pause blocks with its own code and survives a restart until resumed', async () => {
    await bridle.setKill({ kind: 'agent', id: 'bot' }, 'paused', { actor: { type: 'system', id: 'budget' }, reason: 'daily cap reached' });
    expect(bridle.agentState('bot')).toMatchObject({ paused: true, killed: false, actor: 'budget' });
    await bridle.close();
    await t.reopen();
    await open();
    const r = await bridle.submit(post('bot'));
    expect(r.decision).toMatchObject({ code: 'agent_paused' });
    expect(r.decision?.reason).toMatch(/daily cap reached/);
    await bridle.setKill({ kind: 'agent', id: 'bot' }, null, admin);
    expect((await bridle.submit(post('bot'))).status).toBe('succeeded');
  });

  it('during a burst, nothing submitted after the switch returns is allowed', async () => {
    const before = Array.from({ length: 50 }, (_, i) => bridle.submit(post('bot', `burst ${i}`)));
    await bridle.setKill({ kind: 'agent', id: 'bot' }, 'killed', admin);
    const after = await Promise.all(Array.from({ length: 50 }, (_, i) => bridle.submit(post('bot', `late ${i}`))));
    expect(after.every((r) => r.status === 'blocked' && r.decision?.code === 'agent_killed')).toBe(true);
    // Those already past admission finish normally; every one has a decision.
    for (const r of await Promise.all(before)) expect(['succeeded', 'blocked']).toContain(r.status);
  });
});
