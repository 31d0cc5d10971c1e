import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dialects } from '../../../core/src/test-support.js';
import { ADMIN, testServer } from '../test-support.js';

describe.each(dialects)('dashboard read models over HTTP on %s', (dialect) => {
  let s: Awaited<ReturnType<typeof testServer>>;
  beforeEach(async () => {
    s = await testServer(dialect);
  });
  afterEach(async () => s.close());
  const get = (url: string, key = ADMIN) => s.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${key}` } });
  const post = (url: string, key: string, payload: unknown) => s.app.inject({ method: 'POST', url, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, payload: JSON.stringify(payload) });
  const submit = async (key: string, text: string) => (await post('/v1/actions', key, { type: 'social.post', params: { platform: 'x', text } })).json() as { id: string; status: string };

  it('GET /v1/stats/overview: spend against caps, a zero-filled series and totals', async () => {
    await submit(s.keys.alpha, 'hello');
    await submit(s.keys.alpha, 'guaranteed returns');
    await submit(s.keys.beta, 'waits');
    const r = await get('/v1/stats/overview?minutes=10');
    expect(r.statusCode, r.body).toBe(200);
    const o = r.json();
    expect(Date.parse(o.now)).toBeGreaterThan(0);
    expect(o.spend.find((x: { scope: string }) => x.scope === 'agent:alpha')).toEqual({ scope: 'agent:alpha', kind: 'agent', name: 'alpha', today: { spentMicroUsd: 10_000, capMicroUsd: 50_000 }, month: { spentMicroUsd: 10_000, capMicroUsd: null } });
    expect(o.series.bucketMs).toBe(60_000);
    expect(o.series.points).toHaveLength(10);
    expect(Object.keys(o.series.points[0]).sort()).toEqual(['actions', 'allowed', 'approvalLatencyMsP50', 'approvalsDecided', 'blocked', 'errors', 'spendMicroUsd', 't']);
    expect(o.totals).toEqual({ actions: 3, blockRate: 1 / 3, errorRate: 0, pendingApprovals: 1 });
    expect((await get('/v1/stats/overview?minutes=0')).statusCode).toBe(400);
    expect((await get('/v1/stats/overview', s.keys.alpha)).statusCode).toBe(403);
  });

  it('GET /v1/outbox pages what the sandbox recorded; GET /v1/alerts lists alerts newest first', async () => {
    for (let i = 0; i < 3; i++) await submit(s.keys.alpha, `post ${i}`);
    const first = (await get('/v1/outbox?limit=2&agent=alpha')).json();
    expect(first.items.map((i: { params: { text: string } }) => i.params.text)).toEqual(['post 2', 'post 1']);
    expect(first.items[0]).toMatchObject({ agentId: 'alpha', type: 'social.post', platform: 'x' });
    expect(Date.parse(first.items[0].createdAt)).toBeGreaterThan(0);
    const second = (await get(`/v1/outbox?limit=2&agent=alpha&after=${first.next}`)).json();
    expect(second.items.map((i: { params: { text: string } }) => i.params.text)).toEqual(['post 0']);
    expect(second.next).toBeNull();
    await s.t.store.db
      .insertInto('alerts')
      .values({ id: 'alr_1', channel: 'ops', dedupe_key: 'k', severity: 'critical', payload: JSON.stringify({ id: 'al_1', kind: 'breaker.open', severity: 'critical', title: 'Breaker open', text: 'agent:alpha', agentId: 'alpha', fields: {}, dedupeKey: 'k', at: 5 }), status: 'sent', attempts: 1, next_attempt_at: 5, last_error: null, created_at: 5, sent_at: 6 })
      .execute();
    const alerts = (await get('/v1/alerts?limit=50')).json();
    expect(alerts.items).toEqual([expect.objectContaining({ id: 'al_1', kind: 'breaker.open', severity: 'critical', title: 'Breaker open', text: 'agent:alpha', agentId: 'alpha', createdAt: new Date(5).toISOString(), status: 'sent' })]);
  });

  it('GET /v1/audit filters by kind, status and time; entries verify; the export streams ndjson', async () => {
    const blocked = await submit(s.keys.alpha, 'guaranteed returns');
    await submit(s.keys.alpha, 'fine');
    const byStatus = (await get('/v1/audit?status=blocked')).json();
    expect(byStatus.items.map((i: { actionId: string }) => i.actionId)).toEqual([blocked.id]);
    expect(byStatus.items[0]).toMatchObject({ kind: 'action.blocked', agentId: 'alpha' });
    expect((await get('/v1/audit?kind=action.blocked&agent=alpha')).json().items).toHaveLength(1);
    expect((await get('/v1/audit?kind=action.blocked&agent=beta')).json().items).toHaveLength(0);
    expect((await get(`/v1/audit?from=${Date.now() + 60_000}`)).json().items).toEqual([]);
    expect((await get('/v1/audit?from=2000-01-01T00:00:00Z&limit=2')).json().next).toEqual(expect.any(String));
    expect((await get('/v1/audit?from=yesterday')).json().error.code).toBe('BRIDLE_E_VALIDATION');
    // Agents still see only their own chain, whatever they ask for.
    expect((await get('/v1/audit?agent=alpha', s.keys.beta)).json().items.every((i: { agentId: string }) => i.agentId === 'beta')).toBe(true);
    const entry = await get(`/v1/audit/entries/${byStatus.items[0].id}`);
    expect(entry.statusCode).toBe(200);
    expect(entry.json().entry).toEqual(byStatus.items[0]);
    expect(entry.json().verification).toMatchObject({ ok: true, hashMatches: true, linksToPrevious: true });
    expect((await get('/v1/audit/entries/aud_nope')).statusCode).toBe(404);
    expect((await get(`/v1/audit/entries/${byStatus.items[0].id}`, s.keys.alpha)).statusCode).toBe(403);
    const ex = await get('/v1/audit/export?agent=alpha');
    expect(ex.statusCode).toBe(200);
    expect(ex.headers['content-type']).toMatch(/^application\/x-ndjson/);
    expect(ex.headers['content-disposition']).toMatch(/^attachment; filename="bridle-audit-alpha-.*\.jsonl"$/);
    const lines = ex.body.trim().split('\n').map((l) => JSON.parse(l) as { type: string; entry?: { agentId: string } });
    expect(lines[0]).toMatchObject({ type: 'header', format: 'bridle-audit/1', agentId: 'alpha' });
    expect(lines.filter((l) => l.type === 'entry').length).toBeGreaterThanOrEqual(6);
    expect(lines.filter((l) => l.type === 'entry').every((l) => l.entry!.agentId === 'alpha')).toBe(true);
  });

  it('GET /v1/agents shows run-time mode, status, spend and breaker; pause and resume', async () => {
    await submit(s.keys.alpha, 'hello');
    const pick = async (id: string) => ((await get('/v1/agents')).json().items as { id: string }[]).find((a) => a.id === id) as Record<string, unknown>;
    expect(await pick('alpha')).toMatchObject({ mode: 'auto', modeNow: 'auto', status: 'active', spend: { todayMicroUsd: 10_000, monthMicroUsd: 10_000 }, breaker: { state: 'closed' }, killed: false });
    await post('/v1/agents/beta/mode', ADMIN, { mode: 'auto' });
    expect(await pick('beta')).toMatchObject({ mode: 'draft', modeNow: 'auto', breaker: null, status: 'active' });
    const paused = await post('/v1/agents/alpha/pause', ADMIN, { reason: 'looking into it' });
    expect(paused.statusCode, paused.body).toBe(200);
    expect(paused.json()).toMatchObject({ id: 'alpha', paused: true, killed: false, reason: 'looking into it' });
    expect(await pick('alpha')).toMatchObject({ status: 'paused', paused: true });
    expect((await submit(s.keys.alpha, 'blocked now')).status).toBe('blocked');
    expect((await post('/v1/agents/alpha/kill', ADMIN, {})).statusCode).toBe(200);
    expect(await pick('alpha')).toMatchObject({ status: 'killed' });
    expect((await post('/v1/agents/alpha/resume', ADMIN, {})).statusCode).toBe(200);
    expect(await pick('alpha')).toMatchObject({ status: 'active', paused: false, killed: false });
    expect((await post('/v1/agents/nobody/pause', ADMIN, {})).statusCode).toBe(404);
  });
});
