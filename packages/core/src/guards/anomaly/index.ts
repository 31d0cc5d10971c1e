import { BridleError } from '../../errors.js';
import { formatMicroUsd } from '../../util/money.js';
import { expectedRate, levelOf } from './model.js';
import { anomalyOptions, tuning, type AnomalyOptions, type AnomalyOptionsInput, type Tuning } from './options.js';
import { breach, coveredMs, dispersionFor, factorFor, metricFor, newSeries, record, thresholdOf, WARM_MS, type Breach, type Metric, type SeriesState } from './series.js';
import { parseSnapshot, SNAPSHOT_VERSION, type AgentState, type AnomalySnapshot } from './snapshot.js';
import { SCALES, type WindowLabel } from './window.js';

export { anomalyOptions, SENSITIVITY as ANOMALY_SENSITIVITY, type AnomalyOptions, type AnomalyOptionsInput, type SensitivityName as AnomalySensitivity } from './options.js';
export type { AnomalySnapshot } from './snapshot.js';
export { SCALES as ANOMALY_WINDOWS, type WindowLabel as AnomalyWindow } from './window.js';

/** One action as the detector sees it. `at` is epoch ms, passed in so replays are exact. */
export interface AnomalyObservation {
  at: number;
  /** Actual or estimated cost in integer micro-USD; 0 or absent for free actions. */
  costMicro?: number;
}

export type AnomalyPhase = 'cold_start' | 'warming' | 'learned';

/**
 * A window whose sum is above what this agent's own baseline allows. Units: actions for `rate`,
 * integer micro-USD for `spend`. `baseline` is the expected sum over the same window.
 */
export interface AnomalyVerdict {
  agentId: string;
  metric: 'rate' | 'spend';
  at: number;
  window: WindowLabel;
  windowMs: number;
  observed: number;
  baseline: number;
  threshold: number;
  /** (observed − baseline) / √(D · baseline), when there is a learned baseline. */
  zScore?: number;
  phase: AnomalyPhase;
  reason: string;
}

/** What has been learned for one metric, as of the agent's last observation. */
export interface AnomalySeriesBaseline {
  /** Deseasonalised daily mean: actions (or micro-USD) per minute. */
  levelPerMinute: number;
  /** Expected at the last observation, with the hour-of-day factor applied. */
  expectedPerMinute: number;
  /** 24 hour-of-day factors (UTC), mean 1. */
  profile: number[];
  /** Clumping D (variance / mean of counts) at 10 s and at 1 minute. */
  dispersion: { '10s': number; '1m': number };
  windows: { window: WindowLabel; observed: number; baseline: number; threshold: number }[];
}

export interface AnomalyBaseline {
  agentId: string;
  phase: AnomalyPhase;
  firstAt: number;
  lastAt: number;
  historyMinutes: number;
  rate: AnomalySeriesBaseline;
  spend: AnomalySeriesBaseline | null;
}

export interface AnomalyDetector {
  readonly options: AnomalyOptions;
  /**
   * Records one action and returns a verdict when any window is over its threshold. O(1): a few
   * thousand operations at most, the worst case being the first action after up to a day of
   * silence, which learns the empty 10-minute buckets in between (longer gaps learn nothing).
   */
  observe(agentId: string, observation: AnomalyObservation): AnomalyVerdict | null;
  /** The learned baseline, for the API and the audit; null for an agent never seen (or evicted). */
  state(agentId: string): AnomalyBaseline | null;
  /** Every agent's learned state as plain JSON, to persist across a restart. */
  snapshot(): AnomalySnapshot;
  /** Replaces all state with a snapshot; throws BRIDLE_E_VALIDATION if it is malformed. */
  restore(snapshot: unknown): void;
  /** Forgets one agent (it starts cold again). */
  forget(agentId: string): boolean;
}

/** Eviction order is exact to within this much idle time. */
const REORDER_MS = 1000;

/**
 * Per-agent rate and spend anomaly detection against each agent's own learned, seasonal
 * baseline. Deterministic: no clock, no randomness; equal inputs give equal verdicts.
 *
 * @example
 *   const d = createAnomalyDetector({ sensitivity: 'medium', cold_start_max_per_minute: 30 });
 *   const v = d.observe('growth-bot', { at: clock.now(), costMicro: 1_200 });
 *   if (v) pause('growth-bot', v.reason);
 */
