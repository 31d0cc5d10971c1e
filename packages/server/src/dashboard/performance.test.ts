import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ADMIN, testServer } from '../test-support.js';

describe('performance and engagement over HTTP', () => {
  let s: Awaited<ReturnType<typeof testServer>>;
  beforeEach(async () => {
    s = await testServer('sqlite');
  });
  afterEach(() => s.close());

  const post = (key: string, platform: string, text: string) =>
    s.app.inject({ method: 'POST', url: '/v1/actions', headers: { authorization: `Bearer ${key}` }, payload: { type: 'social.post', params: { platform, text } } }).then((r) => r.json() as { id: string; status: string });

  it('reports per platform what was published and how humans decided', async () => {
    await post(s.keys.alpha, 'x', 'published at once');
    await post(s.keys.alpha, 'x', 'guaranteed returns!');
    const waiting = await post(s.keys.beta, 'linkedin', 'a human decides');
    expect(waiting.status).toBe('awaiting_approval');
    await s.app.inject({ method: 'POST', url: `/v1/approvals/${waiting.id}/reject`, headers: { authorization: `Bearer ${ADMIN}` }, payload: { reason: 'no' } });
    const r = await s.app.inject({ method: 'GET', url: '/v1/stats/performance?days=1&by=platform', headers: { authorization: `Bearer ${ADMIN}` } });
    expect(r.statusCode).toBe(200);
    const items = r.json().items as { key: string; actions: number; published: number; blocked: number; approvals: { rejected: number; rate: number | null } }[];
    expect(items.find((i) => i.key === 'x')).toMatchObject({ actions: 2, published: 1, blocked: 1 });
    expect(items.find((i) => i.key === 'linkedin')).toMatchObject({ actions: 1, published: 0, approvals: { rejected: 1, rate: 0 } });
    expect((await s.app.inject({ method: 'GET', url: '/v1/stats/performance?by=planet', headers: { authorization: `Bearer ${ADMIN}` } })).statusCode).toBe(400);
    expect((await s.app.inject({ method: 'GET', url: '/v1/stats/performance', headers: { authorization: `Bearer ${s.keys.alpha}` } })).statusCode).toBe(403);
  });

  it('shows an action’s engagement to its own agent only', async () => {
    const a = await post(s.keys.alpha, 'x', 'sandboxed');
    const own = await s.app.inject({ method: 'GET', url: `/v1/actions/${a.id}/engagement?refresh=true`, headers: { authorization: `Bearer ${s.keys.alpha}` } });
    expect(own.statusCode).toBe(200);
    // The outbox sandbox reports no engagement.
    expect(own.json()).toEqual({ id: a.id, engagement: null, fetchedAt: null });
    const other = await s.app.inject({ method: 'GET', url: `/v1/actions/${a.id}/engagement`, headers: { authorization: `Bearer ${s.keys.beta}` } });
    expect(other.statusCode).toBe(404);
  });
});
