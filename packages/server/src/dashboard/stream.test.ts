import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createOperator, setScryptParams } from '@bridle/core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ADMIN, testServer } from '../test-support.js';

beforeAll(() => setScryptParams({ N: 1024, r: 8, p: 1 }));
afterAll(() => setScryptParams(null));

/** Reads server-sent events from a real connection until `done` says so or the time is up. */
function listen(port: number, headers: Record<string, string>) {
  const events: { event: string; data: unknown }[] = [];
  let buf = '';
  let status = 0;
  let contentType = '';
  const req = request({ host: '127.0.0.1', port, path: '/v1/stream', headers });
  const ready = new Promise<void>((resolve, reject) => {
    req.on('response', (res) => {
      status = res.statusCode ?? 0;
      contentType = String(res.headers['content-type']);
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buf += chunk;
        let i: number;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const frame = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const ev = /^event: (.+)$/m.exec(frame)?.[1];
          const data = /^data: (.+)$/m.exec(frame)?.[1];
          if (ev && data) events.push({ event: ev, data: JSON.parse(data) });
        }
        resolve();
      });
      res.on('error', () => {});
    });
    req.on('error', reject);
  });
  req.end();
  return {
    events,
    ready,
    get status() {
      return status;
    },
    get contentType() {
      return contentType;
    },
    async until(pred: (e: { event: string; data: unknown }) => boolean, ms = 5000) {
      const end = Date.now() + ms;
      while (Date.now() < end) {
        const hit = events.find(pred);
        if (hit) return hit;
        await new Promise((r) => setTimeout(r, 20));
      }
      throw new Error(`no matching event within ${ms} ms; got ${JSON.stringify(events.map((e) => e.event))}`);
    },
    close: () => req.destroy(),
  };
}

describe('operator stream (GET /v1/stream)', () => {
  let s: Awaited<ReturnType<typeof testServer>>;
  let port: number;
  beforeEach(async () => {
    s = await testServer('sqlite');
    await createOperator(s.t.store, { name: 'vera', role: 'viewer', password: 'correct horse battery' });
    await s.app.listen({ host: '127.0.0.1', port: 0 });
    port = (s.app.server.address() as AddressInfo).port;
  });
  afterEach(async () => s.close());
  const post = (url: string, key: string, payload: unknown) => s.app.inject({ method: 'POST', url, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, payload: JSON.stringify(payload) });

  it('sends action, agent and alert events to a signed-in browser, and ends streams on close', async () => {
    const login = await s.app.inject({ method: 'POST', url: '/v1/session', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ name: 'vera', password: 'correct horse battery' }) });
    const cookie = String(login.headers['set-cookie']).split(';')[0]!;
    const sse = listen(port, { cookie, accept: 'text/event-stream' });
    await sse.ready;
    expect(sse.status).toBe(200);
    expect(sse.contentType).toMatch(/^text\/event-stream/);

    const draft = (await post('/v1/actions', s.keys.beta, { type: 'social.post', params: { platform: 'x', text: 'needs a human' } })).json() as { id: string };
    const arrived = await sse.until((e) => e.event === 'action' && (e.data as { id: string; status: string }).id === draft.id && (e.data as { status: string }).status === 'awaiting_approval');
    expect(arrived.data).toMatchObject({ agentId: 'beta', type: 'social.post', params: { text: 'needs a human' } });

    await post('/v1/agents/alpha/pause', ADMIN, { reason: 'checking' });
    expect((await sse.until((e) => e.event === 'agent' && (e.data as { id: string }).id === 'alpha')).data).toEqual({ id: 'alpha', killed: false, paused: true, mode: 'auto' });
    await post('/v1/agents/beta/mode', ADMIN, { mode: 'auto' });
    expect((await sse.until((e) => e.event === 'agent' && (e.data as { id: string }).id === 'beta')).data).toEqual({ id: 'beta', killed: false, paused: false, mode: 'auto' });

    const at = Date.now() + 1;
    await s.t.store.db
      .insertInto('alerts')
      .values({ id: 'alr_x', channel: 'ops', dedupe_key: 'k', severity: 'warning', payload: JSON.stringify({ id: 'al_x', kind: 'budget.threshold', severity: 'warning', title: 'Half the budget', text: '', agentId: 'alpha', fields: {}, dedupeKey: 'k', at }), status: 'pending', attempts: 0, next_attempt_at: at, last_error: null, created_at: at, sent_at: null })
      .execute();
    expect((await sse.until((e) => e.event === 'alert')).data).toMatchObject({ id: 'al_x', title: 'Half the budget', status: 'pending' });
    expect(sse.events.filter((e) => e.event === 'alert')).toHaveLength(1);
    sse.close();
  });

  it('refuses agents and anonymous callers', async () => {
    const anon = listen(port, {});
    await anon.ready;
    expect(anon.status).toBe(401);
    anon.close();
    const agent = listen(port, { authorization: `Bearer ${s.keys.alpha}` });
    await agent.ready;
    expect(agent.status).toBe(403);
    agent.close();
  });

  it('does not keep the server from closing', async () => {
    const sse = listen(port, { authorization: `Bearer ${ADMIN}` });
    await sse.ready;
    const t0 = Date.now();
    await s.app.close();
    expect(Date.now() - t0).toBeLessThan(3000);
    sse.close();
  });
});
