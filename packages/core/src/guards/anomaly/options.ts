import { z } from 'zod';

/**
 * Sensitivity presets. `rateFactor` (K) is how far above its own seasonal baseline an agent may
 * go before the rate itself is suspicious: legitimate campaigns run at 2–3× for an hour, so
 * medium tolerates 4×. `falseAlarmsPerDay` is the statistical budget per window scale and agent
 * under the learned noise model; it sets each scale's confidence as ln(windows per day / budget),
 * so short windows, of which a day has many, need more evidence per window than long ones.
 */
export const SENSITIVITY = {
  low: { rateFactor: 6, falseAlarmsPerDay: 0.001 },
  medium: { rateFactor: 4, falseAlarmsPerDay: 0.01 },
  high: { rateFactor: 2.5, falseAlarmsPerDay: 0.1 },
} as const;

export type SensitivityName = keyof typeof SENSITIVITY;

const positive = (what: string) => z.number({ error: `${what} must be a number` }).positive({ error: `${what} must be greater than 0` });

/**
 * Options of the anomaly detector, as written under `anomaly:` in the policy file.
 *
 * @example
 *   anomaly: { sensitivity: medium, min_history_minutes: 60, cold_start_max_per_minute: 30 }
 */
export const anomalyOptions = z
  .object({
    /** low | medium | high, or a z-score (2–20) used as the confidence of every window. */
    sensitivity: z
      .union([z.enum(['low', 'medium', 'high']), z.number().min(2).max(20)], {
        error: 'sensitivity must be low, medium, high, or a z-score between 2 and 20',
      })
      .default('medium'),
    /** Overrides the preset's K: the multiple of the seasonal baseline that is still normal. */
    rate_factor: z.number().min(1.5, { error: 'rate_factor must be at least 1.5: below that ordinary peaks alarm' }).max(100).optional(),
    /** Before this much history the learned baseline is not trusted and the ceilings below apply. */
    min_history_minutes: z.number().int().min(1).max(10_080).default(60),
    /** Cold-start ceiling: most actions in any one minute while the baseline is being learned. */
    cold_start_max_per_minute: z.number().int().positive().max(1_000_000).default(30),
    /** Cold-start ceiling on spend per minute, in USD. */
    cold_start_max_usd_per_minute: positive('cold_start_max_usd_per_minute').max(1_000_000).default(1),
    /** No rate verdict on fewer actions than this in a window, so quiet agents do not alarm on 3 vs 1. */
    min_events: z.number().int().min(1).max(1_000_000).default(10),
    /** No rate verdict below this average rate over the window. */
    min_rate_per_minute: z.number().min(0).max(1_000_000).default(0.5),
    /** No spend verdict on less than this much spend in a window (USD), nor below this rate (USD per hour) over windows longer than an hour. */
    min_spend_usd_per_hour: z.number().min(0).max(1_000_000).default(0.1),
    /** Half-life of the short-term level; a long-term level (7× longer) remembers the usual rate through quiet spells, and the baseline is the higher of the two. */
    baseline_half_life_hours: positive('baseline_half_life_hours').min(1).max(24 * 30).default(24),
    /** Learn a per-hour-of-day profile (UTC), so an agent's ordinary daily peak is expected. */
    seasonal: z.boolean().default(true),
    /** Watch spend (costMicro) as well as the action rate. */
    spend: z.boolean().default(true),
    /** Agents kept in memory; the least recently seen is forgotten (it starts cold again). */
    max_agents: z.number().int().min(1).max(10_000_000).default(100_000),
  })
  .strict();

export type AnomalyOptions = z.output<typeof anomalyOptions>;
export type AnomalyOptionsInput = z.input<typeof anomalyOptions>;

/** The numbers the detector runs on, derived once from the options. */
export interface Tuning {
  rateFactor: number;
  /**
   * Half of K (2 at medium) for the 3-hour window, the one that catches slow ramps: it sees a
   * one-hour 3× campaign as 1.7×, so it can afford to be stricter than the short windows.
   */
  longFactor: number;
  /** ln(1/p) per window length in ms. */
  confidence(windowMs: number): number;
  historyMs: number;
  coldMaxPerMinute: number;
  coldMaxMicroPerMinute: number;
  minEvents: number;
  minRatePerMs: number;
  minSpendMicroPerMs: number;
  fastHalfLifeMs: number;
  slowHalfLifeMs: number;
  seasonal: boolean;
  spend: boolean;
  maxAgents: number;
}

const DAY_MS = 86_400_000;

export function tuning(o: AnomalyOptions): Tuning {
  const preset = typeof o.sensitivity === 'number' ? SENSITIVITY.medium : SENSITIVITY[o.sensitivity];
  const rateFactor = o.rate_factor ?? preset.rateFactor;
  const z = typeof o.sensitivity === 'number' ? o.sensitivity : undefined;
  const up = o.baseline_half_life_hours * 3_600_000;
  return {
    rateFactor,
    longFactor: Math.max(1.5, 0.5 * rateFactor),
    // A z-score maps to the Gaussian tail exp(-z²/2); a preset to its per-scale budget.
    confidence: (ms) => (z !== undefined ? (z * z) / 2 : Math.log(DAY_MS / ms / preset.falseAlarmsPerDay)),
    historyMs: o.min_history_minutes * 60_000,
    coldMaxPerMinute: o.cold_start_max_per_minute,
    coldMaxMicroPerMinute: Math.round(o.cold_start_max_usd_per_minute * 1e6),
    minEvents: o.min_events,
    minRatePerMs: o.min_rate_per_minute / 60_000,
    minSpendMicroPerMs: (o.min_spend_usd_per_hour * 1e6) / 3_600_000,
    fastHalfLifeMs: up,
    slowHalfLifeMs: 7 * up,
    seasonal: o.seasonal,
    spend: o.spend,
    maxAgents: o.max_agents,
  };
}
