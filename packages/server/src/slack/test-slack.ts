import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export const TOKEN = 'xoxb-test-0000-secret-token';

export interface Recorded {
  path: string;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown>;
}

type Canned = { status: number; body: string; headers?: Record<string, string> };

/**
 * A local stand-in for Slack speaking its documented Web API shapes (HTTP 200 with
 * `{ok:false,error}` for failures, 429 with Retry-After) and response_url hooks (5 uses).
 */
export async function fakeSlack(): Promise<{ base: string; hooks: string; requests: Recorded[]; queue(path: string, c: Canned): void; calls(path: string): Recorded[]; close(): Promise<void> }> {
  const requests: Recorded[] = [];
  const queued = new Map<string, Canned[]>();
  const hookUses = new Map<string, number>();
  let ts = 1_700_000_000;
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString('utf8')));
    req.on('end', () => {
      const path = req.url ?? '';
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(raw) as Record<string, unknown>;
      } catch {
        body = { raw };
      }
      requests.push({ path, headers: req.headers, body });
      const send = (status: number, b: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': typeof b === 'string' ? 'text/plain' : 'application/json', ...headers });
        res.end(typeof b === 'string' ? b : JSON.stringify(b));
      };
      const canned = queued.get(path)?.shift();
      if (canned) return send(canned.status, canned.body, canned.headers);
      if (path.startsWith('/hooks/')) {
        const n = (hookUses.get(path) ?? 0) + 1;
        hookUses.set(path, n);
        return n > 5 ? send(404, 'used_url') : send(200, 'ok');
      }
      if (req.headers.authorization !== `Bearer ${TOKEN}`) return send(200, { ok: false, error: 'invalid_auth' });
      const channel = String(body.channel ?? '');
      switch (path) {
        case '/api/chat.postMessage':
          return send(200, { ok: true, channel, ts: `${ts++}.000100`, message: { text: body.text, blocks: body.blocks } });
        case '/api/chat.update':
          return send(200, { ok: true, channel, ts: body.ts, text: body.text });
        case '/api/chat.postEphemeral':
          return send(200, { ok: true, message_ts: `${ts++}.000200` });
        case '/api/views.open':
          return body.trigger_id ? send(200, { ok: true, view: { id: 'V0EDIT', ...(body.view as object) } }) : send(200, { ok: false, error: 'invalid_arguments' });
        default:
          return send(200, { ok: false, error: 'unknown_method' });
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base: `${origin}/api/`,
    hooks: `${origin}/hooks/`,
    requests,
    queue: (path, c) => queued.set(path, [...(queued.get(path) ?? []), c]),
    calls: (path) => requests.filter((r) => r.path === path || (path === '/hooks/' && r.path.startsWith('/hooks/'))),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
