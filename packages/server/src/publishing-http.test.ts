import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ADMIN, testServer } from './test-support.js';

describe('POST /v1/actions/:id/undo', () => {
  let s: Awaited<ReturnType<typeof testServer>>;
  beforeEach(async () => {
    s = await testServer('sqlite');
  });
  afterEach(() => s.close());

  const submit = async () =>
    (
      await s.app.inject({ method: 'POST', url: '/v1/actions', headers: { authorization: `Bearer ${s.keys.alpha}` }, payload: { type: 'social.post', params: { platform: 'x', text: 'Shipping day!' } } })
    ).json() as { id: string; status: string };

  it('lets an operator reverse a published post, and only once', async () => {
    const a = await submit();
    expect(a.status).toBe('succeeded');
    const undo = () => s.app.inject({ method: 'POST', url: `/v1/actions/${a.id}/undo`, headers: { authorization: `Bearer ${ADMIN}`, 'x-bridle-operator': 'ana' }, payload: { reason: 'wrong account' } });
    const r = await undo();
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ id: a.id, status: 'undone' });
    expect(await s.t.store.db.selectFrom('outbox').select('id').where('action_id', '=', a.id).execute()).toHaveLength(0);
    const again = await undo();
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('BRIDLE_E_INVALID_STATE');
  });

  it('refuses agent keys: an agent cannot reverse what a human may have approved', async () => {
    const a = await submit();
    const r = await s.app.inject({ method: 'POST', url: `/v1/actions/${a.id}/undo`, headers: { authorization: `Bearer ${s.keys.alpha}` }, payload: {} });
    expect(r.statusCode).toBe(403);
    expect((await s.bridle.get(a.id)).status).toBe('succeeded');
  });
});

describe('notBefore over HTTP', () => {
  let s: Awaited<ReturnType<typeof testServer>>;
  beforeEach(async () => {
    s = await testServer('sqlite');
  });
  afterEach(() => s.close());

  const submit = (notBefore: unknown) =>
    s.app.inject({ method: 'POST', url: '/v1/actions', headers: { authorization: `Bearer ${s.keys.alpha}` }, payload: { type: 'social.post', params: { platform: 'x', text: 'later' }, notBefore } });

  it('schedules an ISO time and shows it; refuses what is not a time, with nothing written', async () => {
    const at = new Date(Date.now() + 3_600_000).toISOString();
    const ok = await submit(at);
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ status: 'allowed', notBefore: at });
    const before = await s.t.store.db.selectFrom('actions').select('id').execute();
    for (const bad of ['tomorrow', '2026-13-45T99:00:00Z', -5, 1.5, { at }, Date.now() + 1000 * 86_400_000]) {
      const r = await submit(bad);
      expect(r.statusCode, JSON.stringify(bad)).toBe(400);
      expect(r.json().error.code).toBe('BRIDLE_E_VALIDATION');
    }
    expect(await s.t.store.db.selectFrom('actions').select('id').execute()).toHaveLength(before.length);
  });
});
