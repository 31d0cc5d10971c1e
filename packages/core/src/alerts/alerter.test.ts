import { sql } from 'kysely';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { openStore, type Store } from '../store/open.js';
import { dialects, testStore, type TestStore } from '../test-support.js';
import { manualClock, sequentialIds, type IdGenerator } from '../util/clock.js';
import { createAlerter, type Alerter } from './alerter.js';
import { parseAlertsConfig } from './config.js';
import { AlertQueue } from './queue.js';
import { httpServer, smtpServer, type Reply, type TestHttpServer, type TestSmtpServer } from './test-servers.js';
import type { AlertInput, AlertLogger } from './types.js';
import { verifyWebhookSignature } from './webhook/signature.js';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const SECRET = 'test-secret-0123456789abcdef';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function server(reply: (i: number) => Reply | Promise<Reply>): Promise<TestHttpServer> {
  const s = await httpServer((_r, i) => reply(i));
  cleanups.push(() => s.close());
  return s;
}

async function store(dialect: 'sqlite' | 'postgres'): Promise<TestStore> {
  const ts = await testStore(dialect);
  cleanups.push(() => ts.cleanup());
  return ts;
}

function recorder(): AlertLogger & { lines: string[] } {
  const lines: string[] = [];
  return { lines, info: (m) => lines.push(`info ${m}`), warn: (m) => lines.push(`warn ${m}`), error: (m) => lines.push(`error ${m}`) };
}

/** An alerter with one signed-webhook channel `siem` pointed at `url`, on a manual clock. */
function alerter(s: Store, url: string, extra: Record<string, unknown> = {}, clock = manualClock(T0), ids: IdGenerator = sequentialIds()) {
  const logger = recorder();
  const config = parseAlertsConfig({ channels: { siem: { webhook: { url_env: 'HOOK_URL', secret_env: 'HOOK_SECRET' } } }, ...extra });
  const a = createAlerter({ store: s, config, clock, ids, logger, random: () => 0.5, env: { HOOK_URL: url, HOOK_SECRET: SECRET } });
  cleanups.push(() => a.stop());
  return { a, clock, logger };
}

const budget = (agentId = 'bot', over: Partial<AlertInput> = {}): AlertInput => ({ kind: 'budget.threshold', severity: 'warning', title: `${agentId} at 80%`, text: 'Spent $80 of $100', agentId, fields: { spent_usd: 80 }, ...over });
const bodies = (s: TestHttpServer) => s.received.map((r) => JSON.parse(r.body) as { id: string; title: string; suppressed_count: number });

