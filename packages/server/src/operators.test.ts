import { createOperator, createOperatorToken, setScryptParams } from '@bridle/core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { dialects } from '../../core/src/test-support.js';
import { ADMIN, testServer } from './test-support.js';

beforeAll(() => setScryptParams({ N: 1024, r: 8, p: 1 }));
afterAll(() => setScryptParams(null));

describe.each(dialects)('operator roles over HTTP on %s', (dialect) => {
  let s: Awaited<ReturnType<typeof testServer>>;
  const tok: Record<'viewer' | 'approver' | 'admin' | 'other', string> = { viewer: '', approver: '', admin: '', other: '' };
  beforeEach(async () => {
    s = await testServer(dialect);
    await createOperator(s.t.store, { name: 'vera', role: 'viewer' });
    await createOperator(s.t.store, { name: 'alice', role: 'approver', groups: ['finance'] });
    await createOperator(s.t.store, { name: 'root', role: 'admin' });
    await createOperator(s.t.store, { name: 'bob', role: 'approver' });
    tok.viewer = (await createOperatorToken(s.t.store, 'vera')).token;
    tok.approver = (await createOperatorToken(s.t.store, 'alice')).token;
    tok.admin = (await createOperatorToken(s.t.store, 'root')).token;
    tok.other = (await createOperatorToken(s.t.store, 'bob')).token;
  });
  afterEach(async () => {
    await s.close();
  });
  const req = (method: 'GET' | 'POST' | 'DELETE', url: string, key: string, payload?: unknown, headers: Record<string, string> = {}) =>
    s.app.inject({ method, url, headers: { authorization: `Bearer ${key}`, ...(payload === undefined ? {} : { 'content-type': 'application/json' }), ...headers }, ...(payload === undefined ? {} : { payload: JSON.stringify(payload) }) });
  const draft = async () => (await req('POST', '/v1/actions', s.keys.beta, { type: 'social.post', params: { platform: 'x', text: 'draft' } })).json() as { id: string; status: string };

  // Each endpoint with the weakest role that may use it; the ones below it get 403.
  const endpoints: [string, 'GET' | 'POST', string, unknown, 'viewer' | 'approver' | 'admin'][] = [
    ['list approvals', 'GET', '/v1/approvals', undefined, 'viewer'],
    ['list agents', 'GET', '/v1/agents', undefined, 'viewer'],
    ['read policy', 'GET', '/v1/policy', undefined, 'viewer'],
    ['list breakers', 'GET', '/v1/breakers', undefined, 'viewer'],
    ['list kill switches', 'GET', '/v1/kill-switches', undefined, 'viewer'],
    ['list actions', 'GET', '/v1/actions', undefined, 'viewer'],
    ['read audit', 'GET', '/v1/audit', undefined, 'viewer'],
    ['reject', 'POST', '/v1/approvals/ACTION/reject', {}, 'approver'],
    ['approve', 'POST', '/v1/approvals/ACTION/approve', {}, 'approver'],
    ['kill an agent', 'POST', '/v1/agents/alpha/kill', {}, 'admin'],
    ['global kill', 'POST', '/v1/kill', { scope: 'global' }, 'admin'],
    ['reset a breaker', 'POST', '/v1/breakers/reset', { scope: 'agent:alpha' }, 'admin'],
    ['list operators', 'GET', '/v1/operators', undefined, 'admin'],
  ];
  const rank = { viewer: 0, approver: 1, admin: 2 } as const;

  it.each(endpoints)('%s (%s %s %j): allowed from the %s role up, 403 below it and for agent keys', async (_n, method, url, payload, least) => {
    for (const role of ['viewer', 'approver', 'admin'] as const) {
      const a = await draft();
      const r = await req(method, url.replace('ACTION', a.id), tok[role], payload);
      if (rank[role] < rank[least]) {
        expect(r.statusCode, `${role} ${r.body}`).toBe(403);
        expect(r.json().error.code).toBe('BRIDLE_E_FORBIDDEN');
        expect((await req('GET', `/v1/actions/${a.id}`, ADMIN)).json().status).toBe('awaiting_approval');
      } else {
        // Allowed: anything but an auth refusal (resetting a closed breaker is a 409, by design).
        expect([401, 403], `${role} ${r.body}`).not.toContain(r.statusCode);
      }
      if (url.includes('kill')) await req('POST', url.includes('agents') ? '/v1/agents/alpha/resume' : '/v1/resume', ADMIN, payload ?? {});
    }
    const a = await draft();
    const r = await req(method, url.replace('ACTION', a.id), s.keys.alpha, payload);
    if (url === '/v1/actions' || url === '/v1/audit') expect(r.statusCode).toBe(200); // scoped to its own
    else expect(r.json().error.code).toBe('BRIDLE_E_FORBIDDEN');
  });

  it('records the token owner as decidedBy and in the audit; the admin token still works as break-glass', async () => {
    const a = await draft();
    const ok = await req('POST', `/v1/approvals/${a.id}/approve`, tok.approver, { reason: 'fine' });
    expect(ok.json()).toMatchObject({ status: 'succeeded', decidedBy: 'alice' });
    const audit = (await req('GET', `/v1/audit?action=${a.id}`, tok.viewer)).json().items as { kind: string; entry: { actor: { type: string; id: string } } }[];
    expect(audit.find((e) => e.kind === 'action.approved')?.entry.actor).toEqual({ type: 'operator', id: 'alice' });
    const b = await draft();
    const viaAdmin = await req('POST', `/v1/approvals/${b.id}/reject`, ADMIN, {}, { 'x-bridle-operator': 'carol' });
    expect(viaAdmin.json()).toMatchObject({ status: 'rejected', decidedBy: 'carol' });
    const killed = await req('POST', '/v1/agents/alpha/kill', tok.admin, { reason: 'test' });
    expect(killed.json()).toMatchObject({ killed: true });
    expect((await req('GET', '/v1/kill-switches', tok.viewer)).json().items[0]).toMatchObject({ actor: 'root' });
  });

  it('refuses self-approval: the submitter cannot approve, another approver can', async () => {
    const rec = await s.bridle.submit({ agentId: 'beta', type: 'social.post', params: { platform: 'x', text: 'mine' } }, { type: 'operator', id: 'alice' });
    expect(rec.status).toBe('awaiting_approval');
    const self = await req('POST', `/v1/approvals/${rec.id}/approve`, tok.approver, {});
    expect(self.statusCode).toBe(403);
    expect(self.json().error.code).toBe('BRIDLE_E_FORBIDDEN');
    const viaAdmin = await req('POST', `/v1/approvals/${rec.id}/approve`, ADMIN, {}, { 'x-bridle-operator': 'alice' });
    expect(viaAdmin.statusCode).toBe(403);
    expect((await req('GET', `/v1/actions/${rec.id}`, tok.viewer)).json().status).toBe('awaiting_approval');
    expect((await req('POST', `/v1/approvals/${rec.id}/approve`, tok.other, {})).json()).toMatchObject({ status: 'succeeded', decidedBy: 'bob' });
  });

  it('an operator token cannot submit actions; unknown, revoked and removed tokens are 401', async () => {
    const sub = await req('POST', '/v1/actions', tok.admin, { type: 'social.post', params: { platform: 'x', text: 'hi' } });
    expect(sub.json().error.code).toBe('BRIDLE_E_FORBIDDEN');
    expect((await req('GET', '/v1/approvals', 'bro_' + 'x'.repeat(43))).json().error.code).toBe('BRIDLE_E_UNAUTHENTICATED');
    expect((await req('DELETE', '/v1/operators/vera', tok.admin)).json()).toMatchObject({ name: 'vera' });
    const gone = await req('GET', '/v1/approvals', tok.viewer);
    expect(gone.statusCode).toBe(401);
    expect(gone.json().error.code).toBe('BRIDLE_E_UNAUTHENTICATED');
  });

  it('manages operators: create, list, remove, tokens for oneself or by an admin', async () => {
    const created = await req('POST', '/v1/operators', tok.admin, { name: 'dana', role: 'approver', groups: ['legal'], password: 'dana-password-1' });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ name: 'dana', role: 'approver', groups: ['legal'] });
    expect(JSON.stringify(created.json())).not.toContain('dana-password-1');
    expect((await req('POST', '/v1/operators', tok.admin, { name: 'dana', role: 'viewer' })).json().error.code).toBe('BRIDLE_E_CONFLICT');
    expect((await req('POST', '/v1/operators', tok.admin, { name: 'Eve', role: 'boss' })).json().error.code).toBe('BRIDLE_E_VALIDATION');
    expect((await req('POST', '/v1/operators', tok.approver, { name: 'eve', role: 'admin' })).json().error.code).toBe('BRIDLE_E_FORBIDDEN');
    expect((await req('POST', '/v1/operators', s.keys.alpha, { name: 'eve', role: 'admin' })).json().error.code).toBe('BRIDLE_E_FORBIDDEN');
    const names = (await req('GET', '/v1/operators', ADMIN)).json().items.map((o: { name: string }) => o.name);
    expect(names).toEqual(expect.arrayContaining(['alice', 'bob', 'dana', 'root', 'vera']));

    // Tokens: a viewer for itself, not for others; an admin for anyone. Shown once, then it works.
    const mine = await req('POST', '/v1/operators/vera/tokens', tok.viewer, { label: 'phone' });
    expect(mine.statusCode).toBe(201);
    expect(mine.json().token).toMatch(/^bro_/);
    expect((await req('GET', '/v1/approvals', mine.json().token)).statusCode).toBe(200);
    expect((await req('POST', '/v1/operators/alice/tokens', tok.viewer, {})).json().error.code).toBe('BRIDLE_E_FORBIDDEN');
    const forDana = (await req('POST', '/v1/operators/dana/tokens', tok.admin)).json();
    expect((await req('GET', '/v1/approvals', forDana.token)).statusCode).toBe(200);
    expect((await req('POST', '/v1/operators/nobody/tokens', tok.admin, {})).json().error.code).toBe('BRIDLE_E_NOT_FOUND');
    expect((await req('POST', '/v1/operators/dana/tokens', s.keys.alpha, {})).json().error.code).toBe('BRIDLE_E_FORBIDDEN');

    expect((await req('DELETE', '/v1/operators/dana', tok.approver)).json().error.code).toBe('BRIDLE_E_FORBIDDEN');
    expect((await req('DELETE', '/v1/operators/dana', ADMIN)).statusCode).toBe(200);
    expect((await req('GET', '/v1/approvals', forDana.token)).statusCode).toBe(401);
    expect((await req('DELETE', '/v1/operators/dana', ADMIN)).json().error.code).toBe('BRIDLE_E_NOT_FOUND');
    const kinds = (await req('GET', '/v1/audit?agent=_system', ADMIN)).json().items.map((e: { kind: string }) => e.kind);
    expect(kinds).toEqual(expect.arrayContaining(['operator.created', 'operator.token_created', 'operator.removed']));
    const doc = (await s.app.inject('/openapi.json')).json();
    expect(Object.keys(doc.paths['/v1/operators/{name}'])).toEqual(['delete']);
    expect(doc.paths['/v1/operators'].post.requestBody.content['application/json'].schema.properties.role.enum).toEqual(['viewer', 'approver', 'admin']);
  });
});
