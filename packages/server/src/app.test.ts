import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dialects } from '../../core/src/test-support.js';
import { ADMIN, testServer } from './test-support.js';

describe.each(dialects)('HTTP API on %s', (dialect) => {
  let s: Awaited<ReturnType<typeof testServer>>;
  beforeEach(async () => {
    s = await testServer(dialect);
  });
  afterEach(async () => {
    await s.close();
  });
  const post = (url: string, key: string, payload: unknown, headers: Record<string, string> = {}) =>
    s.app.inject({ method: 'POST', url, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers }, payload: typeof payload === 'string' ? payload : JSON.stringify(payload) });
  const get = (url: string, key: string) => s.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${key}` } });
  const actionCount = async () => (await s.t.store.db.selectFrom('actions').select('id').execute()).length;

  it('executes a clean post and reports the outcome with its decision', async () => {
    const r = await post('/v1/actions', s.keys.alpha, { type: 'social.post', params: { platform: 'x', text: 'Shipping day!' } });
    expect(r.statusCode).toBe(200);
    const a = r.json();
    expect(a).toMatchObject({ agentId: 'alpha', status: 'succeeded', decision: { outcome: 'allow', code: 'allowed' }, costMicroUsd: 10_000 });
    expect(a.decision.checks.map((c: { name: string }) => c.name)).toEqual(['max_length', 'banned_phrases']);
    const again = await get(`/v1/actions/${a.id}`, s.keys.alpha);
    expect(again.json().status).toBe('succeeded');
  });

  it.each([
    ['malformed JSON', () => post('/v1/actions', s.keys.alpha, '{"type": "social.post", '), 400, 'BRIDLE_E_INVALID_JSON'],
    ['wrong types', () => post('/v1/actions', s.keys.alpha, { type: 5, params: 'x' }), 400, 'BRIDLE_E_VALIDATION'],
    ['unknown field', () => post('/v1/actions', s.keys.alpha, { type: 'social.post', params: {}, sneaky: 1 }), 400, 'BRIDLE_E_VALIDATION'],
    ['negative estimate', () => post('/v1/actions', s.keys.alpha, { type: 'social.post', params: {}, estimatedCostMicroUsd: -1 }), 400, 'BRIDLE_E_VALIDATION'],
    ['unknown action type', () => post('/v1/actions', s.keys.alpha, { type: 'nuke.everything', params: {} }), 404, 'BRIDLE_E_UNKNOWN_ACTION_TYPE'],
    ['oversize body', () => post('/v1/actions', s.keys.alpha, { type: 'social.post', params: { text: 'x'.repeat(2 * 1024 * 1024) } }), 413, 'BRIDLE_E_BODY_TOO_LARGE'],
    ['deep nesting', () => post('/v1/actions', s.keys.alpha, '{"type":"social.post","params":' + '{"a":'.repeat(40) + '1' + '}'.repeat(40) + '}'), 400, 'BRIDLE_E_VALIDATION'],
    ['no key', () => s.app.inject({ method: 'POST', url: '/v1/actions', payload: { type: 'social.post', params: {} } }), 401, 'BRIDLE_E_UNAUTHENTICATED'],
    ['bad key', () => post('/v1/actions', 'brk_not-a-real-key', { type: 'social.post', params: {} }), 401, 'BRIDLE_E_UNAUTHENTICATED'],
    ['malformed auth header', () => post('/v1/actions', '', { type: 'social.post', params: {} }, { authorization: 'Basic abc' }), 401, 'BRIDLE_E_UNAUTHENTICATED'],
    ['admin token submitting', () => post('/v1/actions', ADMIN, { type: 'social.post', params: {} }), 403, 'BRIDLE_E_FORBIDDEN'],
    ['wrong content type', () => s.app.inject({ method: 'POST', url: '/v1/actions', headers: { authorization: `Bearer ${s.keys.alpha}`, 'content-type': 'text/plain' }, payload: 'hi' }), 415, 'BRIDLE_E_UNSUPPORTED_MEDIA_TYPE'],
    ['unknown route', () => get('/v1/nope', s.keys.alpha), 404, 'BRIDLE_E_NOT_FOUND'],
    ['non-numeric limit', () => get('/v1/actions?limit=abc', s.keys.alpha), 400, 'BRIDLE_E_VALIDATION'],
    ['limit out of range', () => get('/v1/audit?limit=100000', ADMIN), 400, 'BRIDLE_E_VALIDATION'],
    ['unknown query parameter', () => get('/v1/actions?colour=red', s.keys.alpha), 400, 'BRIDLE_E_VALIDATION'],
    ['wait longer than a minute', () => get('/v1/actions/act_x/wait?timeoutMs=999999', s.keys.alpha), 400, 'BRIDLE_E_VALIDATION'],
    ['unknown action id', () => get('/v1/actions/act_does_not_exist', s.keys.alpha), 404, 'BRIDLE_E_ACTION_NOT_FOUND'],
    ['approving an unknown action', () => post('/v1/approvals/act_nope/approve', ADMIN, {}), 404, 'BRIDLE_E_ACTION_NOT_FOUND'],
    ['agent key on an operator endpoint', () => get('/v1/approvals', s.keys.alpha), 403, 'BRIDLE_E_FORBIDDEN'],
    ['report with a bad outcome', () => post('/v1/actions/act_x/report', s.keys.alpha, { outcome: 'maybe' }), 400, 'BRIDLE_E_VALIDATION'],
  ])('refuses %s with a stable code and writes nothing', async (_name, call, status, code) => {
    const r = await call();
    expect(r.statusCode).toBe(status);
    const body = r.json();
    expect(body.error.code).toBe(code);
    expect(typeof body.error.message).toBe('string');
    expect(r.body).not.toMatch(/at .*\.ts:\d+/);
    expect(await actionCount()).toBe(0);
  });

  it('isolates agents: another agent cannot read, wait on, report or list it, nor approve anything', async () => {
    const a = (await post('/v1/actions', s.keys.beta, { type: 'social.post', params: { platform: 'x', text: 'draft' } })).json();
    expect(a.status).toBe('awaiting_approval');
    expect((await get(`/v1/actions/${a.id}`, s.keys.alpha)).json().error.code).toBe('BRIDLE_E_ACTION_NOT_FOUND');
    expect((await get(`/v1/actions/${a.id}/wait?timeoutMs=0`, s.keys.alpha)).statusCode).toBe(404);
    expect((await post(`/v1/actions/${a.id}/report`, s.keys.alpha, { outcome: 'succeeded' })).statusCode).toBe(404);
    expect((await get('/v1/actions', s.keys.alpha)).json().items).toEqual([]);
    const audit = (await get('/v1/audit', s.keys.alpha)).json().items as { agentId: string }[];
    expect(audit.every((e) => e.agentId === 'alpha')).toBe(true);
    const self = await post(`/v1/approvals/${a.id}/approve`, s.keys.beta, {});
    expect(self.statusCode).toBe(403);
    expect((await get(`/v1/actions/${a.id}`, s.keys.beta)).json().status).toBe('awaiting_approval');
  });

  it('long-polls an approval: the agent waits, an operator approves, the action runs once', async () => {
    const a = (await post('/v1/actions', s.keys.beta, { type: 'social.post', params: { platform: 'linkedin', text: 'Big news' } })).json();
    const waiting = get(`/v1/actions/${a.id}/wait?timeoutMs=10000`, s.keys.beta);
    await new Promise((r) => setTimeout(r, 50));
    const list = (await get('/v1/approvals', ADMIN)).json();
    expect(list.items.map((i: { id: string }) => i.id)).toContain(a.id);
    const ok = await post(`/v1/approvals/${a.id}/approve`, ADMIN, { paramsHash: a.paramsHash, reason: 'on brand' }, { 'x-bridle-operator': 'alice' });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ status: 'succeeded', decidedBy: 'alice' });
    expect((await waiting).json().status).toBe('succeeded');
    const twice = await post(`/v1/approvals/${a.id}/approve`, ADMIN, {});
    expect(twice.statusCode).toBe(409);
    expect(twice.json().error.code).toBe('BRIDLE_E_INVALID_STATE');
    expect(await s.t.store.db.selectFrom('outbox').selectAll().execute()).toHaveLength(1);
  });

  it('authorize mode with report, over-budget blocking and idempotency via header', async () => {
    const a = (await post('/v1/actions', s.keys.alpha, { type: 'social.post', params: { platform: 'x', text: 'mine' }, mode: 'authorize', estimatedCostMicroUsd: 40_000 })).json();
    expect(a.status).toBe('allowed');
    const over = (await post('/v1/actions', s.keys.alpha, { type: 'social.post', params: { platform: 'x', text: 'too much' }, estimatedCostMicroUsd: 20_000 })).json();
    expect(over).toMatchObject({ status: 'blocked', decision: { code: 'budget_exceeded' } });
    const rep = await post(`/v1/actions/${a.id}/report`, s.keys.alpha, { outcome: 'succeeded', costMicroUsd: 30_000, result: { postId: '1' } });
    expect(rep.json()).toMatchObject({ status: 'succeeded', costMicroUsd: 30_000 });
    const h = { 'idempotency-key': 'abc' };
    const i1 = (await post('/v1/actions', s.keys.alpha, { type: 'social.post', params: { platform: 'x', text: 'same' } }, h)).json();
    const i2 = (await post('/v1/actions', s.keys.alpha, { type: 'social.post', params: { platform: 'x', text: 'same' } }, h)).json();
    expect(i2.id).toBe(i1.id);
    const conflict = await post('/v1/actions', s.keys.alpha, { type: 'social.post', params: { platform: 'x', text: 'different' } }, h);
    expect(conflict.statusCode).toBe(409);
  });

  it('kill switch via the API blocks the next action; audit pages by cursor; OpenAPI lists the routes', async () => {
    expect((await post('/v1/agents/alpha/kill', ADMIN, { reason: 'test' })).json()).toMatchObject({ killed: true });
    const k = (await post('/v1/actions', s.keys.alpha, { type: 'social.post', params: { platform: 'x', text: 'hi' } })).json();
    expect(k.decision.code).toBe('agent_killed');
    expect((await post('/v1/agents/nobody/kill', ADMIN, {})).statusCode).toBe(404);
    // Scoped switches: an action type for every agent, then everything; agents cannot pull them.
    expect((await post('/v1/kill', s.keys.alpha, { scope: 'global' })).statusCode).toBe(403);
    expect((await post('/v1/kill', ADMIN, { scope: 'global', id: 'x' })).json()).toMatchObject({ error: { code: 'BRIDLE_E_VALIDATION' } });
    expect((await post('/v1/kill', ADMIN, { scope: 'action_type', id: 'social.post', reason: 'bad copy' })).json()).toMatchObject({ scope: 'action_type:social.post', state: 'killed' });
    expect((await get('/v1/kill-switches', ADMIN)).json().items.map((k: { scope: string }) => k.scope)).toEqual(['action_type:social.post', 'agent:alpha']);
    expect((await post('/v1/resume', ADMIN, { scope: 'action_type', id: 'social.post' })).json()).toMatchObject({ state: 'running' });
    expect((await post('/v1/resume', ADMIN, { scope: 'agent', id: 'alpha' })).json()).toMatchObject({ state: 'running' });
    expect((await post('/v1/actions', s.keys.alpha, { type: 'social.post', params: { platform: 'x', text: 'back' } })).json().decision.code).not.toMatch(/kill/);
    // Breakers: visible, and resetting a closed one is a clear error, not a silent no-op.
    expect((await get('/v1/breakers', ADMIN)).json().items.find((b: { scope: string }) => b.scope === 'agent:alpha')).toMatchObject({ state: 'closed' });
    expect((await post('/v1/breakers/reset', ADMIN, { scope: 'agent:alpha' })).json()).toMatchObject({ error: { code: 'BRIDLE_E_INVALID_STATE' } });
    expect((await post('/v1/breakers/reset', ADMIN, { scope: 'alpha' })).json()).toMatchObject({ error: { code: 'BRIDLE_E_VALIDATION' } });
    const p1 = (await get('/v1/audit?limit=2', ADMIN)).json();
    expect(p1.items).toHaveLength(2);
    const p2 = (await get(`/v1/audit?limit=2&after=${p1.next}`, ADMIN)).json();
    expect(p2.items[0].id < p1.items[1].id).toBe(true);
    const doc = (await s.app.inject('/openapi.json')).json();
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/v1/actions', '/v1/actions/{id}/report', '/v1/approvals/{id}/approve', '/v1/audit']));
    expect(doc.paths['/v1/actions'].post.requestBody.content['application/json'].schema.properties.type).toBeDefined();
    expect((await s.app.inject('/readyz')).json()).toMatchObject({ ok: true });
  });
});