export function createAnomalyDetector(input: AnomalyOptionsInput = {}): AnomalyDetector {
  const parsed = anomalyOptions.safeParse(input);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `anomaly.${i.path.join('.')}: ${i.message}`);
    throw new BridleError('BRIDLE_E_CONFIG', `Anomaly options are invalid:\n  ${issues.join('\n  ')}`, { issues });
  }
  const options = Object.freeze(parsed.data);
  const tun = tuning(options);
  const confidence = SCALES.map((s) => tun.confidence(s.ms));
  const rateMetric = metricFor('rate', tun);
  const spendMetric = metricFor('spend', tun);
  let agents = new Map<string, AgentState>();
  let lastId: string | undefined;

  const phaseOf = (a: AgentState): AnomalyPhase => (a.last - a.first < tun.historyMs ? 'cold_start' : a.last - a.first < WARM_MS ? 'warming' : 'learned');

  return {
    options,
    observe(agentId, { at, costMicro = 0 }) {
      if (!Number.isFinite(at)) throw new BridleError('BRIDLE_E_VALIDATION', `anomaly: observation time must be a finite epoch-ms number, got ${String(at)}`);
      if (!Number.isSafeInteger(costMicro) || costMicro < 0) throw new BridleError('BRIDLE_E_VALIDATION', 'anomaly: costMicro must be a non-negative integer (micro-USD)');
      let a = agents.get(agentId);
      if (!a) {
        a = { first: at, last: at, rate: newSeries(), spend: tun.spend ? newSeries() : null };
        agents.set(agentId, a);
        if (agents.size > tun.maxAgents) agents.delete(agents.keys().next().value!);
      } else if (agentId !== lastId && at - a.last > REORDER_MS) {
        // Map order is recency order: re-inserting keeps eviction least-recently-seen first.
        // Only agents idle for a while are moved, so busy interleaved traffic skips the churn.
        agents.delete(agentId);
        agents.set(agentId, a);
      }
      lastId = agentId;
      // A late event counts as now: windows only move forward, which keeps the rings O(1).
      const t = at > a.last ? at : a.last;
      a.last = t;
      record(a.rate, rateMetric, tun, confidence, t, a.first, 1);
      let hit = breach(a.rate, rateMetric, tun, confidence, t, a.first);
      let metric = rateMetric;
      if (a.spend) {
        record(a.spend, spendMetric, tun, confidence, t, a.first, costMicro);
        if (!hit && costMicro > 0) {
          hit = breach(a.spend, spendMetric, tun, confidence, t, a.first);
          metric = spendMetric;
        }
      }
      return hit ? verdict(agentId, t, phaseOf(a), metric, hit) : null;
    },
    state(agentId) {
      const a = agents.get(agentId);
      if (!a) return null;
      return {
        agentId,
        phase: phaseOf(a),
        firstAt: a.first,
        lastAt: a.last,
        historyMinutes: (a.last - a.first) / 60_000,
        rate: view(a.rate, rateMetric, tun, confidence, a),
        spend: a.spend ? view(a.spend, spendMetric, tun, confidence, a) : null,
      };
    },
    snapshot() {
      const list = [...agents].map(([id, s]) => ({ id, ...s }));
      return JSON.parse(JSON.stringify({ version: SNAPSHOT_VERSION, agents: list })) as AnomalySnapshot;
    },
    restore(raw) {
      const snap = parseSnapshot(raw);
      const next = new Map<string, AgentState>();
      for (const { id, ...s } of snap.agents) {
        // A snapshot taken with spend off can be restored with spend on: spend starts fresh.
        next.set(id, { ...s, spend: tun.spend ? (s.spend ?? newSeries()) : null });
      }
      while (next.size > tun.maxAgents) next.delete(next.keys().next().value!);
      agents = next;
      lastId = undefined;
    },
    forget(agentId) {
      if (agentId === lastId) lastId = undefined;
      return agents.delete(agentId);
    },
  };
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

function verdict(agentId: string, at: number, phase: AnomalyPhase, metric: Metric, b: Breach): AnomalyVerdict {
  const scale = SCALES[b.scale]!;
  const money = metric.name === 'spend';
  const fix = money ? Math.round : round3;
  const show = (x: number): string => (money ? formatMicroUsd(Math.round(x)) : String(round3(x)));
  const what = money ? 'spent' : b.observed === 1 ? 'action' : 'actions';
  const cold = phase === 'cold_start';
  const reason = cold
    ? `${show(b.observed)} ${what} in the last ${scale.label}, over the cold-start ceiling of ${show(b.threshold)} per minute (no baseline learned yet)`
    : `${show(b.observed)} ${what} in the last ${scale.label}; this agent's baseline for that window is ${show(b.baseline)}, threshold ${show(b.threshold)} (${b.baseline > 0 ? `${round3(b.observed / b.baseline)}×` : 'no traffic expected'})`;
  const v: AnomalyVerdict = { agentId, metric: metric.name, at, window: scale.label, windowMs: scale.ms, observed: b.observed, baseline: fix(b.baseline), threshold: fix(b.threshold), phase, reason };
  if (!cold && b.baseline > 0) v.zScore = round3((b.observed - b.baseline) / Math.sqrt(b.dispersion * b.baseline));
  return v;
}

function view(s: SeriesState, metric: Metric, tun: Tuning, confidence: number[], a: AgentState): AnomalySeriesBaseline {
  const age = a.last - a.first;
  const rate = expectedRate(s.model, a.last, tun.seasonal);
  return {
    levelPerMinute: round3(levelOf(s.model) * 60_000),
    expectedPerMinute: round3(rate * 60_000),
    profile: s.model.profile.map(round3),
    dispersion: { '10s': round3(dispersionFor(s, 0)), '1m': round3(dispersionFor(s, 1)) },
    windows: SCALES.map((sc, i) => {
      const r = s.rings[i]!;
      const mu = rate * coveredMs(r, i, a.last, age);
      return { window: sc.label, observed: r.sum, baseline: round3(mu), threshold: round3(thresholdOf(mu, dispersionFor(s, i), factorFor(tun, i, age), confidence[i]!, metric.floors[i]!)) };
    }),
  };
}
