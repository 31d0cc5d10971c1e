import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Breakers, breakerOptions } from './index.js';
import { SlidingCounts } from './window.js';
import { Bridle } from '../../pipeline/engine.js';
import { parsePolicy } from '../../policy/load.js';
import { dialects, testStore, type TestStore } from '../../test-support.js';
import { manualClock } from '../../util/clock.js';
import type { Connector } from '../../connectors/types.js';

const opts = (o: Record<string, unknown> = {}) => breakerOptions.parse(o);
const T0 = Date.UTC(2026, 0, 1);

describe('SlidingCounts', () => {
  it('forgets calls older than the window, a bucket at a time', () => {
    const w = new SlidingCounts(300_000, 30);
    for (let i = 0; i < 10; i++) w.add(i % 2 === 0, T0 + i * 1000);
    expect(w.read(T0 + 10_000)).toEqual({ calls: 10, errors: 5 });
    w.add(false, T0 + 200_000);
    expect(w.read(T0 + 200_000)).toEqual({ calls: 11, errors: 6 });
    // 5 minutes after the first burst it has left the window; the later error has not.
    expect(w.read(T0 + 310_000)).toEqual({ calls: 1, errors: 1 });
    expect(w.read(T0 + 10_000_000)).toEqual({ calls: 0, errors: 0 });
  });
});

describe('Breakers', () => {
  it('trips above the error rate only with enough calls, then cools down, probes and closes', () => {
    const b = new Breakers(opts({ min_calls: 20, error_rate: 0.05, cooldown_s: 60, half_open_probes: 2 }));
    const scopes = ['agent:a', 'connector:x'];
    // 19 calls with 5 errors: a high rate, but too few calls to mean anything.
    for (let i = 0; i < 19; i++) expect(b.record(scopes, [], i >= 5, T0 + i)).toEqual([]);
    const trips = b.record(scopes, [], false, T0 + 19);
    expect(trips.map((t) => [t.scope, t.to])).toEqual([['agent:a', 'open'], ['connector:x', 'open']]);
    expect(trips[0]!.reason).toMatch(/6 errors in 20 calls \(30\.0 %\)/);
    const denied = b.admit(scopes, T0 + 30_000);
    expect(denied).toMatchObject({ ok: false, scope: 'agent:a', state: 'open', retryAfterMs: 60_000 + 19 - 30_000 });
    // After the cooldown: two probes get through, a third waits.
    const p1 = b.admit(scopes, T0 + 61_000);
    const p2 = b.admit(scopes, T0 + 61_000);
    expect([p1.ok, p2.ok]).toEqual([true, true]);
    expect(b.admit(scopes, T0 + 61_000)).toMatchObject({ ok: false, state: 'half_open' });
    expect(b.record(scopes, p1.ok ? p1.probe : [], true, T0 + 62_000)).toEqual([]);
    const closed = b.record(scopes, p2.ok ? p2.probe : [], true, T0 + 62_000);
    expect(closed.map((t) => t.to)).toEqual(['closed', 'closed']);
    expect(b.admit(scopes, T0 + 62_001)).toEqual({ ok: true, probe: [] });
  });

  it('a failed probe re-opens for another cooldown; release gives back an unused slot; reset closes by hand', () => {
    const b = new Breakers(opts({ min_calls: 1, cooldown_s: 10, half_open_probes: 1, scopes: ['agent'] }));
    expect(b.record(['agent:a'], [], false, T0)[0]!.to).toBe('open');
    const p = b.admit(['agent:a'], T0 + 10_000);
    expect(p).toEqual({ ok: true, probe: ['agent:a'] });
    b.release(['agent:a']);
    const p2 = b.admit(['agent:a'], T0 + 10_000);
    expect(p2.ok).toBe(true);
    expect(b.record(['agent:a'], ['agent:a'], false, T0 + 11_000)[0]).toMatchObject({ from: 'half_open', to: 'open' });
    expect(b.admit(['agent:a'], T0 + 12_000)).toMatchObject({ ok: false, retryAfterMs: 9_000 });
    expect(b.reset('agent:a', T0 + 12_000)).toMatchObject({ to: 'closed', reason: 'closed by an operator' });
    expect(b.admit(['agent:a'], T0 + 12_000).ok).toBe(true);
    expect(b.reset('agent:a', T0 + 12_000)).toBeNull();
  });

  it('rejects bad options with a message', () => {
    expect(breakerOptions.safeParse({ error_rate: 5 }).error?.issues[0]?.message).toMatch(/fraction below 1/);
    expect(breakerOptions.safeParse({ scopes: ['planet'] }).success).toBe(false);
    expect(breakerOptions.safeParse({ windows_s: 10 }).success).toBe(false);
  });
});

