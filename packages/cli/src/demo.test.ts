/**
 * `bridle demo`, the BUILT binary: besides the stream (cli.test.ts), the demo signs a newcomer
 * in to the dashboard and runs the growth agent, whose drafts wait in the approvals inbox.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '@bridle/core';
import { assertBuilt, workspace, type Workspace } from './test-cli.js';

let ws: Workspace | undefined;
beforeAll(() => assertBuilt());
afterEach(async () => {
  await ws?.cleanup();
  ws = undefined;
});

interface Pending {
  id: string;
  agentId: string;
  status: string;
  notBefore: string | null;
  rationale: string | null;
  params: { platform: string; text: string };
}

describe('bridle demo: operator sign-in and the growth agent', () => {
  it('prints a working dashboard password, and the growth agent’s drafts wait for approval, each scheduled for its slot', async () => {
    const w = (ws = workspace());
    const dataDir = join(w.dir, 'demo-data');
    const demo = w.spawn(['demo', '--port', '0', '--data-dir', dataDir]);
    await demo.waitFor(/Press Ctrl-C to stop\./, 25_000);
    const out = demo.stdout();
    const url = /Bridle demo running at (http:\/\/127\.0\.0\.1:\d+)/.exec(out)![1]!;
    expect(out).toMatch(/offline template writer — no model configured/);
    expect(out.match(/⏸ awaiting approval\s+(x|linkedin|instagram)\s+\d{4}-\d\d-\d\d \d\d:\d\dZ/g)).toHaveLength(3);
    expect(out).toContain('3 drafts submitted; 3 wait in the approvals inbox.');

    // The printed password signs in to the dashboard.
    const [, name, password] = /as "(\w+)" with the password (\S+)/.exec(out)!;
    const login = await fetch(`${url}/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name, password }), signal: AbortSignal.timeout(10_000) });
    expect(login.status).toBe(200);
    const wrong = await fetch(`${url}/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name, password: `${password}x` }), signal: AbortSignal.timeout(10_000) });
    expect(wrong.status).toBe(401);

    const admin = readFileSync(join(dataDir, 'admin-token'), 'utf8').trim();
    const api = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
      const res = await fetch(`${url}${path}`, { method, headers: { authorization: `Bearer ${admin}`, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}), signal: AbortSignal.timeout(10_000) });
      return (await res.json()) as T;
    };
    const inbox = (await api<{ items: Pending[] }>('GET', '/v1/approvals')).items.filter((a) => a.agentId === 'growth-agent');
    expect(inbox.map((a) => a.params.platform).sort()).toEqual(['instagram', 'linkedin', 'x']);
    const slots = inbox.map((a) => Date.parse(a.notBefore!)).sort((a, b) => a - b);
    expect(slots[0]!).toBeGreaterThan(Date.now());
    expect(slots[1]! - slots[0]!).toBe(60_000);
    expect(inbox[0]!.rationale).toMatch(/offline template writer/);
    // The printed approve command names one of them.
    const first = /approvals approve (act_\w+)/.exec(out)![1]!;
    expect(inbox.map((a) => a.id)).toContain(first);

    // Approved now, published at its slot: it waits, and nothing is in the outbox yet.
    const approved = await api<Pending>('POST', `/v1/approvals/${first}/approve`, { reason: 'demo test' });
    expect(approved.status).toBe('approved');

    const exit = await demo.stop('SIGTERM', 10_000);
    expect(exit).toEqual({ code: 0, signal: null });
    const store = await openStore({ dataDir });
    try {
      expect(await store.db.selectFrom('outbox').select('id').where('action_id', '=', first).execute()).toHaveLength(0);
    } finally {
      await store.close();
    }
  }, 60_000);
});
