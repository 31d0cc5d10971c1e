import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Bridle } from './engine.js';
import { parsePolicy } from '../policy/load.js';
import { basePolicy, dialects, testStore, type TestStore } from '../test-support.js';
import { verifyStore } from '../audit/store.js';
import { trustedKeysFromDataDir, trustedKeysFromPem } from '../audit/signer.js';
import type { Connector } from '../connectors/types.js';
import { hashJson } from '../json.js';

describe.each(dialects)('pipeline on %s', (dialect) => {
  let t: TestStore;
  let bridle: Bridle;
  const open = async (extra: Record<string, Connector> = {}, text = basePolicy) => {
    bridle = await Bridle.open({ store: t.store, policy: parsePolicy(text), connectors: extra });
    return bridle;
  };
  beforeEach(async () => {
    t = await testStore(dialect);
  });
  afterEach(async () => {
    await bridle?.close().catch(() => {});
    await t.cleanup();
  });

  it('allows and executes a clean post through the outbox, exactly once, with a full audit trail', async () => {
    await open();
    const a = await bridle.submit({ agentId: 'bot', type: 'social.post', params: { platform: 'x', text: 'Hello world' } });
    expect(a.status).toBe('succeeded');
    expect(a.decision?.code).toBe('allowed');
    expect(a.costMicroUsd).toBe(10_000);
    const out = await t.store.db.selectFrom('outbox').selectAll().execute();
    expect(out).toHaveLength(1);
    expect(out[0]!.action_id).toBe(a.id);
    const kinds = (await t.store.db.selectFrom('audit').select('kind').where('action_id', '=', a.id).orderBy('seq').execute()).map((r) => r.kind);
    expect(kinds).toEqual(['action.received', 'action.allowed', 'action.executing', 'action.succeeded']);
    const report = await verifyStore(t.store, trustedKeysFromPem(trustedKeysFromDataDir(t.dataDir)));
    expect(report.ok).toBe(true);
    expect(report.warnings).toEqual([]);
  });

  it('blocks a banned phrase and a too-long post, recording check findings', async () => {
    await open();
    const banned = await bridle.submit({ agentId: 'bot', type: 'social.post', params: { platform: 'x', text: 'GUARANTÉED   returns for all' } });
    expect(banned.status).toBe('blocked');
    expect(banned.decision?.code).toBe('check_failed');
    const f = banned.decision!.checks.find((c) => c.name === 'banned_phrases')!;
    expect(f.passed).toBe(false);
    expect(f.findings[0]!.span).toEqual({ start: 0, end: 20 });
    const long = await bridle.submit({ agentId: 'bot', type: 'social.post', params: { platform: 'x', text: 'a'.repeat(281) } });
    expect(long.status).toBe('blocked');
    expect(long.decision?.reason).toMatch(/max_length/);
    expect(await t.store.db.selectFrom('outbox').selectAll().execute()).toHaveLength(0);
  });

  it('fails closed when a connector throws or hangs, and settles the estimate', async () => {
    const boom: Connector = { name: 'boom', execute: async () => { throw new Error('kaput'); } };
    await open({ boom }, basePolicy.replace('refund:\n    approval: always', 'refund:\n    connector: boom\n    approval: never'));
    const a = await bridle.submit({ agentId: 'bot', type: 'refund', params: { amount: 5 } });
    expect(a.status).toBe('failed');
    expect(a.error?.message).toMatch(/kaput/);
    expect(a.costMicroUsd).toBe(100_000);
  });

  it('reserves the budget exactly under concurrency: never one micro-dollar over the cap', async () => {
    await open();
    // $1 cap, $0.01 each: exactly 100 of 150 concurrent submissions fit.
    const results = await Promise.all(Array.from({ length: 150 }, (_, i) => bridle.submit({ agentId: 'bot', type: 'refund', params: { i }, mode: 'authorize', estimatedCostMicroUsd: 10_000 })));
    const ok = results.filter((r) => r.status === 'awaiting_approval' || r.status === 'allowed');
    expect(ok).toHaveLength(100);
    expect(results.filter((r) => r.decision?.code === 'budget_exceeded')).toHaveLength(50);
  });

  it('needs approval for draft agents and "always" types; approve executes once, a second approve is refused', async () => {
    await open();
    const a = await bridle.submit({ agentId: 'drafty', type: 'social.post', params: { platform: 'linkedin', text: 'Draft post' } });
    expect(a.status).toBe('awaiting_approval');
    const [r1, r2] = await Promise.allSettled([bridle.approve(a.id, { operator: 'alice', paramsHash: a.paramsHash }), bridle.approve(a.id, { operator: 'bob' })]);
    const ok = [r1, r2].filter((r) => r.status === 'fulfilled');
    expect(ok).toHaveLength(1);
    expect((ok[0] as PromiseFulfilledResult<{ status: string }>).value.status).toBe('succeeded');
    expect(await t.store.db.selectFrom('outbox').selectAll().execute()).toHaveLength(1);
    const b = await bridle.submit({ agentId: 'drafty', type: 'social.post', params: { platform: 'x', text: 'Another' } });
    await expect(bridle.approve(b.id, { operator: 'alice', paramsHash: 'deadbeef' })).rejects.toMatchObject({ code: 'BRIDLE_E_PARAMS_CHANGED' });
    const rej = await bridle.reject(b.id, { operator: 'alice', reason: 'off-brand' });
    expect(rej.status).toBe('rejected');
  });

  it('returns the first decision for a repeated idempotency key and never executes twice', async () => {
    await open();
    const req = { agentId: 'bot', type: 'social.post', params: { platform: 'x', text: 'once' }, idempotencyKey: 'k1' };
    const [a, b] = await Promise.all([bridle.submit(req), bridle.submit(req)]);
    const c = await bridle.submit(req);
    expect(a.id).toBe(b.id);
    expect(c.id).toBe(a.id);
    expect(await t.store.db.selectFrom('outbox').selectAll().execute()).toHaveLength(1);
    await expect(bridle.submit({ ...req, params: { platform: 'x', text: 'other' } })).rejects.toMatchObject({ code: 'BRIDLE_E_IDEMPOTENCY_CONFLICT' });
  });

  it('authorize mode: of two concurrent reports exactly one wins, and the loser changes nothing', async () => {
    await open();
    const a = await bridle.submit({ agentId: 'bot', type: 'social.post', params: { platform: 'x', text: 'twice' }, mode: 'authorize' });
    const results = await Promise.allSettled([bridle.report(a.id, 'bot', { outcome: 'succeeded', costMicroUsd: 100 }), bridle.report(a.id, 'bot', { outcome: 'failed', costMicroUsd: 200 })]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.find((r) => r.status === 'rejected')).toMatchObject({ reason: { code: 'BRIDLE_E_INVALID_STATE' } });
    const kinds = (await t.store.db.selectFrom('audit').select('kind').where('action_id', '=', a.id).orderBy('seq').execute()).map((r) => r.kind);
    expect(kinds).toEqual(['action.received', 'action.allowed', 'action.executing', 'action.succeeded']);
    expect((await bridle.get(a.id)).costMicroUsd).toBe(100);
    // A report that loses after the winner's outcome is durable reads the outcome, not the claim.
    await expect(bridle.report(a.id, 'bot', { outcome: 'succeeded' })).rejects.toMatchObject({ code: 'BRIDLE_E_INVALID_STATE' });
  });

  it('authorize mode: the agent reports, cost settles, and the kill switch blocks new actions', async () => {
    await open();
    const a = await bridle.submit({ agentId: 'bot', type: 'social.post', params: { platform: 'x', text: 'self-run' }, mode: 'authorize' });
    expect(a.status).toBe('allowed');
    const done = await bridle.report(a.id, 'bot', { outcome: 'succeeded', costMicroUsd: 1234 });
    expect(done.status).toBe('succeeded');
    expect(done.costMicroUsd).toBe(1234);
    await expect(bridle.report(a.id, 'bot', { outcome: 'succeeded' })).rejects.toMatchObject({ code: 'BRIDLE_E_INVALID_STATE' });
    await expect(bridle.report(a.id, 'drafty', { outcome: 'succeeded' })).rejects.toMatchObject({ code: 'BRIDLE_E_ACTION_NOT_FOUND' });
    await bridle.setKilled('bot', true, { actor: { type: 'operator', id: 'admin' }, reason: 'runaway' });
    const k = await bridle.submit({ agentId: 'bot', type: 'social.post', params: { platform: 'x', text: 'hi' } });
    expect(k.status).toBe('blocked');
    expect(k.decision?.code).toBe('agent_killed');
  });

  it('survives a restart: pending approvals persist and an interrupted execution is marked failed, not re-run', async () => {
    let release!: () => void;
    const hang: Connector = { name: 'hang', execute: () => new Promise((r) => { release = () => r({ result: null }); }) };
    const text = basePolicy.replace('refund:\n    approval: always', 'refund:\n    connector: hang\n    approval: never');
    await open({ hang }, text);
    const pending = await bridle.submit({ agentId: 'drafty', type: 'social.post', params: { platform: 'x', text: 'wait' } });
    const running = bridle.submit({ agentId: 'bot', type: 'refund', params: { amount: 1 } });
    await new Promise((r) => setTimeout(r, 100));
    // Simulate a crash: drop the instance without letting the connector finish.
    await t.reopen();
    // Shared Postgres only recovers actions idle past every connector timeout (another live
    // instance may be running them); age it as a dead instance's action would be.
    if (dialect === 'postgres') await t.store.db.updateTable('actions').set({ updated_at: Date.now() - 10 * 60_000 }).where('status', '=', 'executing').execute();
    await open({ hang }, text);
    const { items } = await bridle.list({ agentId: 'bot', type: 'refund' });
    expect(items[0]!.status).toBe('failed');
    expect(items[0]!.error?.message).toMatch(/outcome is unknown/);
    expect((await bridle.get(pending.id)).status).toBe('awaiting_approval');
    release();
    void running.catch(() => {});
  });
});