const policy = (breaker: string) => `
guards:
  breaker: ${breaker}
agents:
  bot: { mode: auto }
  other: { mode: auto }
actions:
  send:
    connector: flaky
`;

describe.each(dialects)('circuit breaker in the pipeline on %s', (dialect) => {
  let t: TestStore;
  let bridle: Bridle;
  const clock = manualClock(T0);
  let failing = true;
  const flaky: Connector = { name: 'flaky', execute: async () => { if (failing) throw new Error('503 from upstream'); return { result: 'ok' }; } };
  const open = async (breaker = '{ min_calls: 4, error_rate: 0.5, cooldown_s: 30, half_open_probes: 1 }') =>
    (bridle = await Bridle.open({ store: t.store, policy: parsePolicy(policy(breaker)), connectors: { flaky }, clock }));
  beforeEach(async () => {
    t = await testStore(dialect);
    failing = true;
    clock.set(T0);
  });
  afterEach(async () => {
    await bridle?.close().catch(() => {});
    await t.cleanup();
  });

  it('trips on connector errors, blocks with retryAfter, keeps open across a restart, probes after the cooldown and closes', async () => {
    await open();
    for (let i = 0; i < 4; i++) expect((await bridle.submit({ agentId: 'bot', type: 'send', params: { i } })).status).toBe('failed');
    const blocked = await bridle.submit({ agentId: 'bot', type: 'send', params: { i: 5 } });
    expect(blocked.decision).toMatchObject({ code: 'breaker_open', retryAfterMs: 30_000 });
    // The connector's breaker covers every agent using it.
    expect((await bridle.submit({ agentId: 'other', type: 'send', params: {} })).decision?.code).toBe('breaker_open');
    expect(bridle.breakerStates().map((b) => [b.scope, b.state])).toEqual([['agent:bot', 'open'], ['connector:flaky', 'open']]);
    const audit = await t.store.db.selectFrom('audit').select(['kind', 'body']).where('kind', '=', 'breaker.open').execute();
    expect(audit).toHaveLength(2);
    expect(JSON.parse(audit[0]!.body).data).toMatchObject({ calls: 4, errors: 4, from: 'closed', to: 'open' });

    await bridle.close();
    await t.reopen();
    await open();
    clock.advance(10_000);
    expect((await bridle.submit({ agentId: 'bot', type: 'send', params: {} })).decision).toMatchObject({ code: 'breaker_open', retryAfterMs: 20_000 });

    clock.advance(20_000);
    failing = false;
    const probe = await bridle.submit({ agentId: 'bot', type: 'send', params: { probe: true } });
    expect(probe.status).toBe('succeeded');
    expect(bridle.breakerStates().every((b) => b.state === 'closed')).toBe(true);
    expect((await bridle.submit({ agentId: 'other', type: 'send', params: {} })).status).toBe('succeeded');
  });

  it('an operator can close an open breaker by hand, and that is audited', async () => {
    await open('{ min_calls: 2, error_rate: 0.1, scopes: [agent] }');
    await bridle.submit({ agentId: 'bot', type: 'send', params: {} });
    await bridle.submit({ agentId: 'bot', type: 'send', params: {} });
    expect((await bridle.submit({ agentId: 'bot', type: 'send', params: {} })).decision?.code).toBe('breaker_open');
    failing = false;
    expect(await bridle.resetBreaker('agent:bot', { type: 'operator', id: 'alice' })).toBe(true);
    expect((await bridle.submit({ agentId: 'bot', type: 'send', params: {} })).status).toBe('succeeded');
    const row = await t.store.db.selectFrom('audit').select('body').where('kind', '=', 'breaker.closed').executeTakeFirstOrThrow();
    expect(JSON.parse(row.body)).toMatchObject({ actor: { type: 'operator', id: 'alice' } });
  });

  it('disabled breakers never block', async () => {
    await open('{ enabled: false }');
    for (let i = 0; i < 30; i++) expect((await bridle.submit({ agentId: 'bot', type: 'send', params: { i } })).status).toBe('failed');
    expect(bridle.breakerStates()).toEqual([]);
  });
});
