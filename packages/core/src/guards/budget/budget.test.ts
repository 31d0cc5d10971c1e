import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Bridle } from '../../pipeline/engine.js';
import { parsePolicy, type PolicyIssue } from '../../policy/load.js';
import { BridleError } from '../../errors.js';
import { dialects, testStore, type TestStore } from '../../test-support.js';
import { manualClock } from '../../util/clock.js';
import { memoryLedger, postgresLedger } from './ledger.js';
import { Periods } from './plan.js';

const policy = (extra = '', agent = '{ mode: auto, budget: { daily_usd: 1 } }') => `
guards:
  timezone: Pacific/Auckland
  budgets:
    campaigns:
      launch: { daily_usd: 0.05, lifetime_usd: 0.08 }
${extra}
agents:
  bot: ${agent}
  other: { mode: auto }
actions:
  post: { estimate_usd: 0.01 }
  ad: { estimate_usd: 0.01, budget: { daily_usd: 0.03 } }
`;

const usage = async (t: TestStore, scope: string) => t.store.db.selectFrom('budget_usage').selectAll().where('scope', '=', scope).execute();

describe('Periods', () => {
  it('names days and months in the configured zone, not UTC', () => {
    // 11:30 UTC on 31 Dec is already 1 Jan in Auckland (UTC+13 in summer).
    const at = Date.UTC(2025, 11, 31, 11, 30);
    expect(new Periods('Pacific/Auckland').at(at)).toEqual({ day: 'd:2026-01-01', month: 'm:2026-01' });
    expect(new Periods('UTC').at(at)).toEqual({ day: 'd:2025-12-31', month: 'm:2025-12' });
  });
});

describe('budget configuration errors', () => {
  const issue = (text: string) => {
    try {
      parsePolicy(text);
    } catch (e) {
      expect(e).toBeInstanceOf(BridleError);
      return ((e as BridleError).details?.issues as PolicyIssue[])[0]!;
    }
    throw new Error('expected the policy to be refused');
  };
  it('names the file, line and path of a bad time zone, a negative cap, an unknown window', () => {
    const tz = issue('guards:\n  timezone: Mars/Olympus\nagents: {}\nactions: {}\n');
    expect(tz).toMatchObject({ path: 'guards.timezone', line: 2 });
    expect(tz.message).toMatch(/unknown time zone "Mars\/Olympus".*IANA/);
    expect(issue('agents:\n  bot:\n    budget: { monthly_usd: -1 }\nactions: {}\n')).toMatchObject({ path: 'agents.bot.budget.monthly_usd', line: 3 });
    expect(issue('agents:\n  bot:\n    budget: { weekly_usd: 1 }\nactions: {}\n').path).toBe('agents.bot.budget.weekly_usd');
    expect(issue('agents: {}\nactions:\n  x: { budget: { alert_at: [80] } }\n').message).toMatch(/fractions up to 1/);
  });
});

