import { describe, expect, it } from 'vitest';
import { BridleError } from '../../errors.js';
import { anomalyOptions, createAnomalyDetector, type AnomalyDetector, type AnomalyVerdict } from './index.js';
import { mulberry32 } from '../../util/random.js';

const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 5); // a Monday, 00:00 UTC


interface Event {
  at: number;
  costMicro: number;
}

/**
 * Poisson arrivals with rate `perHour(t)` over [from, to), by thinning a process at `maxPerHour`.
 * Costs are drawn around `cost(t)` (±50 %).
 */
function poisson(seed: number, from: number, to: number, maxPerHour: number, perHour: (t: number) => number, cost: (t: number) => number = () => 2_000): Event[] {
  const rand = mulberry32(seed);
  const out: Event[] = [];
  for (let t = from - (Math.log(1 - rand()) * HOUR) / maxPerHour; t < to; t -= (Math.log(1 - rand()) * HOUR) / maxPerHour) {
    if (rand() * maxPerHour < perHour(t)) out.push({ at: Math.floor(t), costMicro: Math.max(1, Math.round(cost(t) * (0.5 + rand()))) });
  }
  return out;
}

function merge(...lists: Event[][]): Event[] {
  return lists.flat().sort((a, b) => a.at - b.at);
}

function replay(d: AnomalyDetector, agent: string, events: Event[]): AnomalyVerdict[] {
  const out: AnomalyVerdict[] = [];
  for (const e of events) {
    const v = d.observe(agent, e);
    if (v) out.push(v);
  }
  return out;
}

/** 50 an hour on average, peaking at 2× the mean at 14:00 UTC and 0.3× at night. */
const diurnal50 = (t: number): number => 50 * (1 + 0.7 * Math.cos((2 * Math.PI * ((t - T0) / HOUR - 14)) / 24));

describe('anomaly: clean traffic raises nothing', () => {
  it('steady Poisson traffic at 50/hour for a week', () => {
    const d = createAnomalyDetector();
    const events = poisson(1, T0, T0 + 7 * DAY, 50, () => 50);
    expect(events.length).toBeGreaterThan(7 * 24 * 45);
    expect(replay(d, 'steady', events)).toEqual([]);
    const s = d.state('steady')!;
    expect(s.phase).toBe('learned');
    expect(s.rate.levelPerMinute).toBeGreaterThan(45 / 60);
    expect(s.rate.levelPerMinute).toBeLessThan(55 / 60);
  });

  it('an ordinary daily peak (2× the mean in the afternoon, 0.3× at night) for a week', () => {
    const d = createAnomalyDetector();
    expect(replay(d, 'diurnal', poisson(2, T0, T0 + 7 * DAY, 100, diurnal50))).toEqual([]);
    // The learned profile has found the afternoon peak and the night trough.
    const profile = d.state('diurnal')!.rate.profile;
    expect(profile[14]!).toBeGreaterThan(1.4);
    expect(profile[2]!).toBeLessThan(0.6);
  });

  it('a gradual 2× ramp over a day, then a day at 2×, at medium sensitivity', () => {
    const d = createAnomalyDetector({ sensitivity: 'medium' });
    const start = T0 + 3 * DAY;
    const rate = (t: number) => (t < start ? 50 : 50 * (1 + Math.min(1, (t - start) / DAY)));
    expect(replay(d, 'ramp', poisson(3, T0, T0 + 5 * DAY, 100, rate))).toEqual([]);
  });

  it('a quiet agent does not alarm on a handful of calls (min_events floor)', () => {
    const events = poisson(4, T0, T0 + 3 * DAY, 1, () => 1);
    const at = T0 + 3 * DAY + HOUR;
    // One call an hour, then 9 in a minute: 540× the rate, but too few to mean anything.
    const burst = Array.from({ length: 9 }, (_, i) => ({ at: at + i * 5_000, costMicro: 2_000 }));
    expect(replay(createAnomalyDetector(), 'quiet', merge(events, burst))).toEqual([]);
    // Without the floor, the statistics alone would call it.
    const bare = replay(createAnomalyDetector({ min_events: 1, min_rate_per_minute: 0 }), 'quiet', merge(events, burst));
    expect(bare.length).toBeGreaterThan(0);
    expect(bare.every((v) => v.metric === 'rate' && v.observed <= 9)).toBe(true);
  });
});

