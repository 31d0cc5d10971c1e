import { z } from 'zod';
import { BridleError } from '../errors.js';
import { closest } from '../util/suggest.js';
import { ALERT_SEVERITIES } from './types.js';

// Secrets are never written in the policy file (it is reviewed, versioned and recorded in the
// store): each channel names the environment variables that hold them (`*_env`), and
// `resolveAlertChannels` reads them at start-up.

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'must be an environment variable name (letters, digits and _), e.g. SLACK_WEBHOOK_URL' });

export function isHttpUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return (u.protocol === 'https:' || u.protocol === 'http:') && u.hostname !== '';
  } catch {
    return false;
  }
}

const httpUrl = z.string().refine(isHttpUrl, { error: 'must be an absolute http:// or https:// URL, e.g. https://hooks.example.com/bridle' });
const email = z.string().regex(/^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/, { error: 'must be an email address, e.g. ops@example.com' });
/** Per attempt; a slow receiver is retried later rather than holding the dispatcher. */
const timeoutMs = z.number().int().positive().max(120_000, { error: 'at most 120000 (2 minutes)' }).default(10_000);

const channelOptions = {
  slack_webhook: z.object({ url_env: envName, timeout_ms: timeoutMs }).strict(),
  slack: z.object({ token_env: envName, channel: z.string().min(1, { error: 'channel is empty; use a channel id such as C0123ABCD' }), api_url: httpUrl.default('https://slack.com/api'), timeout_ms: timeoutMs }).strict(),
  email: z.object({ smtp_url_env: envName, from: email, to: z.array(email).min(1, { error: 'to needs at least one address' }), timeout_ms: timeoutMs }).strict(),
  webhook: z
    .object({ url: httpUrl.optional(), url_env: envName.optional(), secret_env: envName, timeout_ms: timeoutMs })
    .strict()
    .refine((o) => (o.url === undefined) !== (o.url_env === undefined), { error: 'give exactly one of url and url_env' }),
} as const;

export type AlertChannelKind = keyof typeof channelOptions;
export const ALERT_CHANNEL_KINDS = Object.keys(channelOptions) as AlertChannelKind[];

/** A channel as parsed: its kind and that kind's options. */
export type AlertChannelSpec = { [K in AlertChannelKind]: { kind: K; options: z.output<(typeof channelOptions)[K]> } }[AlertChannelKind];

/** The inline key people reach for, and the `*_env` key that replaces it. */
const INLINE_SECRETS: Record<AlertChannelKind, [string, string]> = {
  slack_webhook: ['url', 'url_env'],
  slack: ['token', 'token_env'],
  email: ['smtp_url', 'smtp_url_env'],
  webhook: ['secret', 'secret_env'],
};

/** One channel is an object with one key, its kind, like a check; parsed by hand for clear errors. */
const channelItem = z.unknown().transform((raw, ctx): AlertChannelSpec => {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw) || Object.keys(raw).length !== 1) {
    ctx.addIssue({ code: 'custom', message: `each channel is an object with one key, the channel kind (one of: ${ALERT_CHANNEL_KINDS.join(', ')})` });
    return z.NEVER;
  }
  const [kind, body] = Object.entries(raw)[0]!;
  if (!(kind in channelOptions)) {
    const guess = closest(kind, ALERT_CHANNEL_KINDS);
    ctx.addIssue({ code: 'custom', path: [kind], message: `unknown channel kind "${kind}"${guess ? `; did you mean "${guess}"?` : ''} (known: ${ALERT_CHANNEL_KINDS.join(', ')})` });
    return z.NEVER;
  }
  const k = kind as AlertChannelKind;
  const [inline, viaEnv] = INLINE_SECRETS[k];
  if (body && typeof body === 'object' && inline in body) {
    ctx.addIssue({ code: 'custom', path: [kind, inline], message: `secrets are not written in the policy: put the value in an environment variable and name it with ${viaEnv}` });
    return z.NEVER;
  }
  const r = channelOptions[k].safeParse(body ?? {});
  if (!r.success) {
    for (const issue of r.error.issues) ctx.addIssue({ ...issue, path: [kind, ...issue.path] } as never);
    return z.NEVER;
  }
  return { kind: k, options: r.data } as AlertChannelSpec;
});

const channelName = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
/** `budget.*`, `agent.killed`, `*`: a `*` matches any run of characters. */
const kindPattern = z.string().regex(/^[A-Za-z0-9_.*-]+$/, { error: 'kind patterns use letters, digits, ".", "_", "-" and "*", e.g. budget.*' });