describe.each(dialects)('budgets on %s', (dialect) => {
  let t: TestStore;
  let bridle: Bridle;
  const clock = manualClock(Date.UTC(2026, 2, 10, 12));
  const open = async (text = policy()) => (bridle = await Bridle.open({ store: t.store, policy: parsePolicy(text), clock }));
  beforeEach(async () => {
    t = await testStore(dialect);
    clock.set(Date.UTC(2026, 2, 10, 12));
  });
  afterEach(async () => {
    await bridle?.close().catch(() => {});
    await t.cleanup();
  });

  it('1,000 concurrent actions racing a cap never spend one micro-dollar past it', async () => {
    await open();
    const all = await Promise.all(Array.from({ length: 1000 }, (_, i) => bridle.submit({ agentId: 'bot', type: 'post', params: { i }, estimatedCostMicroUsd: 3_001 })));
    const ok = all.filter((r) => r.status === 'succeeded');
    expect(ok).toHaveLength(Math.floor(1_000_000 / 3_001));
    expect(all.filter((r) => r.decision?.code === 'budget_exceeded')).toHaveLength(1000 - ok.length);
    const [day] = await usage(t, 'agent:bot');
    expect(day!.spent_micro + day!.reserved_micro).toBeLessThanOrEqual(1_000_000);
    expect(day!.spent_micro).toBe(ok.length * 3_001);
    expect(day!.reserved_micro).toBe(0);
  });

  it('action-type and campaign caps bind across agents; daily, lifetime; an undeclared campaign is tracked', async () => {
    await open();
    const ad = (agentId: string, campaign?: string) => bridle.submit({ agentId, type: 'ad', params: {}, ...(campaign ? { campaign } : {}) });
    // ad: 0.03/day for all agents together.
    const ads = [await ad('bot'), await ad('other'), await ad('bot'), await ad('other')];
    expect(ads.map((r) => r.status)).toEqual(['succeeded', 'succeeded', 'succeeded', 'blocked']);
    expect(ads[3]!.decision?.reason).toMatch(/daily budget of \$0\.03 for action_type:ad/);
    // launch: 0.05/day and 0.08 in all; post costs 0.01.
    const launch = async () => (await bridle.submit({ agentId: 'other', type: 'post', params: {}, campaign: 'launch' })).status;
    const day1 = [];
    for (let i = 0; i < 6; i++) day1.push(await launch());
    expect(day1).toEqual(['succeeded', 'succeeded', 'succeeded', 'succeeded', 'succeeded', 'blocked']);
    clock.advance(24 * 3600_000);
    const day2 = [];
    for (let i = 0; i < 4; i++) day2.push(await launch());
    expect(day2).toEqual(['succeeded', 'succeeded', 'succeeded', 'blocked']);
    const blocked = await bridle.submit({ agentId: 'other', type: 'post', params: {}, campaign: 'launch' });
    expect(blocked.decision?.guards).toMatchObject({ budget: { scope: 'campaign:launch', period: 'life', capMicroUsd: 80_000, spentMicroUsd: 80_000 } });
    expect((await bridle.submit({ agentId: 'other', type: 'post', params: {}, campaign: 'spring' })).status).toBe('succeeded');
    expect((await usage(t, 'campaign:spring'))[0]).toMatchObject({ spent_micro: 10_000 });
  });

  it('soft thresholds alert once per period, degrade is hinted near the cap, and on_cap: pause pauses the agent', async () => {
    await open(policy('', '{ mode: auto, budget: { daily_usd: 0.1, alert_at: [0.5, 0.8], on_cap: pause, degrade_below: 0.25 } }'));
    const events: { kind: string; threshold?: unknown; scope?: unknown }[] = [];
    bridle.onGuard((e) => events.push(e));
    const results = [];
    for (let i = 0; i < 11; i++) results.push(await bridle.submit({ agentId: 'bot', type: 'post', params: { i } }));
    const thresholds = events.filter((e) => e.kind === 'budget.threshold' && e.scope === 'agent:bot').map((e) => e.threshold);
    expect(thresholds).toEqual([0.5, 0.8]);
    expect(results[5]!.decision?.guards).not.toHaveProperty('budget.degrade');
    expect(results[7]!.decision?.guards).toMatchObject({ budget: { degrade: true } });
    expect(results[10]!.decision?.code).toBe('budget_exceeded');
    // The pause follows the durable decision, asynchronously.
    await vi.waitFor(() => expect(bridle.agentState('bot')).toMatchObject({ paused: true, actor: 'budget' }));
    expect((await bridle.submit({ agentId: 'bot', type: 'post', params: {}, estimatedCostMicroUsd: 0 })).decision?.code).toBe('agent_paused');
    expect(events.map((e) => e.kind)).toEqual(expect.arrayContaining(['budget.cap', 'agent.paused']));
  });

  it('a crash between reserve and settle does not leak the reservation', async () => {
    const now = clock.now();
    const counters = [{ scope: 'agent:bot', period: new Periods('Pacific/Auckland').at(now).day, capMicro: 1_000_000 }];
    if (dialect === 'postgres') {
      // The process reserved, then died before recording the action: only the ledger knows.
      await postgresLedger(t.store).reserve('act_lost', counters, 400_000, now - 10 * 60_000);
      expect((await usage(t, 'agent:bot'))[0]!.reserved_micro).toBe(400_000);
    } else {
      // In memory only until the decision commits: the crash takes it away with the process.
      await (await memoryLedger(t.store)).reserve('act_lost', counters, 400_000, now);
    }
    await t.reopen();
    await open();
    const row = (await usage(t, 'agent:bot'))[0];
    expect(row?.reserved_micro ?? 0).toBe(0);
    // The full cap is usable again.
    const r = await bridle.submit({ agentId: 'bot', type: 'post', params: {}, estimatedCostMicroUsd: 1_000_000 });
    expect(r.status).toBe('succeeded');
  });
});

// Invariant 1 for guards: a guard that cannot reach its state denies; it never lets the action through.
describe.runIf(!!process.env.BRIDLE_TEST_PG_URL)('guards whose store is unreachable deny', () => {
  it('a budget or rate-limit store that fails refuses with BRIDLE_E_STORE and nothing executes', async () => {
    const { sql } = await import('kysely');
    const t = await testStore('postgres');
    const text = `agents:\n  bot: { mode: auto, budget: { daily_usd: 1 }, rate: { per_minute: 100 } }\nactions:\n  post: { estimate_usd: 0.01 }\n`;
    const bridle = await Bridle.open({ store: t.store, policy: parsePolicy(text) });
    try {
      expect((await bridle.submit({ agentId: 'bot', type: 'post', params: {} })).status).toBe('succeeded');
      // The rate-limit state goes away first: the limiter cannot answer.
      await sql`alter table rate_state rename to rate_state_gone`.execute(t.store.db);
      await expect(bridle.submit({ agentId: 'bot', type: 'post', params: { n: 2 } })).rejects.toMatchObject({ code: 'BRIDLE_E_STORE', message: expect.stringMatching(/Rate-limit store unreachable/) });
      await sql`alter table rate_state_gone rename to rate_state`.execute(t.store.db);
      await sql`alter table budget_usage rename to budget_usage_gone`.execute(t.store.db);
      await expect(bridle.submit({ agentId: 'bot', type: 'post', params: { n: 3 } })).rejects.toMatchObject({ code: 'BRIDLE_E_STORE', message: expect.stringMatching(/Budget store unreachable/) });
      await sql`alter table budget_usage_gone rename to budget_usage`.execute(t.store.db);
      expect(await t.store.db.selectFrom('outbox').selectAll().execute()).toHaveLength(1);
    } finally {
      await bridle.close();
      await t.cleanup();
    }
  });
});
