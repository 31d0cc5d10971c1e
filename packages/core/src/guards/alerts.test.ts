import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Bridle } from '../pipeline/engine.js';
import { parsePolicy } from '../policy/load.js';
import { dialects, testStore, type TestStore } from '../test-support.js';
import { httpServer, smtpServer, type TestHttpServer, type TestSmtpServer } from '../alerts/test-servers.js';
import { verifyWebhookSignature } from '../alerts/webhook/signature.js';
import type { Connector } from '../connectors/types.js';

const SECRET = 'a-webhook-secret-of-some-length';

const policy = `
alerts:
  channels:
    siem: { webhook: { url_env: SIEM_URL, secret_env: SIEM_SECRET } }
    ops: { slack_webhook: { url_env: SLACK_URL } }
    oncall: { email: { smtp_url_env: SMTP_URL, from: bridle@acme.test, to: [ops@acme.test] } }
  routes:
    - { channels: [siem], min_severity: info }
    - { channels: [ops, oncall], min_severity: warning }
guards:
  breaker: { min_calls: 2, error_rate: 0.4, scopes: [connector] }
agents:
  bot: { mode: auto, budget: { daily_usd: 0.1, alert_at: [0.5] } }
actions:
  post: { estimate_usd: 0.01 }
  call: { connector: down }
  review: { approval: always }
`;

describe.each(dialects)('guard events reach the alert channels on %s', (dialect) => {
  let t: TestStore;
  let bridle: Bridle;
  let hooks: TestHttpServer;
  let smtp: TestSmtpServer;
  const down: Connector = { name: 'down', execute: async () => { throw new Error('503'); } };
  beforeEach(async () => {
    t = await testStore(dialect);
    hooks = await httpServer(() => ({ status: 200, body: 'ok' }));
    smtp = await smtpServer();
    const env = { SIEM_URL: `${hooks.url}/siem`, SIEM_SECRET: SECRET, SLACK_URL: `${hooks.url}/slack`, SMTP_URL: smtp.url };
    bridle = await Bridle.open({ store: t.store, policy: parsePolicy(policy), connectors: { down }, alerts: { env, random: () => 0, pollMs: 20 } });
  });
  afterEach(async () => {
    await bridle?.close().catch(() => {});
    await hooks.close();
    await smtp.close();
    await t.cleanup();
  });

  it('a budget threshold, a breaker trip and a kill switch arrive signed, in Slack and by mail', async () => {
    for (let i = 0; i < 5; i++) await bridle.submit({ agentId: 'bot', type: 'post', params: { i } });
    for (let i = 0; i < 2; i++) await bridle.submit({ agentId: 'bot', type: 'call', params: { i } });
    // A new approval reaches other tools through the signed webhook (an info event: the siem route takes it).
    const waiting = await bridle.submit({ agentId: 'bot', type: 'review', params: { text: 'please look' } });
    expect(waiting.status).toBe('awaiting_approval');
    await bridle.setKill({ kind: 'agent', id: 'bot' }, 'killed', { actor: { type: 'operator', id: 'alice' }, reason: 'drill' });
    await vi.waitFor(
      () => {
        const kinds = hooks.received.filter((r) => r.path === '/siem').map((r) => JSON.parse(r.body).kind);
        expect(kinds).toEqual(expect.arrayContaining(['budget.threshold', 'breaker.open', 'agent.killed', 'approval.requested']));
        expect(smtp.mails.length).toBeGreaterThanOrEqual(3);
      },
      { timeout: 10_000, interval: 50 },
    );
    for (const r of hooks.received.filter((x) => x.path === '/siem')) {
      expect(verifyWebhookSignature(r.body, r.headers, SECRET, 300)).toMatchObject({ ok: true });
    }
    const budget = hooks.received.filter((r) => r.path === '/siem').map((r) => JSON.parse(r.body)).find((b) => b.kind === 'budget.threshold');
    expect(budget).toMatchObject({ severity: 'warning', agent_id: 'bot', fields: { scope: 'agent:bot', threshold: 0.5, capMicroUsd: '$0.10' } });
    const slack = hooks.received.filter((r) => r.path === '/slack').map((r) => r.body).join('\n');
    expect(slack).toContain('Circuit breaker open: connector:down');
    expect(smtp.mails.map((m) => m.headers.subject).join('\n')).toMatch(/Budget agent:bot at 50 %/);
    // Durable: every alert is a row, and none is left undelivered.
    const rows = await t.store.db.selectFrom('alerts').select(['status']).execute();
    expect(rows.filter((r) => r.status === 'pending' || r.status === 'dead')).toEqual([]);
  });
});
