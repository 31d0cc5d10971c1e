import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Bridle } from '../../pipeline/engine.js';
import { parsePolicy } from '../../policy/load.js';
import { dialects, testStore, type TestStore } from '../../test-support.js';
import { manualClock } from '../../util/clock.js';

const policy = (extra = '') => `
guards:
  anomaly: { cold_start_max_per_minute: 20, min_history_minutes: 60${extra} }
agents:
  bot: { mode: auto }
  calm: { mode: auto }
actions:
  post: {}
`;

describe.each(dialects)('anomaly detection in the pipeline on %s', (dialect) => {
  let t: TestStore;
  let bridle: Bridle;
  const clock = manualClock(Date.UTC(2026, 3, 1, 9));
  const open = async (text = policy()) => (bridle = await Bridle.open({ store: t.store, policy: parsePolicy(text), clock }));
  beforeEach(async () => {
    t = await testStore(dialect);
    clock.set(Date.UTC(2026, 3, 1, 9));
  });
  afterEach(async () => {
    await bridle?.close().catch(() => {});
    await t.cleanup();
  });

  it('a burst from a new agent pauses it within seconds, records the numbers and raises an event; others carry on', async () => {
    await open();
    const events: { kind: string }[] = [];
    bridle.onGuard((e) => events.push(e));
    const results = [];
    // 2 actions a second: 40 in 20 s, against a cold-start ceiling of 20 a minute.
    for (let i = 0; i < 40; i++) {
      results.push(await bridle.submit({ agentId: 'bot', type: 'post', params: { i } }));
      clock.advance(500);
    }
    const first = results.findIndex((r) => r.decision?.code === 'anomaly_detected');
    expect(first).toBeGreaterThanOrEqual(20);
    expect(first).toBeLessThanOrEqual(21);
    expect(results[first]!.decision?.guards).toMatchObject({ anomaly: { metric: 'rate', phase: 'cold_start' } });
    await vi.waitFor(() => expect(bridle.agentState('bot')).toMatchObject({ paused: true, actor: 'anomaly' }));
    expect(results.slice(first + 1).every((r) => ['anomaly_detected', 'agent_paused'].includes(r.decision!.code))).toBe(true);
    expect(events.map((e) => e.kind)).toEqual(expect.arrayContaining(['anomaly.rate', 'agent.paused']));
    expect((await bridle.submit({ agentId: 'calm', type: 'post', params: {} })).status).toBe('succeeded');
  });

  it('on_anomaly: alert only alerts; the learned baseline survives a restart', async () => {
    await open(policy(', on_anomaly: alert'));
    for (let i = 0; i < 30; i++) {
      await bridle.submit({ agentId: 'bot', type: 'post', params: { i } });
      clock.advance(500);
    }
    expect(bridle.agentState('bot').paused).toBe(false);
    const before = bridle.anomalyBaseline('bot');
    expect(before?.rate).toBeDefined();
    await bridle.close();
    await t.reopen();
    await open(policy(', on_anomaly: alert'));
    expect(bridle.anomalyBaseline('bot')).toEqual(before);
  });
});
