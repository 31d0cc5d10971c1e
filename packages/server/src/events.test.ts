import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AddressInfo } from 'node:net';
import { ADMIN, testServer } from './test-support.js';

/** Reads `event: action` frames from an SSE response until it ends. */
async function readEvents(res: Response): Promise<{ status: string }[]> {
  const out: { status: string }[] = [];
  const text = await res.text();
  for (const frame of text.split('\n\n')) {
    const data = frame.split('\n').find((l) => l.startsWith('data: '));
    if (frame.includes('event: action') && data) out.push(JSON.parse(data.slice(6)));
  }
  return out;
}

describe('server-sent events for an action', () => {
  let s: Awaited<ReturnType<typeof testServer>>;
  let base: string;
  beforeEach(async () => {
    s = await testServer('sqlite');
    await s.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(s.app.server.address() as AddressInfo).port}`;
  });
  afterEach(async () => {
    await s.close();
  });

  it('streams the current state, then each change, and ends once the action is decided and run', async () => {
    const submitted = await fetch(`${base}/v1/actions`, { method: 'POST', headers: { authorization: `Bearer ${s.keys.beta}`, 'content-type': 'application/json' }, body: JSON.stringify({ type: 'social.post', params: { platform: 'x', text: 'a draft' } }) });
    const a = (await submitted.json()) as { id: string; status: string; paramsHash: string };
    expect(a.status).toBe('awaiting_approval');
    const res = await fetch(`${base}/v1/actions/${a.id}/events`, { headers: { authorization: `Bearer ${s.keys.beta}` } });
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const events = readEvents(res);
    const approved = await fetch(`${base}/v1/approvals/${a.id}/approve`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, body: JSON.stringify({ paramsHash: a.paramsHash }) });
    expect(approved.status).toBe(200);
    const statuses = (await events).map((e) => e.status);
    expect(statuses[0]).toBe('awaiting_approval');
    expect(statuses.at(-1)).toBe('succeeded');
  });

  it('a reconnect after the decision gets the outcome at once; another agent cannot listen', async () => {
    const done = await fetch(`${base}/v1/actions`, { method: 'POST', headers: { authorization: `Bearer ${s.keys.alpha}`, 'content-type': 'application/json' }, body: JSON.stringify({ type: 'social.post', params: { platform: 'x', text: 'hi' } }) });
    const a = (await done.json()) as { id: string };
    const again = await readEvents(await fetch(`${base}/v1/actions/${a.id}/events`, { headers: { authorization: `Bearer ${s.keys.alpha}` } }));
    expect(again.map((e) => e.status)).toEqual(['succeeded']);
    const other = await fetch(`${base}/v1/actions/${a.id}/events`, { headers: { authorization: `Bearer ${s.keys.beta}` } });
    expect(other.status).toBe(404);
  });
});
