import { z } from 'zod';
import { BridleError } from '../errors.js';
import { ALERT_SEVERITIES, type Alert, type AlertInput } from './types.js';

// Guards raise alerts from hot paths: an over-long text is cut rather than refused, so only a
// malformed alert (no kind, an unknown severity) makes raise() throw.
const TITLE_MAX = 300;
const TEXT_MAX = 4000;
const VALUE_MAX = 500;
const MAX_FIELDS = 40;

const cut = (n: number) => z.string().transform((s) => (s.length > n ? `${s.slice(0, n - 1)}…` : s));

const alertInput = z
  .object({
    kind: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/, { error: 'kind is a dotted name of letters, digits, ".", "_" and "-", e.g. budget.threshold' }),
    severity: z.enum(ALERT_SEVERITIES),
    title: cut(TITLE_MAX).refine((s) => s.trim() !== '', { error: 'title is empty' }),
    text: cut(TEXT_MAX),
    agentId: z.string().min(1).max(200).optional(),
    fields: z
      .record(z.string().min(1).max(100), z.union([z.string().pipe(cut(VALUE_MAX)), z.number().refine(Number.isFinite, { error: 'must be a finite number' })]))
      .refine((f) => Object.keys(f).length <= MAX_FIELDS, { error: `at most ${MAX_FIELDS} fields` })
      .optional(),
    dedupeKey: z.string().min(1).max(500).optional(),
    at: z.number().int().nonnegative().optional(),
  })
  .strict();

/** Validates and completes an alert: default dedupe key `kind:agent`, default time now. */
export function normaliseAlert(input: AlertInput, id: string, now: number): Alert {
  const r = alertInput.safeParse(input);
  if (!r.success) {
    const issues = r.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
    throw new BridleError('BRIDLE_E_VALIDATION', `Invalid alert: ${issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ')}`, { issues });
  }
  const a = r.data;
  return {
    id,
    kind: a.kind,
    severity: a.severity,
    title: a.title,
    text: a.text,
    ...(a.agentId !== undefined ? { agentId: a.agentId } : {}),
    fields: a.fields ?? {},
    dedupeKey: a.dedupeKey ?? `${a.kind}:${a.agentId ?? '*'}`,
    at: a.at ?? now,
  };
}
