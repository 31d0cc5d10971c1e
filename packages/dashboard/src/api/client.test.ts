import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { api, ApiError, errorText, query, setCsrfToken, setUnauthenticatedHandler } from './client';

// A real HTTP server standing in for Bridle's wire format (docs/errors.md): records what the
// client sent and answers per path.
describe('api client', () => {
  let server: Server;
  let base = '';
  const seen: { method: string; url: string; headers: IncomingHttpHeaders; body: string }[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
        const json = (status: number, v: unknown) => {
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(JSON.stringify(v));
        };
        if (req.url === '/ok') return json(200, { items: [1, 2] });
        if (req.url === '/gone') {
          res.writeHead(204);
          return res.end();
        }
        if (req.url === '/denied') return json(403, { error: { code: 'BRIDLE_E_CSRF', message: 'CSRF token missing', details: { header: 'x-bridle-csrf' } } });
        if (req.url === '/expired') return json(401, { error: { code: 'BRIDLE_E_UNAUTHENTICATED', message: 'Sign in again' } });
        res.writeHead(502, { 'content-type': 'text/html' });
        res.end('<html>bad gateway</html>');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    setCsrfToken(null);
    setUnauthenticatedHandler(null);
    await new Promise<void>((r) => server.close(() => r()));
  });
  beforeEach(() => {
    seen.length = 0;
  });

  it('sends the CSRF token on writes only, and JSON bodies', async () => {
    setCsrfToken('tok-123');
    expect(await api<{ items: number[] }>(`${base}/ok`)).toEqual({ items: [1, 2] });
    await api(`${base}/ok`, { method: 'POST', body: { reason: 'why' } });
    expect(await api(`${base}/gone`, { method: 'DELETE' })).toBeUndefined();
    expect(seen.map((s) => [s.method, s.headers['x-bridle-csrf'] ?? null])).toEqual([
      ['GET', null],
      ['POST', 'tok-123'],
      ['DELETE', 'tok-123'],
    ]);
    expect(seen[1]!.headers['content-type']).toBe('application/json');
    expect(JSON.parse(seen[1]!.body)).toEqual({ reason: 'why' });
  });

  it('turns error bodies into ApiError with code, status and details', async () => {
    const e = await api(`${base}/denied`, { method: 'POST' }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ApiError);
    expect(e).toMatchObject({ status: 403, code: 'BRIDLE_E_CSRF', message: 'CSRF token missing', details: { header: 'x-bridle-csrf' } });
    expect(errorText(e)).toBe('CSRF token missing (BRIDLE_E_CSRF)');
    const html = await api(`${base}/other`).catch((x: unknown) => x);
    expect(html).toMatchObject({ status: 502, code: 'http' });
  });

  it('reports a 401 to the app unless the caller expects one', async () => {
    let calls = 0;
    setUnauthenticatedHandler(() => calls++);
    await expect(api(`${base}/expired`)).rejects.toMatchObject({ status: 401 });
    await expect(api(`${base}/expired`, { quiet401: true })).rejects.toMatchObject({ status: 401 });
    expect(calls).toBe(1);
  });

  it('names an unreachable server as a network error', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    await expect(api(`http://127.0.0.1:${port}/x`)).rejects.toMatchObject({ code: 'network', status: 0 });
  });

  it('builds query strings without empty values', () => {
    expect(query({ agent: 'growth-bot', kind: '', after: null, limit: 50, to: undefined })).toBe('?agent=growth-bot&limit=50');
    expect(query({ a: '' })).toBe('');
  });
});
