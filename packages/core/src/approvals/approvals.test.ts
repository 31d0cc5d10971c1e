import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Bridle } from '../pipeline/engine.js';
import { parsePolicy, type PolicyIssue } from '../policy/load.js';
import { BridleError } from '../errors.js';
import { dialects, testStore, type TestStore } from '../test-support.js';
import { manualClock } from '../util/clock.js';

const policy = `
agents:
  bot: { mode: auto, budget: { daily_usd: 10 } }
  newbie: {}
actions:
  refund:
    estimate_usd: 1
    approval: { when: "params.amount_usd > 10000 || checks.min_score < 0.9" }
    approval_timeout: { after_s: 60 }
    checks:
      - sentiment: { min_score: -5, on_fail: warn }
  email.send:
    approval: { when: "novel" }
    approval_timeout: { after_s: 60, outcome: approve }
  social.post:
    approval: { when: "checks.competitors.failed" }
    checks:
      - competitors: { names: [Acme], on_fail: warn }
      - banned_phrases: { list: [guaranteed returns] }
`;

describe.each(dialects)('approval rules on %s', (dialect) => {
  let t: TestStore;
  let bridle: Bridle;
  const clock = manualClock(Date.UTC(2026, 4, 4, 10));
  const open = async () => (bridle = await Bridle.open({ store: t.store, policy: parsePolicy(policy), clock }));
  beforeEach(async () => {
    t = await testStore(dialect);
    clock.set(Date.UTC(2026, 4, 4, 10));
    await open();
  });
  afterEach(async () => {
    await bridle?.close().catch(() => {});
    await t.cleanup();
  });

  it('a CEL rule over params and check results routes only the risky actions to a human', async () => {
    const small = await bridle.submit({ agentId: 'bot', type: 'refund', params: { amount_usd: 50 } });
    expect(small.status).toBe('succeeded');
    const big = await bridle.submit({ agentId: 'bot', type: 'refund', params: { amount_usd: 12000 } });
    expect(big.status).toBe('awaiting_approval');
    expect(big.decision?.reason).toMatch(/rule: params\.amount_usd > 10000/);
    const plain = await bridle.submit({ agentId: 'bot', type: 'social.post', params: { text: 'We shipped the importer.' } });
    expect(plain.status).toBe('succeeded');
    const rival = await bridle.submit({ agentId: 'bot', type: 'social.post', params: { text: 'Faster than Acme, finally.' } });
    expect(rival.status).toBe('awaiting_approval');
    expect(rival.decision?.reason).toMatch(/checks\.competitors\.failed/);
  });

  it('novel: the first email to a recipient waits; once one succeeded, the next to them does not', async () => {
    const first = await bridle.submit({ agentId: 'bot', type: 'email.send', params: { to: 'Ana@Example.com', text: 'hi' } });
    expect(first.decision?.reason).toMatch(/\(novel\)/);
    await bridle.approve(first.id, { operator: 'alice' });
    expect((await bridle.submit({ agentId: 'bot', type: 'email.send', params: { to: 'ana@example.com', text: 'again' } })).status).toBe('succeeded');
    expect((await bridle.submit({ agentId: 'bot', type: 'email.send', params: { to: 'bo@example.com', text: 'hi' } })).status).toBe('awaiting_approval');
  });

  it('a rule that does not compile, or names an unknown variable, fails at load with its line', () => {
    const bad = policy.replace('params.amount_usd > 10000 || checks.min_score < 0.9', 'paramz.amount > 1');
    try {
      parsePolicy(bad);
      throw new Error('expected a refusal');
    } catch (e) {
      expect(e).toBeInstanceOf(BridleError);
      const issue = ((e as BridleError).details?.issues as PolicyIssue[])[0]!;
      expect(issue).toMatchObject({ path: 'actions.refund.approval.when', line: 8 });
      expect(issue.message).toMatch(/unknown name paramz/);
    }
  });

  it('mode switches at run time, is audited, survives a restart, and the default for a new agent is draft', async () => {
    expect((await bridle.submit({ agentId: 'newbie', type: 'refund', params: { amount_usd: 1 } })).decision).toMatchObject({ code: 'approval_required', agentMode: 'draft' });
    await bridle.setMode('newbie', 'auto', { actor: { type: 'operator', id: 'alice' }, reason: 'trusted now' });
    expect((await bridle.submit({ agentId: 'newbie', type: 'refund', params: { amount_usd: 1 } })).decision).toMatchObject({ code: 'allowed', agentMode: 'auto' });
    await bridle.close();
    await t.reopen();
    await open();
    expect(bridle.modeOf('newbie')).toBe('auto');
    const entry = await t.store.db.selectFrom('audit').select('body').where('kind', '=', 'agent.mode').executeTakeFirstOrThrow();
    expect(JSON.parse(entry.body)).toMatchObject({ actor: { id: 'alice' }, data: { mode: 'auto', previous: 'draft', reason: 'trusted now' } });
  });

  it('an edit is re-verified and re-hashed, then the edited content executes exactly once', async () => {
    const a = await bridle.submit({ agentId: 'bot', type: 'social.post', params: { text: 'Better than Acme.' } });
    expect(a.status).toBe('awaiting_approval');
    // An edit that a check blocks is refused, and the action keeps waiting.
    await expect(bridle.approve(a.id, { operator: 'alice', paramsHash: a.paramsHash, params: { text: 'guaranteed returns!' } })).rejects.toMatchObject({ code: 'BRIDLE_E_VALIDATION' });
    expect((await bridle.get(a.id)).status).toBe('awaiting_approval');
    // A hash that is not what was shown is refused.
    await expect(bridle.approve(a.id, { operator: 'alice', paramsHash: 'sha256:stale', params: { text: 'x' } })).rejects.toMatchObject({ code: 'BRIDLE_E_PARAMS_CHANGED' });
    const done = await bridle.approve(a.id, { operator: 'alice', paramsHash: a.paramsHash, params: { text: 'Our own importer, now 6x faster.' } });
    expect(done).toMatchObject({ status: 'succeeded', decidedBy: 'alice' });
    // A second approval of the original finds it already decided: no second execution.
    await expect(bridle.approve(a.id, { operator: 'bob', paramsHash: a.paramsHash })).rejects.toMatchObject({ code: 'BRIDLE_E_INVALID_STATE' });
    const out = await t.store.db.selectFrom('outbox').select('payload').where('action_id', '=', a.id).execute();
    expect(out).toHaveLength(1);
    expect(JSON.parse(out[0]!.payload)).toMatchObject({ params: { text: 'Our own importer, now 6x faster.' } });
    expect(done.paramsHash).not.toBe(a.paramsHash);
    const edited = await t.store.db.selectFrom('audit').select('body').where('action_id', '=', a.id).where('kind', '=', 'approval.edited').executeTakeFirstOrThrow();
    expect(JSON.parse(edited.body)).toMatchObject({ actor: { id: 'alice' }, data: { fromHash: a.paramsHash, toHash: done.paramsHash } });
  });

  it('approvals time out: reject by default (reservation released), or approve when configured; a restart loses nothing', async () => {
    const refund = await bridle.submit({ agentId: 'bot', type: 'refund', params: { amount_usd: 20000 } });
    const email = await bridle.submit({ agentId: 'bot', type: 'email.send', params: { to: 'new@example.com' } });
    expect(refund.reservedMicroUsd).toBe(1_000_000);
    await bridle.close();
    await t.reopen();
    clock.advance(61_000);
    await open();
    expect(await bridle.get(refund.id)).toMatchObject({ status: 'expired', reservedMicroUsd: 0 });
    expect(await bridle.get(email.id)).toMatchObject({ status: 'succeeded', decidedBy: 'bridle' });
    const usage = await t.store.db.selectFrom('budget_usage').selectAll().where('scope', '=', 'agent:bot').execute();
    expect(usage.reduce((s, r) => s + r.reserved_micro, 0)).toBe(0);
  });

  it('no one approves an action they submitted', async () => {
    const a = await bridle.submit({ agentId: 'bot', type: 'refund', params: { amount_usd: 20000 } }, { type: 'operator', id: 'alice' });
    await expect(bridle.approve(a.id, { operator: 'alice' })).rejects.toMatchObject({ code: 'BRIDLE_E_FORBIDDEN' });
    expect((await bridle.approve(a.id, { operator: 'bob' })).status).toBe('succeeded');
  });
});