describe.each(dialects)('alerter on %s', (dialect) => {
  it('queues durably before delivering, then delivers a verifiable webhook', async () => {
    const ts = await store(dialect);
    const s = await server(() => ({ status: 200 }));
    const { a } = alerter(ts.store, `${s.url}/hook`);
    await a.raise(budget());
    expect(s.received).toHaveLength(0);
    const [row] = await a.list();
    expect(row).toMatchObject({ id: 'alert_00000001.siem', channel: 'siem', status: 'pending', attempts: 0, createdAt: T0, sentAt: null });
    expect(row!.alert).toEqual({ id: 'alert_00000001', kind: 'budget.threshold', severity: 'warning', title: 'bot at 80%', text: 'Spent $80 of $100', agentId: 'bot', fields: { spent_usd: 80 }, dedupeKey: 'budget.threshold:bot', at: T0 });
    await a.flush();
    expect(s.received).toHaveLength(1);
    expect(verifyWebhookSignature(s.received[0]!.body, s.received[0]!.headers, SECRET, 300, T0)).toEqual({ ok: true, deliveryId: 'alert_00000001.siem', timestamp: T0 / 1000 });
    expect(await a.list()).toMatchObject([{ status: 'sent', attempts: 1, sentAt: T0, lastError: null }]);
  });

  it('routes by severity and kind; an unrouted alert writes nothing', async () => {
    const ts = await store(dialect);
    const s = await server(() => ({ status: 200 }));
    const { a } = alerter(ts.store, s.url, { routes: [{ channels: ['siem'], min_severity: 'critical', kinds: ['agent.*'] }] });
    await a.raise({ kind: 'agent.killed', severity: 'warning', title: 'too quiet', text: '' });
    await a.raise({ kind: 'budget.threshold', severity: 'critical', title: 'wrong kind', text: '' });
    await a.raise({ kind: 'agent.killed', severity: 'critical', title: 'killed', text: '' });
    await a.flush();
    expect(bodies(s).map((b) => b.title)).toEqual(['killed']);
    expect(await a.list()).toHaveLength(1);
  });

  it('suppresses a repeat of the same dedupe key within the window, and records it', async () => {
    const ts = await store(dialect);
    const s = await server(() => ({ status: 200 }));
    const { a, clock } = alerter(ts.store, s.url, { dedupe_window_s: 600 });
    await a.raise(budget('bot'));
    clock.advance(599_999);
    await a.raise(budget('bot'));
    await a.raise(budget('other-bot'));
    await a.flush();
    expect(bodies(s).map((b) => b.id)).toEqual(['alert_00000001.siem', 'alert_00000003.siem']);
    const suppressed = await a.list({ status: 'suppressed' });
    expect(suppressed).toMatchObject([{ id: 'alert_00000002.siem', lastError: 'deduplicated: same dedupe key as alert_00000001.siem within 600 s' }]);
    clock.advance(1);
    await a.raise(budget('bot'));
    await a.flush();
    expect(bodies(s).map((b) => b.id)).toEqual(['alert_00000001.siem', 'alert_00000003.siem', 'alert_00000004.siem']);
  });

  it('throttles per channel per minute and reports the count on the next delivery', async () => {
    const ts = await store(dialect);
    const s = await server(() => ({ status: 200 }));
    const { a, clock } = alerter(ts.store, s.url, { throttle: { per_channel_per_minute: 3 } });
    for (const n of [1, 2, 3]) await a.raise(budget(`bot-${n}`));
    await a.flush();
    clock.advance(1000);
    for (const n of [4, 5]) await a.raise(budget(`bot-${n}`));
    expect((await a.list({ status: 'suppressed' })).map((r) => r.lastError)).toEqual([
      'throttled: over 3 alerts per minute on this channel',
      'throttled: over 3 alerts per minute on this channel',
    ]);
    clock.advance(59_000); // the first three are now a minute old
    await a.raise(budget('bot-6'));
    await a.raise(budget('bot-7'));
    await a.flush();
    expect(bodies(s).map((b) => [b.title, b.suppressed_count])).toEqual([
      ['bot-1 at 80%', 0],
      ['bot-2 at 80%', 0],
      ['bot-3 at 80%', 0],
      ['bot-6 at 80%', 2],
      ['bot-7 at 80%', 0],
    ]);
    expect((await a.list({ status: 'suppressed' })).map((r) => r.sentAt)).toEqual([T0 + 60_000, T0 + 60_000]);
  });

  it('retries 5xx with exponential backoff, then keeps a dead letter that can be requeued', async () => {
    const ts = await store(dialect);
    let up = false;
    const s = await server(() => (up ? { status: 200 } : { status: 503, body: 'down for maintenance' }));
    const { a, clock, logger } = alerter(ts.store, s.url, { retry: { max_attempts: 3, base_ms: 1000, max_ms: 1500 } });
    await a.raise(budget());
    await a.flush();
    // random() = 0.5 → half the capped delay plus a quarter: 750 ms, then 1125 ms (1500 cap).
    expect(await a.list()).toMatchObject([{ status: 'pending', attempts: 1, nextAttemptAt: T0 + 750, lastError: `webhook ${s.url} HTTP 503: down for maintenance` }]);
    clock.advance(749);
    await a.flush();
    expect(s.received).toHaveLength(1);
    clock.advance(1);
    await a.flush();
    expect(await a.list()).toMatchObject([{ status: 'pending', attempts: 2, nextAttemptAt: T0 + 750 + 1125 }]);
    clock.advance(1125);
    await a.flush();
    expect(s.received).toHaveLength(3);
    const dead = await a.list({ status: 'dead' });
    expect(dead).toMatchObject([{ id: 'alert_00000001.siem', attempts: 3, lastError: `webhook ${s.url} HTTP 503: down for maintenance` }]);
    expect(logger.lines.filter((l) => l.startsWith('error'))).toEqual([`error alert dead (gave up after 3 attempts): webhook ${s.url} HTTP 503: down for maintenance`]);
    clock.advance(3_600_000);
    await a.flush();
    expect(s.received).toHaveLength(3);
    up = true;
    expect(await a.requeue('alert_00000001.siem')).toBe(true);
    expect(await a.requeue('alert_00000001.siem')).toBe(false);
    await a.flush();
    expect(await a.list()).toMatchObject([{ status: 'sent', attempts: 1 }]);
    const ids = s.received.map((r) => r.headers['x-bridle-delivery']);
    expect(new Set(ids)).toEqual(new Set(['alert_00000001.siem']));
  });

  it('dead-letters a permanent 4xx at once, and honours Retry-After on 429', async () => {
    const ts = await store(dialect);
    const replies: Reply[] = [{ status: 404, body: 'no_service' }, { status: 429, headers: { 'retry-after': '30' } }, { status: 200 }];
    const s = await server((i) => replies[i]!);
    const { a, clock } = alerter(ts.store, s.url);
    await a.raise(budget('a'));
    await a.flush();
    expect(await a.list({ status: 'dead' })).toMatchObject([{ attempts: 1, lastError: `webhook ${s.url} HTTP 404: no_service` }]);
    await a.raise(budget('b'));
    await a.flush();
    expect(await a.list({ status: 'pending' })).toMatchObject([{ attempts: 1, nextAttemptAt: T0 + 30_000 }]);
    clock.advance(29_999);
    await a.flush();
    expect(s.received).toHaveLength(2);
    clock.advance(1);
    await a.flush();
    expect(s.received).toHaveLength(3);
    expect((await a.list({ status: 'sent' })).map((r) => r.alert.agentId)).toEqual(['b']);
  });

  it('delivers after a crash: rows queued by one process are sent by the next', async () => {
    const ts = await store(dialect);
    const s = await server(() => ({ status: 200 }));
    const first = alerter(ts.store, s.url);
    await first.a.raise(budget('a'));
    await first.a.raise(budget('b'));
    const reopened = await ts.reopen(); // the first process is gone; its store handle closed
    const second = alerter(reopened, s.url);
    await second.a.flush();
    expect(bodies(s).map((b) => b.id).sort()).toEqual(['alert_00000001.siem', 'alert_00000002.siem']);
  });

  it('retakes a row whose sender died mid-attempt once its lease ends', async () => {
    const ts = await store(dialect);
    const s = await server(() => ({ status: 200 }));
    const { a, clock } = alerter(ts.store, s.url);
    await a.raise(budget());
    const [row] = await ts.store.db.selectFrom('alerts').selectAll().execute();
    expect(await new AlertQueue(ts.store).claim(row!, T0, 40_000)).toBeDefined(); // claimed, then the claimer "crashed"
    await a.flush();
    expect(s.received).toHaveLength(0);
    clock.advance(40_000);
    await a.flush();
    expect(s.received).toHaveLength(1);
    expect(await a.list()).toMatchObject([{ status: 'sent', attempts: 2 }]);
  });

  it('start() delivers rows left pending, and new alerts, in the background', async () => {
    const ts = await store(dialect);
    const s = await server(() => ({ status: 200 }));
    const { a } = alerter(ts.store, s.url);
    await a.raise(budget('left-over'));
    a.start();
    await vi.waitFor(() => expect(s.received).toHaveLength(1), { timeout: 10_000 });
    await a.raise(budget('new'));
    await vi.waitFor(() => expect(s.received).toHaveLength(2), { timeout: 10_000 });
    await a.stop();
    expect(bodies(s).map((b) => b.title)).toEqual(['left-over at 80%', 'new at 80%']);
  });

  it('two alerters sharing the store never deliver one row twice', async () => {
    const ts = await store(dialect);
    const seen: string[] = [];
    const s = await httpServer(async (r) => {
      seen.push(String(r.headers['x-bridle-delivery']));
      await new Promise((ok) => setTimeout(ok, Math.floor(Math.random() * 4)));
      return { status: 200 };
    });
    cleanups.push(() => s.close());
    let other: Store = ts.store;
    if (dialect === 'postgres') {
      // A second instance: its own connection pool on the same schema.
      const schema = (await sql<{ s: string }>`select current_schema() as s`.execute(ts.store.db)).rows[0]!.s;
      other = await openStore({ databaseUrl: process.env.BRIDLE_TEST_PG_URL, pgSchema: schema, dataDir: ts.dataDir });
      cleanups.push(() => other.close());
    }
    const clock = manualClock(T0);
    const one = alerter(ts.store, s.url, { throttle: { per_channel_per_minute: 1000 } }, clock);
    let n = 0;
    const two = alerter(other, s.url, { throttle: { per_channel_per_minute: 1000 } }, clock, { next: (p) => `${p}_two${++n}` });
    for (let i = 0; i < 40; i++) await (i % 2 ? one : two).a.raise(budget(`bot-${i}`, { title: `t${i}` }));
    const ids = (await one.a.list({ limit: 1000 })).map((r) => r.id);
    expect(new Set(ids).size).toBe(40);
    await Promise.all([one.a.flush(), two.a.flush(), one.a.flush(), two.a.flush()]);
    expect(seen).toHaveLength(40);
    expect(new Set(seen).size).toBe(40);
    expect((await one.a.list({ limit: 1000 })).every((r) => r.status === 'sent' && r.attempts === 1)).toBe(true);
  });
});

