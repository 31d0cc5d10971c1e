import { configError, isHttpUrl, type AlertsConfig, type ConfigIssue } from './config.js';

/** A channel with its secrets read from the environment: what the senders are built from. */
export type ResolvedAlertChannel =
  | { name: string; kind: 'slack_webhook'; url: string; timeoutMs: number }
  | { name: string; kind: 'slack'; token: string; channel: string; apiUrl: string; timeoutMs: number }
  | { name: string; kind: 'email'; smtpUrl: string; from: string; to: string[]; timeoutMs: number }
  | { name: string; kind: 'webhook'; url: string; secret: string; timeoutMs: number };

/** HMAC keys shorter than this are guessable offline from one signed request. */
export const MIN_WEBHOOK_SECRET_LENGTH = 16;

/**
 * Reads every `*_env` variable the channels name. All problems are reported at once, each with
 * its config path and the variable's name (never its value), so start-up fails with one clear
 * list instead of a delivery failing hours later.
 */
export function resolveAlertChannels(config: AlertsConfig, env: Record<string, string | undefined> = process.env): ResolvedAlertChannel[] {
  const issues: ConfigIssue[] = [];
  const read = (path: string, name: string, check?: (v: string) => string | undefined): string => {
    const v = env[name];
    if (v === undefined || v.trim() === '') {
      issues.push({ path, message: `environment variable ${name} is not set (set it, or remove this channel)` });
      return '';
    }
    const bad = check?.(v.trim());
    if (bad) issues.push({ path, message: `environment variable ${name} ${bad}` });
    return v.trim();
  };
  const urlCheck = (v: string) => (isHttpUrl(v) ? undefined : 'must hold an absolute http:// or https:// URL');
  const out: ResolvedAlertChannel[] = [];
  for (const [name, spec] of Object.entries(config.channels)) {
    const at = (key: string) => `alerts.channels.${name}.${spec.kind}.${key}`;
    const timeoutMs = spec.options.timeout_ms;
    switch (spec.kind) {
      case 'slack_webhook':
        out.push({ name, kind: 'slack_webhook', url: read(at('url_env'), spec.options.url_env, urlCheck), timeoutMs });
        break;
      case 'slack':
        out.push({ name, kind: 'slack', token: read(at('token_env'), spec.options.token_env), channel: spec.options.channel, apiUrl: spec.options.api_url.replace(/\/+$/, ''), timeoutMs });
        break;
      case 'email': {
        const smtpCheck = (v: string) => (/^smtps?:\/\/[^/]/i.test(v) ? undefined : 'must hold an smtp:// or smtps:// URL, e.g. smtps://user:pass@smtp.example.com:465');
        out.push({ name, kind: 'email', smtpUrl: read(at('smtp_url_env'), spec.options.smtp_url_env, smtpCheck), from: spec.options.from, to: spec.options.to, timeoutMs });
        break;
      }
      case 'webhook': {
        const url = spec.options.url ?? read(at('url_env'), spec.options.url_env ?? '', urlCheck);
        const secretCheck = (v: string) => (v.length >= MIN_WEBHOOK_SECRET_LENGTH ? undefined : `is shorter than ${MIN_WEBHOOK_SECRET_LENGTH} characters; generate one with: openssl rand -hex 32`);
        out.push({ name, kind: 'webhook', url, secret: read(at('secret_env'), spec.options.secret_env, secretCheck), timeoutMs });
        break;
      }
    }
  }
  if (issues.length > 0) configError(issues);
  return out;
}
