import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import { BridleError } from '../errors.js';
import { alertsConfigSchema, parseAlertsConfig } from './config.js';
import { createAlertRouter, kindMatcher } from './routing.js';
import { resolveAlertChannels } from './secrets.js';

const example = `
channels:
  ops-slack: { slack_webhook: { url_env: SLACK_WEBHOOK_URL } }
  ops-slack-bot: { slack: { token_env: SLACK_BOT_TOKEN, channel: C0123, api_url: https://slack.com/api } }
  oncall-email: { email: { smtp_url_env: SMTP_URL, from: bridle@acme.test, to: [ops@acme.test] } }
  siem: { webhook: { url: https://siem.acme.test/hooks/bridle, secret_env: BRIDLE_WEBHOOK_SECRET } }
routes: [ { channels: [ops-slack, oncall-email], min_severity: warning, kinds: ['budget.*'] } ]
dedupe_window_s: 600
throttle: { per_channel_per_minute: 20 }
retry: { max_attempts: 8, base_ms: 1000, max_ms: 300000 }
`;

const env = {
  SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T000/B000/XXXX',
  SLACK_BOT_TOKEN: 'xoxb-1-2-3',
  SMTP_URL: 'smtps://u:p@smtp.acme.test:465',
  BRIDLE_WEBHOOK_SECRET: 'a'.repeat(32),
};

/** The error's issues as "path: message" lines. */
function issues(raw: unknown): string[] {
  try {
    parseAlertsConfig(raw);
  } catch (e) {
    expect(e).toBeInstanceOf(BridleError);
    expect((e as BridleError).code).toBe('BRIDLE_E_CONFIG');
    return ((e as BridleError).details!.issues as { path: string; message: string }[]).map((i) => `${i.path}: ${i.message}`);
  }
  throw new Error('expected the config to be rejected');
}

describe('alerts config', () => {
  it('parses the documented example into typed channels, with defaults', () => {
    const c = parseAlertsConfig(parse(example));
    expect(c.channels['ops-slack']).toEqual({ kind: 'slack_webhook', options: { url_env: 'SLACK_WEBHOOK_URL', timeout_ms: 10_000 } });
    expect(c.channels['ops-slack-bot']).toMatchObject({ kind: 'slack', options: { channel: 'C0123', api_url: 'https://slack.com/api' } });
    expect(c.channels.siem).toMatchObject({ kind: 'webhook', options: { url: 'https://siem.acme.test/hooks/bridle', secret_env: 'BRIDLE_WEBHOOK_SECRET' } });
    expect(c.retry).toEqual({ max_attempts: 8, base_ms: 1000, max_ms: 300_000 });
    const minimal = parseAlertsConfig({ channels: { a: { slack_webhook: { url_env: 'X' } } } });
    expect(minimal).toMatchObject({ dedupe_window_s: 600, throttle: { per_channel_per_minute: 20 }, retry: { max_attempts: 8, base_ms: 1000, max_ms: 300_000 } });
    expect(minimal.routes).toBeUndefined();
  });

  it('mounts under a policy schema as `alerts:`', () => {
    const policy = z.object({ alerts: alertsConfigSchema.optional() }).strict();
    expect(policy.parse({}).alerts).toBeUndefined();
    expect(policy.parse({ alerts: parse(example) }).alerts?.throttle.per_channel_per_minute).toBe(20);
    expect(policy.safeParse({ alerts: { channels: {}, dedupe_window_s: -5 } }).success).toBe(false);
  });

  it('names an unknown channel in a route, with a did-you-mean hint', () => {
    const raw = parse(example);
    raw.routes[0].channels[1] = 'oncall-emial';
    expect(issues(raw)).toEqual(['alerts.routes.0.channels.1: unknown channel "oncall-emial"; did you mean "oncall-email"?']);
  });

  it('rejects bad URLs, negative numbers and inverted retry bounds, each at its path', () => {
    const raw = parse(example);
    raw.channels.siem.webhook.url = 'siem.acme.test/hooks';
    raw.dedupe_window_s = -1;
    raw.throttle.per_channel_per_minute = 0;
    raw.retry = { base_ms: 5000, max_ms: 1000 };
    const got = issues(raw);
    expect(got).toContain('alerts.channels.siem.webhook.url: must be an absolute http:// or https:// URL, e.g. https://hooks.example.com/bridle');
    expect(got).toContain('alerts.dedupe_window_s: must not be negative');
    expect(got).toContain('alerts.throttle.per_channel_per_minute: must be at least 1');
    expect(got).toContain('alerts.retry.max_ms: max_ms must be at least base_ms');
  });

  it('refuses inline secrets and points at the *_env key', () => {
    expect(issues({ channels: { s: { slack_webhook: { url: 'https://hooks.slack.com/services/x' } } } })).toEqual([
      'alerts.channels.s.slack_webhook.url: secrets are not written in the policy: put the value in an environment variable and name it with url_env',
    ]);
    expect(issues({ channels: { w: { webhook: { url: 'https://x.test', secret: 'abc' } } } })[0]).toContain('name it with secret_env');
  });

  it('explains unknown kinds, unknown fields, bad emails and empty channel lists', () => {
    expect(issues({ channels: { s: { slak: {} } } })).toEqual(['alerts.channels.s.slak: unknown channel kind "slak"; did you mean "slack"? (known: slack_webhook, slack, email, webhook)']);
    expect(issues({ channels: { s: { slack_webhook: { url_env: 'X', colour: 'red' } } } })[0]).toMatch(/^alerts\.channels\.s\.slack_webhook\.colour: unknown field "colour"/);
    expect(issues({ channels: { e: { email: { smtp_url_env: 'S', from: 'nobody', to: [] } } } })).toEqual([
      'alerts.channels.e.email.from: must be an email address, e.g. ops@example.com',
      'alerts.channels.e.email.to: to needs at least one address',
    ]);
    expect(issues({ channels: {} })[0]).toMatch(/^alerts\.channels: channels needs at least one channel/);
    expect(issues({ channels: { w: { webhook: { secret_env: 'S' } } } })).toEqual(['alerts.channels.w.webhook: give exactly one of url and url_env']);
    expect(issues({ channels: { a: { slack_webhook: { url_env: 'X' } } }, routes: [{ channels: ['a'], min_severity: 'loud' }] })[0]).toMatch(
      /^alerts\.routes\.0\.min_severity: .*\(allowed: info, warning, critical\)$/,
    );
  });
});