describe('anomaly: bursts are caught', () => {
  const history = poisson(5, T0, T0 + 3 * DAY, 50, () => 50);
  const at = T0 + 3 * DAY + 10 * HOUR;

  it('5,000 calls in 10 minutes against a 50/hour baseline trips within seconds', () => {
    const d = createAnomalyDetector();
    expect(replay(d, 'bot', history)).toEqual([]);
    const burst = poisson(6, at, at + 10 * MIN, 30_000, () => 30_000);
    const after = poisson(7, at, at + 10 * MIN, 50, () => 50);
    const verdicts = replay(d, 'bot', merge(burst, after));
    expect(verdicts.length).toBeGreaterThan(0);
    // Spend may cross first (the calls cost money too); the rate verdict must follow within seconds.
    expect(verdicts[0]!.at - at).toBeLessThanOrEqual(10_000); // simulated milliseconds
    const first = verdicts.find((v) => v.metric === 'rate')!;
    expect(first.at - at).toBeLessThanOrEqual(10_000);
    expect(first).toMatchObject({ agentId: 'bot', metric: 'rate', phase: 'learned' });
    expect(['10s', '1m']).toContain(first.window);
    expect(first.observed).toBeGreaterThan(first.threshold);
    expect(first.threshold).toBeGreaterThan(first.baseline);
    expect(first.zScore).toBeGreaterThan(5);
    expect(first.reason).toMatch(/actions in the last (10s|1m); this agent's baseline/);
  });

  it('100× for 10 minutes against a 50/hour Poisson baseline trips within half a minute', () => {
    const d = createAnomalyDetector();
    replay(d, 'bot', history);
    const verdicts = replay(d, 'bot', merge(poisson(28, at, at + 10 * MIN, 5_000, () => 5_000), poisson(29, at, at + 10 * MIN, 50, () => 50)));
    expect(verdicts.length).toBeGreaterThan(0);
    expect(verdicts[0]!.at - at).toBeLessThanOrEqual(30_000);
  });

  it('a 10× hour against the same baseline trips before the hour is out', () => {
    const d = createAnomalyDetector();
    replay(d, 'bot', history);
    const verdicts = replay(d, 'bot', poisson(8, at, at + HOUR, 500, () => 500));
    expect(verdicts.length).toBeGreaterThan(0);
    expect(verdicts[0]!.at - at).toBeLessThan(HOUR);
  });

  it('a spend spike at a flat rate trips on spend, not on rate', () => {
    const d = createAnomalyDetector();
    replay(d, 'spender', poisson(9, T0, T0 + 3 * DAY, 200, () => 200, () => 5_000));
    // Same 200 calls an hour, each now 20× dearer (a bigger model, a runaway context window).
    const verdicts = replay(d, 'spender', poisson(10, at, at + HOUR, 200, () => 200, () => 100_000));
    expect(verdicts.length).toBeGreaterThan(0);
    expect(verdicts.every((v) => v.metric === 'spend')).toBe(true);
    expect(verdicts[0]!.reason).toMatch(/^\$[\d.]+ spent in the last/);
    expect(Number.isInteger(verdicts[0]!.baseline) && Number.isInteger(verdicts[0]!.threshold)).toBe(true);
  });

  it('spend can be switched off', () => {
    const d = createAnomalyDetector({ spend: false });
    replay(d, 'spender', poisson(9, T0, T0 + 3 * DAY, 200, () => 200, () => 5_000));
    expect(replay(d, 'spender', poisson(10, at, at + HOUR, 200, () => 200, () => 100_000))).toEqual([]);
    expect(d.state('spender')!.spend).toBeNull();
  });
});

describe('anomaly: cold start', () => {
  it('a new agent is held to cold_start_max_per_minute until min_history_minutes have passed', () => {
    const d = createAnomalyDetector({ cold_start_max_per_minute: 30, min_history_minutes: 60 });
    // 25 calls in each of the first minutes: under the ceiling, and there is no baseline to judge by.
    const ok = Array.from({ length: 5 * 25 }, (_, i) => ({ at: T0 + Math.floor((i * MIN) / 25), costMicro: 1_000 }));
    expect(replay(d, 'new', ok)).toEqual([]);
    expect(d.state('new')!.phase).toBe('cold_start');
    // 31 in one minute: over the ceiling.
    const over = Array.from({ length: 31 }, (_, i) => ({ at: T0 + 10 * MIN + i * 1_000, costMicro: 1_000 }));
    const v = replay(d, 'new', over);
    expect(v.length).toBe(1);
    expect(v[0]).toMatchObject({ metric: 'rate', window: '1m', phase: 'cold_start', observed: 31, threshold: 30 });
    expect(v[0]!.reason).toMatch(/cold-start ceiling/);
    expect(v[0]!.zScore).toBeUndefined();
  });

  it('a new agent bursting 5,000 in 10 minutes trips within seconds, before any baseline exists', () => {
    const d = createAnomalyDetector();
    const v = replay(d, 'new', poisson(11, T0, T0 + 10 * MIN, 30_000, () => 30_000));
    expect(v.length).toBeGreaterThan(0);
    expect(v[0]!.at - T0).toBeLessThanOrEqual(10_000);
    expect(v[0]!.phase).toBe('cold_start');
  });

  it('the cold-start spend ceiling', () => {
    const d = createAnomalyDetector({ cold_start_max_usd_per_minute: 0.5 });
    const v = replay(d, 'new', Array.from({ length: 6 }, (_, i) => ({ at: T0 + i * 1_000, costMicro: 100_000 })));
    expect(v.map((x) => [x.metric, x.observed])).toEqual([['spend', 600_000]]);
  });

  it('after the cold start the learned baseline takes over, with warming slack', () => {
    const d = createAnomalyDetector({ min_history_minutes: 60 });
    replay(d, 'w', poisson(12, T0, T0 + 2 * HOUR, 600, () => 600));
    const s = d.state('w')!;
    expect(s.phase).toBe('warming');
    expect(s.rate.levelPerMinute).toBeGreaterThan(8);
    expect(s.rate.levelPerMinute).toBeLessThan(12);
    // At 10 a minute, a minute of 40 (4×) is noise while warming; 200 (20×) is not.
    expect(s.rate.windows.find((w) => w.window === '1m')!.threshold).toBeGreaterThan(40);
    expect(s.rate.windows.find((w) => w.window === '1m')!.threshold).toBeLessThan(200);
  });
});

describe('anomaly: sensitivity', () => {
  it('high alarms at least as early as medium, and low no earlier', () => {
    const history = poisson(13, T0, T0 + 3 * DAY, 100, () => 100);
    const at = T0 + 3 * DAY + 9 * HOUR;
    const burst = poisson(14, at, at + HOUR, 600, () => 600);
    const first = (sensitivity: 'low' | 'medium' | 'high') => {
      const d = createAnomalyDetector({ sensitivity });
      replay(d, 'a', history);
      return replay(d, 'a', burst)[0]?.at ?? Infinity;
    };
    const [low, medium, high] = [first('low'), first('medium'), first('high')];
    expect(high).toBeLessThan(Infinity);
    expect(high).toBeLessThanOrEqual(medium);
    expect(medium).toBeLessThanOrEqual(low);
    expect(high).toBeLessThan(low);
  });

  it('a z-score works in place of a preset', () => {
    const d = createAnomalyDetector({ sensitivity: 4 });
    replay(d, 'z', poisson(15, T0, T0 + 2 * DAY, 50, () => 50));
    const at = T0 + 2 * DAY + HOUR;
    expect(replay(d, 'z', poisson(16, at, at + 10 * MIN, 30_000, () => 30_000)).length).toBeGreaterThan(0);
  });
});

describe('anomaly: state survives a restart', () => {
  it('snapshot → JSON → restore keeps the baseline and continues bit for bit', () => {
    const a = createAnomalyDetector();
    replay(a, 'x', poisson(17, T0, T0 + 3 * DAY, 100, diurnal50));
    replay(a, 'y', poisson(18, T0, T0 + 3 * DAY, 10, () => 10));
    const text = JSON.stringify(a.snapshot());
    const b = createAnomalyDetector();
    b.restore(JSON.parse(text));
    expect(b.state('x')).toEqual(a.state('x'));
    expect(b.state('y')).toEqual(a.state('y'));
    expect(b.state('x')!.rate.levelPerMinute).toBeGreaterThan(0.5);

    const at = T0 + 3 * DAY + 2 * HOUR;
    const next = merge(poisson(19, T0 + 3 * DAY, T0 + 4 * DAY, 100, diurnal50), poisson(20, at, at + 10 * MIN, 30_000, () => 30_000));
    const va = replay(a, 'x', next);
    const vb = replay(b, 'x', next);
    expect(va.length).toBeGreaterThan(0);
    expect(vb).toEqual(va);
    expect(b.snapshot()).toEqual(a.snapshot());
  });

  it('a fresh detector without the snapshot is back in cold start', () => {
    const a = createAnomalyDetector();
    replay(a, 'x', poisson(21, T0, T0 + DAY, 50, () => 50));
    const b = createAnomalyDetector();
    b.restore(a.snapshot());
    b.observe('x', { at: T0 + DAY + MIN });
    const c = createAnomalyDetector();
    c.observe('x', { at: T0 + DAY + MIN });
    expect(b.state('x')!.phase).toBe('warming');
    expect(c.state('x')!.phase).toBe('cold_start');
  });

  it('rejects a malformed or foreign snapshot', () => {
    const d = createAnomalyDetector();
    const good = (() => {
      const a = createAnomalyDetector();
      a.observe('x', { at: T0 });
      return a.snapshot();
    })();
    const bad = JSON.parse(JSON.stringify(good));
    bad.agents[0].rate.model.profile = [1, 2, 3];
    for (const raw of [null, {}, { version: 2, agents: [] }, bad, { ...good, extra: 1 }]) {
      try {
        d.restore(raw);
        expect.unreachable('restore accepted a bad snapshot');
      } catch (e) {
        expect(e).toBeInstanceOf(BridleError);
        expect((e as BridleError).code).toBe('BRIDLE_E_VALIDATION');
      }
    }
    expect(() => d.restore(good)).not.toThrow();
    expect(d.state('x')).not.toBeNull();
  });
});

describe('anomaly: contract', () => {
  it('is deterministic: equal inputs give equal verdicts', () => {
    const events = merge(poisson(22, T0, T0 + 2 * DAY, 100, diurnal50), poisson(23, T0 + 2 * DAY - HOUR, T0 + 2 * DAY, 3_000, () => 3_000));
    const a = replay(createAnomalyDetector(), 'd', events);
    const b = replay(createAnomalyDetector(), 'd', events);
    expect(a.length).toBeGreaterThan(0);
    expect(b).toEqual(a);
  });

  it('keeps agents apart', () => {
    const d = createAnomalyDetector();
    replay(d, 'calm', poisson(24, T0, T0 + 2 * DAY, 50, () => 50));
    replay(d, 'busy', poisson(25, T0, T0 + 2 * DAY, 5_000, () => 5_000));
    // The busy agent's normal is 100× the calm one's; neither taints the other.
    const at = T0 + 2 * DAY + HOUR;
    expect(replay(d, 'busy', poisson(26, at, at + 10 * MIN, 5_000, () => 5_000))).toEqual([]);
    expect(replay(d, 'calm', poisson(27, at, at + 10 * MIN, 5_000, () => 5_000)).length).toBeGreaterThan(0);
  });

  it('bounds memory: the least recently seen agent is forgotten past max_agents', () => {
    const d = createAnomalyDetector({ max_agents: 2 });
    d.observe('a', { at: T0 });
    d.observe('b', { at: T0 + 2_000 });
    d.observe('a', { at: T0 + 4_000 });
    d.observe('c', { at: T0 + 6_000 });
    expect(d.state('b')).toBeNull();
    expect(d.state('a')).not.toBeNull();
    expect(d.state('c')).not.toBeNull();
    expect(d.snapshot().agents.map((x) => x.id)).toEqual(['a', 'c']);
    expect(d.forget('a')).toBe(true);
    expect(d.state('a')).toBeNull();
  });

  it('counts a late observation as now and refuses bad input', () => {
    const d = createAnomalyDetector();
    d.observe('a', { at: T0 + MIN });
    d.observe('a', { at: T0 });
    expect(d.state('a')!.lastAt).toBe(T0 + MIN);
    expect(d.state('a')!.rate.windows[0]!.observed).toBe(2);
    for (const bad of [{ at: Number.NaN }, { at: T0, costMicro: -1 }, { at: T0, costMicro: 1.5 }]) {
      expect(() => d.observe('a', bad)).toThrow(expect.objectContaining({ code: 'BRIDLE_E_VALIDATION' }));
    }
  });
});

describe('anomaly: options', () => {
  it('has documented defaults', () => {
    expect(anomalyOptions.parse({})).toEqual({
      sensitivity: 'medium',
      min_history_minutes: 60,
      cold_start_max_per_minute: 30,
      cold_start_max_usd_per_minute: 1,
      min_events: 10,
      min_rate_per_minute: 0.5,
      min_spend_usd_per_hour: 0.1,
      baseline_half_life_hours: 24,
      seasonal: true,
      spend: true,
      max_agents: 100_000,
    });
  });

  const cases: [unknown, RegExp][] = [
    [{ sensitivity: 'extreme' }, /anomaly\.sensitivity: sensitivity must be low, medium, high, or a z-score/],
    [{ sensitivity: 1 }, /anomaly\.sensitivity/],
    [{ rate_factor: 1.2 }, /anomaly\.rate_factor: rate_factor must be at least 1\.5/],
    [{ cold_start_max_per_minute: -5 }, /anomaly\.cold_start_max_per_minute/],
    [{ cold_start_max_usd_per_minute: 0 }, /cold_start_max_usd_per_minute must be greater than 0/],
    [{ min_history_minutes: 0.5 }, /anomaly\.min_history_minutes/],
    [{ window: '1m' }, /window/],
    [{ seasonal: 'yes' }, /anomaly\.seasonal/],
  ];
  for (const [raw, message] of cases) {
    it(`rejects ${JSON.stringify(raw)}`, () => {
      expect(() => createAnomalyDetector(raw as never)).toThrow(message);
      expect(() => createAnomalyDetector(raw as never)).toThrow(expect.objectContaining({ code: 'BRIDLE_E_CONFIG' }));
    });
  }
});
