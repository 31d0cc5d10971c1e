import { z } from 'zod';
import { BridleError } from '../../errors.js';
import { SCALES } from './window.js';
import type { SeriesState } from './series.js';

/** Bumped whenever the learned state changes shape or meaning; an older snapshot is refused. */
export const SNAPSHOT_VERSION = 1;

export interface AgentState {
  first: number;
  last: number;
  rate: SeriesState;
  spend: SeriesState | null;
}

/** The learned baselines of every agent, least recently seen first. Plain JSON. */
export interface AnomalySnapshot {
  version: typeof SNAPSHOT_VERSION;
  agents: ({ id: string } & AgentState)[];
}

const num = z.number();
const nonNegative = num.min(0);
const fixed = (n: number) => z.array(num).length(n);

const dispersion = z.object({ index: num.int(), current: nonNegative, previous: nonNegative, squares: nonNegative, total: nonNegative, at: num }).strict();

const series = z
  .object({
    model: z
      .object({ fast: nonNegative, slow: nonNegative, n: nonNegative.int(), profile: fixed(24), weights: fixed(24), bucket: nonNegative.int(), sum: nonNegative })
      .strict(),
    rings: z
      .array(z.object({ cells: z.array(nonNegative), head: num.int(), sum: nonNegative }).strict())
      .length(SCALES.length)
      .superRefine((rings, ctx) => {
        rings.forEach((r, i) => {
          if (r.cells.length !== SCALES[i]!.slots) ctx.addIssue({ code: 'custom', path: [i, 'cells'], message: `window ${SCALES[i]!.label} needs ${SCALES[i]!.slots} cells` });
        });
      }),
    fast: dispersion,
    slow: dispersion,
    m1: nonNegative,
    m2: nonNegative,
    c1: nonNegative,
    c2: nonNegative,
  })
  .strict();

const snapshotSchema = z
  .object({
    version: z.literal(SNAPSHOT_VERSION, { error: `snapshot version must be ${SNAPSHOT_VERSION}; learned baselines from another version cannot be reused` }),
    agents: z.array(z.object({ id: z.string().min(1), first: num, last: num, rate: series, spend: series.nullable() }).strict()),
  })
  .strict();

/** Validates a snapshot read back from storage; throws BRIDLE_E_VALIDATION naming each bad field. */
export function parseSnapshot(raw: unknown): AnomalySnapshot {
  const r = snapshotSchema.safeParse(raw);
  if (!r.success) {
    const issues = r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new BridleError('BRIDLE_E_VALIDATION', `Invalid anomaly snapshot: ${issues.slice(0, 5).join('; ')}${issues.length > 5 ? ` (and ${issues.length - 5} more)` : ''}`, { issues });
  }
  // The schema checks every field; copying through JSON detaches the caller's objects.
  return JSON.parse(JSON.stringify(r.data)) as AnomalySnapshot;
}