describe('policy reload', () => {
  it('swaps in a valid policy and keeps the running one when the new one is invalid', async () => {
    const t = await testStore('sqlite');
    const bridle = await Bridle.open({ store: t.store, policy: parsePolicy(basePolicy) });
    try {
      const v1 = bridle.policy.version;
      const bad = await bridle.reloadPolicy(() => parsePolicy(basePolicy.replace('daily_usd: 1', 'daily_usd: -1')));
      expect(bad.ok).toBe(false);
      expect(bad.error).toMatch(/daily_usd/);
      expect(bridle.policy.version).toBe(v1);
      expect(bridle.lastReload?.ok).toBe(false);
      const good = await bridle.reloadPolicy(() => parsePolicy(basePolicy.replace('daily_usd: 1', 'daily_usd: 2')));
      expect(good.ok).toBe(true);
      expect(bridle.policy.version).not.toBe(v1);
      const a = await bridle.submit({ agentId: 'bot', type: 'social.post', params: { platform: 'x', text: 'after reload' } });
      expect(a.policyVersion).toBe(good.version);
      const kinds = (await t.store.db.selectFrom('audit').select('kind').where('agent_id', '=', '_system').orderBy('seq').execute()).map((r) => r.kind);
      expect(kinds).toEqual(['policy.loaded', 'policy.reload_failed', 'policy.reloaded']);
    } finally {
      await bridle.close();
      await t.cleanup();
    }
  });
});

