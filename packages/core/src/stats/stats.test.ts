import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { Bridle } from '../pipeline/engine.js';
import { parsePolicy } from '../policy/load.js';
import { manualClock } from '../util/clock.js';
import { dialects, testStore, type TestStore } from '../test-support.js';
import { overviewSeries } from './overview.js';
import { spendByScope } from './spend.js';
import { outboxPage, recentAlerts } from './feeds.js';

const policy = `
agents:
  bot:
    mode: auto
    budget: { daily_usd: 1, monthly_usd: 10 }
    rate: { per_minute: 1000 }
  drafty:
    mode: draft
guards:
  budgets:
    campaigns:
      launch: { daily_usd: 2 }
actions:
  social.post:
    connector: outbox
    estimate_usd: 0.01
    checks:
      - banned_phrases: { list: [guaranteed returns] }
`;

describe.each(dialects)('dashboard read models on %s', (dialect) => {
  let t: TestStore;
  let bridle: Bridle;
  const clock = manualClock(Date.UTC(2026, 2, 10, 12, 0, 30));
  beforeEach(async () => {
    clock.set(Date.UTC(2026, 2, 10, 12, 0, 30));
    t = await testStore(dialect);
    bridle = await Bridle.open({ store: t.store, policy: parsePolicy(policy), clock });
  });
  afterEach(async () => {
    await bridle.close().catch(() => {});
    await t.cleanup();
  });
  const post = (agentId: string, text: string, campaign?: string) => bridle.submit({ agentId, type: 'social.post', params: { platform: 'x', text }, ...(campaign ? { campaign } : {}) });

  it('buckets actions per minute, zero-filled and oldest first, with block and error rates', async () => {
    await post('bot', 'hello');
    await post('bot', 'guaranteed returns!');
    clock.advance(60_000);
    await post('bot', 'again', 'launch');
    const pending = await post('drafty', 'for a human');
    expect(pending.status).toBe('awaiting_approval');
    clock.advance(45_000);
    await bridle.approve(pending.id, { operator: 'ann' });
    const s = await overviewSeries(t.store, clock.now(), 5);
    expect(s.bucketMs).toBe(60_000);
    expect(s.points).toHaveLength(5);
    expect(s.points.map((p) => p.t)).toEqual([...s.points.map((p) => p.t)].sort((a, b) => a - b));
    const nonzero = s.points.filter((p) => p.actions > 0);
    expect(nonzero.map((p) => [p.actions, p.allowed, p.blocked])).toEqual([
      [2, 1, 1],
      [2, 2, 0],
    ]);
    expect(nonzero[0]!.spendMicroUsd).toBe(10_000);
    const decidedAt = s.points.find((p) => p.approvalsDecided > 0)!;
    expect(decidedAt.approvalsDecided).toBe(1);
    expect(decidedAt.approvalLatencyMsP50).toBe(45_000);
    expect(s.totals).toEqual({ actions: 4, blockRate: 0.25, errorRate: 0, pendingApprovals: 0 });
    // The window moves on: an hour later the same actions are out of a 5-minute view.
    expect((await overviewSeries(t.store, clock.now() + 3_600_000, 5)).totals.actions).toBe(0);
    expect((await overviewSeries(t.store, clock.now(), 99999)).points).toHaveLength(1440);
  });

  it('reports spend per budget scope today and this month against the caps', async () => {
    await post('bot', 'one');
    await post('bot', 'two', 'launch');
    // Yesterday's spend counts for the month but not for today.
    await t.store.db.insertInto('budget_usage').values({ scope: 'agent:drafty', period: 'd:2026-03-09', spent_micro: 7, reserved_micro: 0 }).execute();
    await t.store.db.insertInto('budget_usage').values({ scope: 'agent:drafty', period: 'd:2026-02-28', spent_micro: 1000, reserved_micro: 0 }).execute();
    const rows = await spendByScope(t.store, bridle.policy, clock.now());
    const by = Object.fromEntries(rows.map((r) => [r.scope, r]));
    expect(by['agent:bot']).toEqual({ scope: 'agent:bot', kind: 'agent', name: 'bot', today: { spentMicroUsd: 20_000, capMicroUsd: 1_000_000 }, month: { spentMicroUsd: 20_000, capMicroUsd: 10_000_000 } });
    expect(by['campaign:launch']).toMatchObject({ kind: 'campaign', name: 'launch', today: { spentMicroUsd: 10_000, capMicroUsd: 2_000_000 }, month: { spentMicroUsd: 10_000, capMicroUsd: null } });
    expect(by['agent:drafty']).toMatchObject({ today: { spentMicroUsd: 0, capMicroUsd: null }, month: { spentMicroUsd: 7, capMicroUsd: null } });
  });

  it('pages the outbox newest first by agent, with the platform for previews', async () => {
    for (let i = 0; i < 5; i++) {
      clock.advance(10);
      await post('bot', `post ${i}`);
    }
    const first = await outboxPage(t.store, { agentId: 'bot', limit: 2 });
    expect(first.items.map((i) => i.params.text)).toEqual(['post 4', 'post 3']);
    expect(first.items[0]).toMatchObject({ agentId: 'bot', type: 'social.post', platform: 'x' });
    const second = await outboxPage(t.store, { agentId: 'bot', limit: 2, after: first.next! });
    expect(second.items.map((i) => i.params.text)).toEqual(['post 2', 'post 1']);
    const last = await outboxPage(t.store, { agentId: 'bot', limit: 2, after: second.next! });
    expect(last.items.map((i) => i.params.text)).toEqual(['post 0']);
    expect(last.next).toBeNull();
    expect((await outboxPage(t.store, { agentId: 'drafty' })).items).toEqual([]);
  });

  it('folds alert rows into one item per alert, newest first, with an overall status', async () => {
    const row = (id: string, alertId: string, channel: string, status: 'pending' | 'sent' | 'dead' | 'suppressed', at: number) => ({
      id,
      channel,
      dedupe_key: 'k',
      severity: 'warning',
      payload: JSON.stringify({ id: alertId, kind: 'budget.threshold', severity: 'warning', title: `t ${alertId}`, text: 'x', agentId: 'bot', fields: {}, dedupeKey: 'k', at }),
      status,
      attempts: 0,
      next_attempt_at: at,
      last_error: status === 'dead' ? 'HTTP 500' : null,
      created_at: at,
      sent_at: null,
    });
    await t.store.db.insertInto('alerts').values([row('r1', 'a1', 'slack', 'sent', 1000), row('r2', 'a1', 'mail', 'dead', 1000), row('r3', 'a2', 'slack', 'dead', 2000), row('r4', 'a3', 'slack', 'pending', 3000)]).execute();
    const items = await recentAlerts(t.store, { limit: 10 });
    expect(items.map((i) => [i.id, i.status, i.channels.length])).toEqual([
      ['a3', 'pending', 1],
      ['a2', 'failed', 1],
      ['a1', 'sent', 2],
    ]);
    expect(items[0]).toMatchObject({ kind: 'budget.threshold', title: 't a3', agentId: 'bot', createdAt: 3000 });
    expect((await recentAlerts(t.store, { limit: 2 })).map((i) => i.id)).toEqual(['a3', 'a2']);
    expect((await recentAlerts(t.store, { since: 1000 })).map((i) => i.id)).toEqual(['a2', 'a3']);
  });

  it('counts pending approvals', async () => {
    await post('drafty', 'a');
    await post('drafty', 'b');
    expect((await overviewSeries(t.store, clock.now(), 1)).totals.pendingApprovals).toBe(2);
    const n = await sql<{ n: number }>`select count(*) as n from sessions`.execute(t.store.db);
    expect(Number(n.rows[0]!.n)).toBe(0);
  });
});
