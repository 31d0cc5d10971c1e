import { z } from 'zod';
import { checkRegistry, checkKinds, type CheckKind } from '../checks/registry.js';
import { closest } from '../util/suggest.js';

/** What a failed check does: deny, ask a human, fix it and continue, send it back to the agent, or only record it. */
export const ON_FAIL = ['block', 'require_approval', 'redact', 'retry_with_feedback', 'warn'] as const;
const onFail = z.enum(ON_FAIL);
export type OnFail = (typeof ON_FAIL)[number];
/** What a check that throws or times out means: deny (fail closed), allow, or ask a human. */
export const ON_ERROR = ['deny', 'allow', 'require_approval'] as const;
export const onError = z.enum(ON_ERROR);
export type OnError = (typeof ON_ERROR)[number];

/** Keys every check accepts beside its own options. */
const commonCheckKeys = ['on_fail', 'on_error', 'timeout_ms'] as const;
const commonCheckOptions = z.object({
  on_fail: onFail.default('block'),
  on_error: onError.optional(),
  timeout_ms: z.number().int().positive().max(60_000).optional(),
});

export interface CheckSpec {
  kind: CheckKind;
  options: unknown;
  onFail: z.infer<typeof onFail>;
  onError: z.infer<typeof onError> | undefined;
  timeoutMs: number | undefined;
}

/**
 * One list item under `checks:` is an object with exactly one key, the check kind, whose value
 * holds that check's options plus the common ones. Parsed by hand so that the error names the
 * kind and the exact option path instead of a union's wall of alternatives.
 */
export const checkItem = z.unknown().transform((raw, ctx): CheckSpec => {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw) || Object.keys(raw).length !== 1) {
    ctx.addIssue({ code: 'custom', message: `each check is an object with one key, the check kind (one of: ${checkKinds.join(', ')})` });
    return z.NEVER;
  }
  const [kind, value] = Object.entries(raw)[0]!;
  if (!(kind in checkRegistry)) {
    const hint = closest(kind, checkKinds);
    ctx.addIssue({ code: 'custom', path: [kind], params: { atKey: true }, message: `unknown check "${kind}"${hint ? `; did you mean "${hint}"?` : ''} (known: ${checkKinds.join(', ')})` });
    return z.NEVER;
  }
  const body = value ?? {};
  if (typeof body !== 'object' || Array.isArray(body)) {
    ctx.addIssue({ code: 'custom', path: [kind], message: 'check options must be a mapping (use {} for none)' });
    return z.NEVER;
  }
  const own: Record<string, unknown> = {};
  const common: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(body)) ((commonCheckKeys as readonly string[]).includes(k) ? common : own)[k] = v;
  const c = commonCheckOptions.safeParse(common);
  const def = checkRegistry[kind as CheckKind];
  const o = def.options.safeParse(own);
  for (const r of [c, o]) {
    if (!r.success) for (const issue of r.error.issues) ctx.addIssue({ ...issue, path: [kind, ...issue.path] } as never);
  }
  if (!c.success || !o.success) return z.NEVER;
  return { kind: kind as CheckKind, options: o.data, onFail: c.data.on_fail, onError: c.data.on_error, timeoutMs: c.data.timeout_ms };
});