describe('alerter with every channel kind (sqlite)', () => {
  let smtp: TestSmtpServer;
  it('delivers one alert to Slack webhook, Slack API, email and webhook channels', async () => {
    const ts = await store('sqlite');
    const slack = await server(() => ({ status: 200, body: 'ok' }));
    let api = 0;
    const bot = await server(() => (api++ === 0 ? { status: 500, body: 'oops' } : { status: 200, body: '{"ok":true}' }));
    const hook = await server(() => ({ status: 200 }));
    smtp = await smtpServer();
    cleanups.push(() => smtp.close());
    const config = parseAlertsConfig({
      channels: {
        'ops-slack': { slack_webhook: { url_env: 'SLACK_WEBHOOK_URL' } },
        'ops-slack-bot': { slack: { token_env: 'SLACK_BOT_TOKEN', channel: 'C0123', api_url: `${bot.url}/api` } },
        'oncall-email': { email: { smtp_url_env: 'SMTP_URL', from: 'bridle@acme.test', to: ['ops@acme.test'] } },
        siem: { webhook: { url: `${hook.url}/hooks/bridle`, secret_env: 'BRIDLE_WEBHOOK_SECRET' } },
      },
    });
    const env = { SLACK_WEBHOOK_URL: `${slack.url}/services/T/B/X`, SLACK_BOT_TOKEN: 'xoxb-1', SMTP_URL: smtp.url, BRIDLE_WEBHOOK_SECRET: SECRET };
    const clock = manualClock(T0);
    const a = createAlerter({ store: ts.store, config, clock, ids: sequentialIds(), env, random: () => 0, logger: recorder() });
    cleanups.push(() => a.stop());
    await a.raise({ kind: 'breaker.open', severity: 'critical', title: 'Breaker open for bot', text: '5 failures in 60 s', agentId: 'bot' });
    await a.flush();
    expect((await a.list()).map((r) => [r.channel, r.status, r.attempts]).sort()).toEqual([
      ['oncall-email', 'sent', 1],
      ['ops-slack', 'sent', 1],
      ['ops-slack-bot', 'pending', 1],
      ['siem', 'sent', 1],
    ]);
    clock.advance(500); // random() = 0 → half of base_ms
    await a.flush();
    expect(bot.received).toHaveLength(2);
    expect((await a.list({ channel: 'ops-slack-bot' }))[0]).toMatchObject({ status: 'sent', attempts: 2 });
    expect(smtp.mails[0]!.headers.subject).toBe('[Bridle] CRITICAL: Breaker open for bot');
    expect((JSON.parse(slack.received[0]!.body) as { text: string }).text).toContain('Breaker open for bot');
  });

  it('never leaves a transaction open on the shared SQLite connection, nor joins one', async () => {
    const ts = await store('sqlite');
    const s = await server(() => ({ status: 200 }));
    const { a } = alerter(ts.store, s.url);
    const sqlite = ts.store.sqlite!;
    // The group-commit writer runs synchronous transactions on this handle: one left open by
    // raise() across an await would swallow the writer's commits into ours.
    let finished = false;
    const p = a.raise(budget('a')).then(() => (finished = true));
    const seen: boolean[] = [];
    while (!finished) {
      seen.push(sqlite.inTransaction);
      await new Promise((ok) => setImmediate(ok));
    }
    await p;
    expect(seen.some(Boolean)).toBe(false);
    // Someone else's open transaction: raise() waits for it instead of nesting, so its rollback cannot take the alert.
    let release = () => {};
    const held = new Promise<void>((ok) => (release = ok));
    const outer = ts.store.db
      .transaction()
      .execute(async (trx) => {
        await sql`select 1`.execute(trx);
        await held;
        throw new Error('roll back');
      })
      .catch((e: Error) => e.message);
    await vi.waitFor(() => expect(sqlite.inTransaction).toBe(true));
    let raised = false;
    const r = a.raise(budget('b')).then(() => (raised = true));
    for (let i = 0; i < 20; i++) await new Promise((ok) => setImmediate(ok));
    expect(raised).toBe(false);
    release();
    expect(await outer).toBe('roll back');
    await r;
    expect((await a.list()).map((x) => x.alert.agentId).sort()).toEqual(['a', 'b']);
  });

  it('fails at creation when a named variable is unset', async () => {
    const ts = await store('sqlite');
    const config = parseAlertsConfig({ channels: { s: { slack_webhook: { url_env: 'BRIDLE_TEST_UNSET_WEBHOOK' } } } });
    expect(() => createAlerter({ store: ts.store, config, env: {} })).toThrow(/BRIDLE_TEST_UNSET_WEBHOOK is not set/);
  });

  it('refuses a malformed alert with BRIDLE_E_VALIDATION, and cuts over-long text instead of refusing it', async () => {
    const ts = await store('sqlite');
    const s = await server(() => ({ status: 200 }));
    const { a } = alerter(ts.store, s.url);
    await expect(a.raise({ kind: '', severity: 'loud' as 'info', title: 'x', text: '' })).rejects.toMatchObject({ code: 'BRIDLE_E_VALIDATION' });
    await a.raise(budget('bot', { text: 'x'.repeat(10_000) }));
    expect((await a.list())[0]!.alert.text).toHaveLength(4000);
  });
});
