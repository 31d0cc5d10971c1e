import { createOperator, createOperatorToken, removeOperator, setScryptParams, updateOperator } from '@bridle/core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { dialects } from '../../../core/src/test-support.js';
import { ADMIN, testServer } from '../test-support.js';

beforeAll(() => setScryptParams({ N: 1024, r: 8, p: 1 }));
afterAll(() => setScryptParams(null));

const PW = 'correct horse battery';

describe.each(dialects)('dashboard sessions on %s', (dialect) => {
  let s: Awaited<ReturnType<typeof testServer>>;
  beforeEach(async () => {
    s = await testServer(dialect);
    await createOperator(s.t.store, { name: 'vera', role: 'viewer', password: PW });
    await createOperator(s.t.store, { name: 'alice', role: 'approver', password: PW, groups: ['finance'] });
    await createOperator(s.t.store, { name: 'root', role: 'admin', password: PW });
  });
  afterEach(async () => s.close());

  const login = (name: string, password = PW, headers: Record<string, string> = {}) => s.app.inject({ method: 'POST', url: '/v1/session', headers: { 'content-type': 'application/json', ...headers }, payload: JSON.stringify({ name, password }) });
  async function session(name: string) {
    const r = await login(name);
    expect(r.statusCode, r.body).toBe(200);
    const cookie = String(r.headers['set-cookie']).split(';')[0]!;
    return { cookie, csrf: (r.json() as { csrfToken: string }).csrfToken };
  }
  const call = (method: 'GET' | 'POST' | 'DELETE', url: string, who: { cookie: string; csrf?: string }, payload?: unknown) =>
    s.app.inject({
      method,
      url,
      headers: { cookie: who.cookie, ...(who.csrf ? { 'x-bridle-csrf': who.csrf } : {}), ...(payload === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(payload === undefined ? {} : { payload: JSON.stringify(payload) }),
    });
  const draft = async () => (await s.app.inject({ method: 'POST', url: '/v1/actions', headers: { authorization: `Bearer ${s.keys.beta}`, 'content-type': 'application/json' }, payload: JSON.stringify({ type: 'social.post', params: { platform: 'x', text: 'hi' } }) })).json() as { id: string; paramsHash: string };

  it('signs in with a hardened cookie and returns the operator and a CSRF token', async () => {
    const r = await login('alice');
    expect(r.statusCode).toBe(200);
    const body = r.json();
    expect(body.operator).toEqual({ name: 'alice', role: 'approver', groups: ['finance'] });
    expect(body.csrfToken).toMatch(/^[\w-]{40,}$/);
    const c = String(r.headers['set-cookie']);
    expect(c).toMatch(/^bridle_session=[\w-]{40,}; HttpOnly; SameSite=Strict; Path=\/; Max-Age=43200$/);
    // Only a hash is stored: the cookie's value is nowhere in the table.
    const rows = await s.t.store.db.selectFrom('sessions').selectAll().execute();
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(c.split(';')[0]!.split('=')[1]);
    const me = await call('GET', '/v1/session', { cookie: c.split(';')[0]! });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toEqual(body);
    expect(String((await login('alice', PW, { 'x-forwarded-proto': 'https' })).headers['set-cookie'])).toMatch(/; Secure$/);
  });

  it('refuses a wrong password and an unknown name alike, then locks the name briefly', async () => {
    const wrong = await login('alice', 'not the password!');
    const unknown = await login('nobody', 'not the password!');
    expect([wrong.statusCode, unknown.statusCode]).toEqual([401, 401]);
    expect(wrong.json().error).toEqual(unknown.json().error);
    expect(wrong.json().error.code).toBe('BRIDLE_E_UNAUTHENTICATED');
    expect(wrong.headers['set-cookie']).toBeUndefined();
    for (let i = 0; i < 4; i++) await login('alice', 'still wrong!!');
    const locked = await login('alice');
    expect(locked.statusCode).toBe(429);
    expect(locked.json().error.code).toBe('BRIDLE_E_RATE_LIMITED');
    expect(locked.json().error.details.retryAfterMs).toBeGreaterThan(0);
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    // Another name is not affected.
    expect((await login('root')).statusCode).toBe(200);
  });

  it('needs the CSRF header for changes made with the cookie, and enforces roles', async () => {
    const vera = await session('vera');
    const alice = await session('alice');
    const a = await draft();
    // Reading needs no CSRF header.
    expect((await call('GET', '/v1/approvals', { cookie: alice.cookie })).statusCode).toBe(200);
    const noCsrf = await call('POST', `/v1/approvals/${a.id}/approve`, { cookie: alice.cookie }, { paramsHash: a.paramsHash });
    expect(noCsrf.statusCode).toBe(403);
    expect(noCsrf.json().error.code).toBe('BRIDLE_E_CSRF');
    const badCsrf = await call('POST', `/v1/approvals/${a.id}/approve`, { cookie: alice.cookie, csrf: vera.csrf }, { paramsHash: a.paramsHash });
    expect(badCsrf.json().error.code).toBe('BRIDLE_E_CSRF');
    const viewer = await call('POST', `/v1/approvals/${a.id}/approve`, vera, { paramsHash: a.paramsHash });
    expect(viewer.statusCode).toBe(403);
    expect(viewer.json().error.code).toBe('BRIDLE_E_FORBIDDEN');
    const ok = await call('POST', `/v1/approvals/${a.id}/approve`, alice, { paramsHash: a.paramsHash, reason: 'fine' });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toMatchObject({ status: 'succeeded', decidedBy: 'alice' });
    // An approver may not kill or switch modes; an admin may.
    expect((await call('POST', '/v1/agents/alpha/kill', alice, { reason: 'x' })).statusCode).toBe(403);
    expect((await call('POST', '/v1/agents/alpha/mode', alice, { mode: 'draft' })).statusCode).toBe(403);
    const root = await session('root');
    expect((await call('POST', '/v1/agents/alpha/kill', root, { reason: 'test' })).statusCode).toBe(200);
    // A bearer token needs no CSRF header, with or without a cookie beside it.
    const tok = (await createOperatorToken(s.t.store, 'root')).token;
    const bearer = await s.app.inject({ method: 'POST', url: '/v1/agents/alpha/resume', headers: { authorization: `Bearer ${tok}`, cookie: alice.cookie, 'content-type': 'application/json' }, payload: '{}' });
    expect(bearer.statusCode, bearer.body).toBe(200);
  });

  it('stops working at once when the session expires, the role changes or the operator is removed', async () => {
    const alice = await session('alice');
    const vera = await session('vera');
    const root = await session('root');
    await updateOperator(s.t.store, 'alice', { role: 'viewer' });
    const a = await draft();
    expect((await call('POST', `/v1/approvals/${a.id}/approve`, alice, {})).statusCode).toBe(403);
    expect((await call('GET', '/v1/session', alice)).json().operator.role).toBe('viewer');
    await removeOperator(s.t.store, 'vera');
    const gone = await call('GET', '/v1/agents', vera);
    expect(gone.statusCode).toBe(401);
    expect(gone.json().error.code).toBe('BRIDLE_E_UNAUTHENTICATED');
    await s.t.store.db.updateTable('sessions').set({ expires_at: Date.now() - 1 }).execute();
    expect((await call('GET', '/v1/agents', root)).statusCode).toBe(401);
    expect((await call('GET', '/v1/session', root)).statusCode).toBe(401);
    expect((await call('GET', '/v1/agents', { cookie: 'bridle_session=made-up-value-that-is-long-enough' })).statusCode).toBe(401);
  });

  it('signs out: the session is revoked on the server and the cookie cleared', async () => {
    const alice = await session('alice');
    const noCsrf = await call('DELETE', '/v1/session', { cookie: alice.cookie });
    expect(noCsrf.statusCode).toBe(403);
    const out = await call('DELETE', '/v1/session', alice);
    expect(out.statusCode).toBe(204);
    expect(String(out.headers['set-cookie'])).toMatch(/^bridle_session=; HttpOnly; SameSite=Strict; Path=\/; Max-Age=0/);
    expect((await call('GET', '/v1/session', alice)).statusCode).toBe(401);
    expect((await call('GET', '/v1/approvals', alice)).statusCode).toBe(401);
    // Signing out without a session is harmless.
    expect((await call('DELETE', '/v1/session', { cookie: '' })).statusCode).toBe(204);
    // Bearer auth still works exactly as before.
    expect((await s.app.inject({ method: 'GET', url: '/v1/approvals', headers: { authorization: `Bearer ${ADMIN}` } })).statusCode).toBe(200);
  });
});
