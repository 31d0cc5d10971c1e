import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RateLimiter } from './bucket.js';
import { compileCelKey, rateLimitRule } from './limits.js';
import { msToNextDay, Periods } from '../budget/plan.js';
import { Bridle } from '../../pipeline/engine.js';
import { parsePolicy, type PolicyIssue } from '../../policy/load.js';
import { BridleError } from '../../errors.js';
import { testStore, type TestStore } from '../../test-support.js';
import { manualClock } from '../../util/clock.js';
import type { Connector } from '../../connectors/types.js';

const T0 = Date.UTC(2026, 5, 1, 12);

describe('RateLimiter', () => {
  it('allows a burst up to the limit, then the steady rate, and says when to retry', () => {
    const r = new RateLimiter();
    const l = [{ key: 'agent:a', per_minute: 3 }];
    const day = 'd:2026-06-01';
    for (let i = 0; i < 3; i++) expect(r.take(l, T0, day, () => 0).ok).toBe(true);
    expect(r.take(l, T0, day, () => 0)).toEqual({ ok: false, key: 'agent:a', window: 'per_minute', limit: 3, retryAfterMs: 20_000 });
    expect(r.take(l, T0 + 20_000, day, () => 0).ok).toBe(true);
    expect(r.take(l, T0 + 20_000, day, () => 0).ok).toBe(false);
  });

  it('takes from every limit or from none', () => {
    const r = new RateLimiter();
    const wide = { key: 'global', per_minute: 100 };
    const narrow = { key: 'agent:a', per_minute: 1 };
    expect(r.take([wide, narrow], T0, 'd', () => 0).ok).toBe(true);
    for (let i = 0; i < 5; i++) expect(r.take([wide, narrow], T0, 'd', () => 0).ok).toBe(false);
    // The refusals did not spend the wide bucket: 99 left.
    const v = r.take([wide], T0, 'd', () => 0);
    expect(v.ok && v.numbers[0]).toEqual({ per_minuteRemaining: 98 });
  });

  it('counts a day quota per period and holds concurrency slots until released', () => {
    const r = new RateLimiter();
    const q = [{ key: 'k', per_day: 2, concurrency: 1 }];
    const a = r.take(q, T0, 'd:1', () => 5_000);
    expect(a).toMatchObject({ ok: true, held: ['k'] });
    expect(r.take(q, T0, 'd:1', () => 5_000)).toMatchObject({ ok: false, window: 'concurrency', retryAfterMs: 1000 });
    r.release(['k']);
    expect(r.take(q, T0, 'd:1', () => 5_000).ok).toBe(true);
    r.release(['k']);
    expect(r.take(q, T0, 'd:1', () => 5_000)).toMatchObject({ ok: false, window: 'per_day', retryAfterMs: 5_000 });
    expect(r.take(q, T0, 'd:2', () => 5_000).ok).toBe(true);
  });

  it('knows how long until midnight in the configured zone', () => {
    // 12:00 UTC is 08:00 in New York (EDT): 16 hours to go.
    expect(msToNextDay(new Periods('America/New_York'), T0)).toBe(16 * 3600_000);
    expect(msToNextDay(new Periods('UTC'), T0 + 30_000)).toBe(12 * 3600_000 - 30_000);
  });
});

describe('CEL keys', () => {
  it('computes a key from the action and refuses unknown names and bad syntax at load', () => {
    const k = compileCelKey("agent.id + '/' + params.platform");
    expect(k.ok && k.run({ agent: { id: 'bot', mode: 'auto' }, action: { type: 'post' }, params: { platform: 'x' }, campaign: null })).toBe('bot/x');
    expect(compileCelKey('agnet.id')).toEqual({ ok: false, error: expect.stringMatching(/unknown name agnet \(known: agent, action, params, campaign\)/) });
    expect(compileCelKey('params.platform +')).toMatchObject({ ok: false, error: expect.stringMatching(/does not parse/) });
    expect(rateLimitRule.safeParse({ key: { cel: 'params.x' } }).error?.issues[0]?.message).toMatch(/at least one of per_second/);
  });

  it('fails policy load with the file, line and path of a broken expression', () => {
    const text = `guards:\n  rate_limits:\n    - key: { cel: "agent.id + paramz.platform" }\n      per_minute: 5\nagents: {}\nactions: {}\n`;
    try {
      parsePolicy(text);
      throw new Error('expected a refusal');
    } catch (e) {
      expect(e).toBeInstanceOf(BridleError);
      const issue = ((e as BridleError).details?.issues as PolicyIssue[])[0]!;
      expect(issue).toMatchObject({ path: 'guards.rate_limits.0.key.cel', line: 3 });
      expect(issue.message).toMatch(/paramz/);
    }
  });
});