describe('secrets from the environment', () => {
  const config = parseAlertsConfig(parse(example));

  it('resolves every channel from the named variables', () => {
    const r = resolveAlertChannels(config, env);
    expect(r).toEqual([
      { name: 'ops-slack', kind: 'slack_webhook', url: env.SLACK_WEBHOOK_URL, timeoutMs: 10_000 },
      { name: 'ops-slack-bot', kind: 'slack', token: 'xoxb-1-2-3', channel: 'C0123', apiUrl: 'https://slack.com/api', timeoutMs: 10_000 },
      { name: 'oncall-email', kind: 'email', smtpUrl: env.SMTP_URL, from: 'bridle@acme.test', to: ['ops@acme.test'], timeoutMs: 10_000 },
      { name: 'siem', kind: 'webhook', url: 'https://siem.acme.test/hooks/bridle', secret: env.BRIDLE_WEBHOOK_SECRET, timeoutMs: 10_000 },
    ]);
  });

  it('fails naming each unset or unusable variable, and never prints a value', () => {
    const bad = { SLACK_WEBHOOK_URL: 'not a url', SMTP_URL: 'http://mail.acme.test', BRIDLE_WEBHOOK_SECRET: 'short-secret' };
    let err: BridleError | undefined;
    try {
      resolveAlertChannels(config, bad);
    } catch (e) {
      err = e as BridleError;
    }
    expect(err?.code).toBe('BRIDLE_E_CONFIG');
    const lines = err!.message.split('\n').slice(1).map((l) => l.trim());
    expect(lines).toEqual([
      'alerts.channels.ops-slack.slack_webhook.url_env: environment variable SLACK_WEBHOOK_URL must hold an absolute http:// or https:// URL',
      'alerts.channels.ops-slack-bot.slack.token_env: environment variable SLACK_BOT_TOKEN is not set (set it, or remove this channel)',
      'alerts.channels.oncall-email.email.smtp_url_env: environment variable SMTP_URL must hold an smtp:// or smtps:// URL, e.g. smtps://user:pass@smtp.example.com:465',
      'alerts.channels.siem.webhook.secret_env: environment variable BRIDLE_WEBHOOK_SECRET is shorter than 16 characters; generate one with: openssl rand -hex 32',
    ]);
    expect(err!.message).not.toContain('short-secret');
  });
});

describe('routing', () => {
  it('matches kind patterns and minimum severity, as a union of routes', () => {
    const c = parseAlertsConfig({
      channels: { a: { slack_webhook: { url_env: 'A' } }, b: { slack_webhook: { url_env: 'B' } }, c: { slack_webhook: { url_env: 'C' } } },
      routes: [
        { channels: ['a'], min_severity: 'info', kinds: ['budget.*'] },
        { channels: ['b', 'a'], min_severity: 'critical' },
        { channels: ['c'], kinds: ['agent.killed', 'breaker.*'] },
      ],
    });
    const route = createAlertRouter(c);
    expect(route('budget.threshold', 'info')).toEqual(['a']);
    expect(route('budget.threshold', 'critical')).toEqual(['a', 'b']);
    expect(route('breaker.open', 'warning')).toEqual(['c']);
    expect(route('breaker.open', 'info')).toEqual([]);
    expect(route('agent.killed', 'critical')).toEqual(['b', 'a', 'c']);
    expect(route('budgetXthreshold', 'info')).toEqual([]);
  });

  it('sends everything at warning or above to every channel when there are no routes', () => {
    const route = createAlertRouter(parseAlertsConfig({ channels: { a: { slack_webhook: { url_env: 'A' } }, b: { webhook: { url: 'https://x.test', secret_env: 'S' } } } }));
    expect(route('anything.at.all', 'warning')).toEqual(['a', 'b']);
    expect(route('anything.at.all', 'info')).toEqual([]);
  });

  it('treats only * as special in kind patterns', () => {
    expect(kindMatcher('budget.*').test('budget.threshold')).toBe(true);
    expect(kindMatcher('budget.*').test('budgets')).toBe(false);
    expect(kindMatcher('a-b.c').test('a-bxc')).toBe(false);
    expect(kindMatcher('*').test('x')).toBe(true);
  });
});