describe('on_fail: redact and retry_with_feedback', () => {
  const policy = (onFail: string) => `
defaults: { max_retries: 1 }
agents:
  bot: { mode: auto }
actions:
  social.post:
    checks:
      - banned_phrases: { list: [guaranteed returns], on_fail: ${onFail} }
      - max_length: { on_fail: retry_with_feedback }
`;

  it('redact: the action continues with the phrase masked, and only the redacted text is stored', async () => {
    const t = await testStore('sqlite');
    const bridle = await Bridle.open({ store: t.store, policy: parsePolicy(policy('redact')) });
    try {
      const sent = { platform: 'x', text: 'Guaranteed returns on every bag!' };
      const a = await bridle.submit({ agentId: 'bot', type: 'social.post', params: sent, idempotencyKey: 'r1' });
      expect(a.status).toBe('succeeded');
      expect(a.params).toEqual({ platform: 'x', text: '*** on every bag!' });
      expect(a.decision?.redactedFrom).toBe(hashJson(sent));
      expect(a.decision?.redactions?.[0]?.check).toBe('banned_phrases');
      expect(a.decision?.checks.every((c) => c.passed)).toBe(true);
      // What the agent sent is never stored: not in the audit, the action row or the outbox.
      const audit = (await t.store.db.selectFrom('audit').select('body').execute()).map((r) => r.body).join('\n');
      const rows = JSON.stringify(await t.store.db.selectFrom('actions').selectAll().execute()) + JSON.stringify(await t.store.db.selectFrom('outbox').selectAll().execute());
      expect(audit + rows).not.toContain(sent.text);
      const received = JSON.parse((await t.store.db.selectFrom('audit').select('body').where('kind', '=', 'action.received').executeTakeFirstOrThrow()).body);
      expect(received.data.params.text).toBe('*** on every bag!');
      expect(rows).not.toMatch(/Guaranteed returns on/i);
      // An idempotent retry of the original request is the same action, not a conflict.
      expect((await bridle.submit({ agentId: 'bot', type: 'social.post', params: sent, idempotencyKey: 'r1' })).id).toBe(a.id);
    } finally {
      await bridle.close();
      await t.cleanup();
    }
  });

  it('retry_with_feedback: the agent gets the findings, may revise up to max_retries, then the block is final', async () => {
    const t = await testStore('sqlite');
    const bridle = await Bridle.open({ store: t.store, policy: parsePolicy(policy('retry_with_feedback')) });
    try {
      const first = await bridle.submit({ agentId: 'bot', type: 'social.post', params: { platform: 'x', text: 'Guaranteed returns!' } });
      expect(first.status).toBe('blocked');
      expect(first.decision?.code).toBe('needs_revision');
      expect(first.decision?.feedback?.findings[0]).toMatchObject({ check: 'banned_phrases', findings: [{ span: { start: 0, end: 18 } }] });
      expect(first.decision?.feedback?.revisionsLeft).toBe(0);
      const second = await bridle.submit({ agentId: 'bot', type: 'social.post', params: { platform: 'x', text: 'Guaranteed   returns, really!' }, revisionOf: first.id });
      expect(second.decision).toMatchObject({ code: 'check_failed', revision: 1, revisionOf: first.id });
      expect(second.decision?.reason).toMatch(/no revisions left/);
      await expect(bridle.submit({ agentId: 'bot', type: 'social.post', params: { platform: 'x', text: 'ok' }, revisionOf: second.id })).rejects.toMatchObject({ code: 'BRIDLE_E_INVALID_STATE' });
      const fixed = await bridle.submit({ agentId: 'bot', type: 'social.post', params: { platform: 'x', text: 'Great coffee, honestly.' }, revisionOf: first.id });
      expect(fixed.status).toBe('succeeded');
    } finally {
      await bridle.close();
      await t.cleanup();
    }
  });
});