const route = z
  .object({
    channels: z.array(z.string()).min(1, { error: 'channels needs at least one channel name' }),
    min_severity: z.enum(ALERT_SEVERITIES).default('warning'),
    kinds: z.array(kindPattern).min(1).default(['*']),
  })
  .strict();

const nonNegInt = (max: number) => z.number().int({ error: 'must be a whole number' }).nonnegative({ error: 'must not be negative' }).max(max);
const posInt = (max: number) => z.number().int({ error: 'must be a whole number' }).positive({ error: 'must be at least 1' }).max(max);

/**
 * The `alerts:` section of bridle.yaml: channels, optional routes, dedupe window, throttle and
 * retry. Secrets are named by environment variable (`*_env`), never inline.
 *
 * @example
 *   alerts:
 *     channels:
 *       ops-slack: { slack_webhook: { url_env: SLACK_WEBHOOK_URL } }
 *       siem: { webhook: { url: https://siem.acme.test/hooks/bridle, secret_env: BRIDLE_WEBHOOK_SECRET } }
 *     routes: [ { channels: [ops-slack], min_severity: warning, kinds: ['budget.*'] } ]
 */
export const alertsConfigSchema = z
  .object({
    channels: z.record(z.string(), channelItem),
    /** Default when absent: every channel gets every alert of severity warning or above. */
    routes: z.array(route).optional(),
    /** Same dedupe key on the same channel within this window → suppressed. 0 turns it off. */
    dedupe_window_s: nonNegInt(7 * 86_400).default(600),
    throttle: z.object({ per_channel_per_minute: posInt(100_000).default(20) }).strict().prefault({}),
    retry: z
      .object({ max_attempts: posInt(100).default(8), base_ms: posInt(3_600_000).default(1000), max_ms: posInt(86_400_000).default(300_000) })
      .strict()
      .refine((r) => r.max_ms >= r.base_ms, { error: 'max_ms must be at least base_ms', path: ['max_ms'] })
      .prefault({}),
  })
  .strict()
  .superRefine((c, ctx) => {
    const names = Object.keys(c.channels);
    if (names.length === 0) ctx.addIssue({ code: 'custom', path: ['channels'], message: 'channels needs at least one channel, e.g. ops-slack: { slack_webhook: { url_env: SLACK_WEBHOOK_URL } }' });
    for (const n of names) {
      if (!channelName.test(n)) ctx.addIssue({ code: 'custom', path: ['channels', n], message: `channel name "${n}" must use letters, digits, ".", "_" and "-" (max 63)` });
    }
    c.routes?.forEach((r, i) =>
      r.channels.forEach((n, j) => {
        if (n in c.channels) return;
        const guess = closest(n, names);
        ctx.addIssue({ code: 'custom', path: ['routes', i, 'channels', j], message: `unknown channel "${n}"; ${guess ? `did you mean "${guess}"?` : `channels defined: ${names.join(', ') || 'none'}`}` });
      }),
    );
  });

export type AlertsConfig = z.output<typeof alertsConfigSchema>;
export type AlertsConfigInput = z.input<typeof alertsConfigSchema>;

export interface ConfigIssue {
  path: string;
  message: string;
}

/** Throws BRIDLE_E_CONFIG listing each issue as `alerts.<path>: message`. */
export function configError(issues: ConfigIssue[]): never {
  const lines = issues.map((i) => `${i.path}: ${i.message}`);
  throw new BridleError('BRIDLE_E_CONFIG', `Alerts configuration is invalid:\n  ${lines.join('\n  ')}`, { issues });
}

/** Parses an `alerts:` section outside the policy loader (tools, tests, embedding apps). */
export function parseAlertsConfig(raw: unknown): AlertsConfig {
  const r = alertsConfigSchema.safeParse(raw);
  if (r.success) return r.data;
  configError(
    r.error.issues.flatMap((issue) => {
      const base = ['alerts', ...issue.path.map(String)];
      if (issue.code === 'unrecognized_keys') return issue.keys.map((k) => ({ path: [...base, k].join('.'), message: `unknown field "${k}" (see "## Alerts" in docs/configuration.md)` }));
      const hint = issue.code === 'invalid_value' ? ` (allowed: ${issue.values.map(String).join(', ')})` : issue.code === 'invalid_type' ? ` (expected ${issue.expected})` : '';
      return [{ path: base.join('.'), message: `${issue.message}${hint}` }];
    }),
  );
}
