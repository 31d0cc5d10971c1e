import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ADMIN, testServer } from './test-support.js';

describe('approvals over HTTP: view, edit, mode', () => {
  let s: Awaited<ReturnType<typeof testServer>>;
  beforeEach(async () => {
    s = await testServer('sqlite');
  });
  afterEach(async () => {
    await s.close();
  });
  const call = (method: 'GET' | 'POST', url: string, key: string, payload?: unknown) =>
    s.app.inject({ method, url, headers: { authorization: `Bearer ${key}`, ...(payload ? { 'content-type': 'application/json' } : {}) }, ...(payload ? { payload: JSON.stringify(payload) } : {}) });

  it('an approver views (audited), edits and approves; the edited text is what runs', async () => {
    const a = (await call('POST', '/v1/actions', s.keys.beta, { type: 'social.post', params: { platform: 'x', text: 'first draft' } })).json();
    expect(a.status).toBe('awaiting_approval');
    const seen = (await call('GET', `/v1/approvals/${a.id}`, ADMIN)).json();
    expect(seen).toMatchObject({ id: a.id, paramsHash: a.paramsHash });
    const bad = await call('POST', `/v1/approvals/${a.id}/approve`, ADMIN, { paramsHash: a.paramsHash, params: { platform: 'x', text: 'guaranteed returns' } });
    expect(bad.json()).toMatchObject({ error: { code: 'BRIDLE_E_VALIDATION' } });
    const ok = (await call('POST', `/v1/approvals/${a.id}/approve`, ADMIN, { paramsHash: a.paramsHash, params: { platform: 'x', text: 'final copy' } })).json();
    expect(ok).toMatchObject({ status: 'succeeded', params: { text: 'final copy' } });
    const kinds = (await s.t.store.db.selectFrom('audit').select('kind').where('action_id', '=', a.id).execute()).map((r) => r.kind);
    expect(kinds).toEqual(expect.arrayContaining(['approval.viewed', 'approval.edited', 'action.approved']));
  });

  it('switches an agent from draft to auto at run time; agents cannot', async () => {
    expect((await call('POST', '/v1/agents/beta/mode', s.keys.beta, { mode: 'auto' })).statusCode).toBe(403);
    expect((await call('POST', '/v1/agents/beta/mode', ADMIN, { mode: 'auto', reason: 'trusted' })).json()).toEqual({ id: 'beta', mode: 'auto' });
    const a = (await call('POST', '/v1/actions', s.keys.beta, { type: 'social.post', params: { platform: 'x', text: 'now auto' } })).json();
    expect(a.status).toBe('succeeded');
    expect((await call('POST', '/v1/agents/nobody/mode', ADMIN, { mode: 'auto' })).statusCode).toBe(404);
  });
});