describe('rate limits in the pipeline', () => {
  let t: TestStore;
  let bridle: Bridle;
  const clock = manualClock(T0);
  let release: (() => void)[] = [];
  const slow: Connector = { name: 'slow', execute: () => new Promise((r) => release.push(() => r({ result: 'ok' }))) };
  beforeEach(async () => {
    t = await testStore('sqlite');
    clock.set(T0);
    release = [];
    const policy = `
guards:
  rate_limits:
    - { name: per-platform, key: { cel: "params.platform" }, per_minute: 2, actions: [post] }
agents:
  bot: { mode: auto, rate: { per_hour: 100 } }
  other: { mode: auto }
actions:
  post: {}
  upload: { connector: slow, rate: { concurrency: 1 } }
`;
    bridle = await Bridle.open({ store: t.store, policy: parsePolicy(policy), connectors: { slow }, clock });
  });
  afterEach(async () => {
    for (const r of release) r();
    await bridle.close().catch(() => {});
    await t.cleanup();
  });

  it('a CEL key limits per platform across agents, with retryAfterMs and the numbers recorded', async () => {
    const post = (agentId: string, platform: string) => bridle.submit({ agentId, type: 'post', params: { platform } });
    expect((await post('bot', 'x')).status).toBe('succeeded');
    expect((await post('other', 'x')).status).toBe('succeeded');
    const third = await post('bot', 'x');
    expect(third.decision).toMatchObject({ code: 'rate_limited', retryAfterMs: 30_000, guards: { rate: { key: 'per-platform:x', window: 'per_minute', limit: 2 } } });
    expect((await post('bot', 'linkedin')).status).toBe('succeeded');
    const ok = await post('other', 'reddit');
    expect(ok.decision?.guards).toMatchObject({ rate: { limits: [{ key: 'per-platform:reddit', per_minuteRemaining: 1 }] } });
  });

  it('concurrency holds a slot until the connector finishes', async () => {
    const first = bridle.submit({ agentId: 'bot', type: 'upload', params: {} });
    await new Promise((r) => setTimeout(r, 20));
    const second = await bridle.submit({ agentId: 'other', type: 'upload', params: {} });
    expect(second.decision).toMatchObject({ code: 'rate_limited', guards: { rate: { window: 'concurrency', key: 'action_type:upload' } } });
    release.shift()!();
    expect((await first).status).toBe('succeeded');
    const third = bridle.submit({ agentId: 'other', type: 'upload', params: {} });
    await new Promise((r) => setTimeout(r, 20));
    release.shift()!();
    expect((await third).status).toBe('succeeded');
  });
});

// Replicas behind a load balancer must enforce one limit, not one each (a known failure of other gateways).
describe.runIf(!!process.env.BRIDLE_TEST_PG_URL)('rate limits shared by two instances on PostgreSQL', () => {
  it('a per-minute bucket and a day quota hold across both instances', async () => {
    const { openStore } = await import('../../store/open.js');
    const t = await testStore('postgres');
    const schema = (await t.store.db.selectNoFrom((eb) => eb.fn<string>('current_schema', []).as('s')).executeTakeFirstOrThrow()).s;
    const second = await openStore({ databaseUrl: process.env.BRIDLE_TEST_PG_URL, pgSchema: schema, dataDir: t.dataDir });
    const text = `agents:\n  bot: { mode: auto, rate: { per_minute: 10 } }\n  quota: { mode: auto, rate: { per_day: 7 } }\nactions:\n  post: {}\n`;
    const a = await Bridle.open({ store: t.store, policy: parsePolicy(text) });
    const b = await Bridle.open({ store: second, policy: parsePolicy(text) });
    try {
      const burst = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).submit({ agentId: 'bot', type: 'post', params: { i } })));
      expect(burst.filter((r) => r.status === 'succeeded')).toHaveLength(10);
      const limited = burst.filter((r) => r.decision?.code === 'rate_limited');
      expect(limited).toHaveLength(30);
      expect(limited.every((r) => (r.decision?.retryAfterMs ?? 0) > 0)).toBe(true);
      const day = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).submit({ agentId: 'quota', type: 'post', params: { i } })));
      expect(day.filter((r) => r.status === 'succeeded')).toHaveLength(7);
    } finally {
      await a.close();
      await b.close();
      await second.close();
      await t.cleanup();
    }
  });
});
