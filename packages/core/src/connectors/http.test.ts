import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BridleError } from '../errors.js';
import { asObject, envReader, epochResetMs, isHttpUrl, num, parseObject, platformError, requestJson, retryAfterMs, secondsHeaderMs, statusReason, urlWith, type CallBudget, type JsonRequest } from './http.js';
import { ConnectorError } from './types.js';

/** Echoes each request back as JSON; a few paths answer otherwise to exercise the edge cases. */
function echoServer(): Server {
  return createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      if (path === '/slow') {
        const t = setTimeout(() => res.end('{}'), 2_000);
        res.on('close', () => clearTimeout(t));
        return;
      }
      if (path === '/html') return res.writeHead(502, { 'content-type': 'text/html' }).end('<h1>Bad Gateway</h1>');
      if (path === '/empty') return res.writeHead(204).end();
      if (path === '/redirect') return res.writeHead(302, { location: '/echo' }).end();
      res.writeHead(path === '/teapot' ? 418 : 200, { 'content-type': 'application/json', 'retry-after': '7' });
      res.end(JSON.stringify({ method: req.method, url: req.url, headers: req.headers, body }));
    });
  });
}

let server: Server;
let base: string;
beforeAll(async () => {
  server = echoServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const send = (path: string, over: Partial<JsonRequest & CallBudget> = {}) => {
  const c: JsonRequest & CallBudget = {
    platform: 'demo',
    service: 'Demo',
    method: 'GET',
    url: new URL(path, base),
    headers: { authorization: 'Bearer t' },
    signal: new AbortController().signal,
    timeoutMs: 1_000,
    step: 'read the thing',
    ...over,
  };
  return requestJson(c, c);
};

async function failure(p: Promise<unknown>): Promise<ConnectorError> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  if (!(e instanceof ConnectorError)) throw new Error(`expected a ConnectorError, got ${String(e)}`);
  return e;
}

describe('requestJson', () => {
  it('sends JSON and form bodies with matching content types, keeping a caller content type', async () => {
    const json = await send('/echo', { method: 'POST', json: { a: 1 } });
    expect(json.status).toBe(200);
    const echoed = asObject(json.body?.headers);
    expect([json.body?.method, json.body?.body, echoed?.['content-type'], echoed?.accept, echoed?.authorization]).toEqual(['POST', '{"a":1}', 'application/json', 'application/json', 'Bearer t']);
    const form = await send('/echo', { method: 'POST', form: { q: 'a b&c' } });
    expect([form.body?.body, asObject(form.body?.headers)?.['content-type']]).toEqual(['q=a+b%26c', 'application/x-www-form-urlencoded']);
    const own = await send('/echo', { method: 'POST', json: {}, headers: { 'content-type': 'application/json; charset=UTF-8' } });
    expect(asObject(own.body?.headers)?.['content-type']).toBe('application/json; charset=UTF-8');
    const none = await send('/echo');
    expect([none.body?.body, asObject(none.body?.headers)?.['content-type']]).toEqual(['', undefined]);
  });

  it('returns error statuses for the platform to classify; a body that is not a JSON object is null', async () => {
    const teapot = await send('/teapot');
    expect([teapot.status, teapot.ok, teapot.headers.get('retry-after'), typeof teapot.body?.url]).toEqual([418, false, '7', 'string']);
    const html = await send('/html');
    expect([html.status, html.body]).toEqual([502, null]);
    const empty = await send('/empty', { method: 'DELETE' });
    expect([empty.status, empty.ok, empty.body]).toEqual([204, true, null]);
  });

  it('refuses a redirect when asked to, as a network failure', async () => {
    expect((await send('/redirect')).body?.url).toBe('/echo');
    const e = await failure(send('/redirect', { redirect: 'error' }));
    expect([e.reason, e.retryable, e.message.startsWith('could not reach Demo to read the thing: ')]).toEqual(['network', true, true]);
  });

  it('times out after timeoutMs, warning when the call may have taken effect', async () => {
    const started = performance.now();
    const e = await failure(send('/slow', { method: 'POST', timeoutMs: 100, step: 'create the post', mayHaveHappened: true }));
    expect(performance.now() - started).toBeLessThan(1_500);
    expect([e.reason, e.retryable, e.platform]).toEqual(['timeout', true, 'demo']);
    expect(e.message).toBe('Demo did not answer in time to create the post (100 ms); the post may or may not have been published');
    const quiet = await failure(send('/slow', { timeoutMs: 50, mayHaveHappened: true, outcome: 'submitted' }));
    expect(quiet.message).toBe('Demo did not answer in time to read the thing (50 ms); the post may or may not have been submitted');
    expect((await failure(send('/slow', { timeoutMs: 50 }))).message).toBe('Demo did not answer in time to read the thing (50 ms)');
  });

  it("says 'aborted' when the caller's signal ends the call first", async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    const e = await failure(send('/slow', { signal: ac.signal, timeoutMs: 5_000 }));
    expect([e.reason, e.message]).toEqual(['timeout', 'Demo did not answer in time to read the thing (aborted)']);
  });

  it('maps a refused connection to network with the underlying cause', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const e = await failure(send(`http://127.0.0.1:${port}/x`));
    expect(e.reason).toBe('network');
    expect(e.message).toMatch(/^could not reach Demo to read the thing: .*ECONNREFUSED/);
  });
});

describe('rate-limit headers', () => {
  const h = (init: Record<string, string>) => new Headers(init);
  const now = Date.parse('2026-01-10T12:00:00Z');

  it('reads Retry-After as seconds or as an HTTP date, never negative', () => {
    expect(retryAfterMs(h({ 'retry-after': ' 30 ' }), now)).toBe(30_000);
    expect(retryAfterMs(h({ 'retry-after': 'Sat, 10 Jan 2026 12:01:30 GMT' }), now)).toBe(90_000);
    expect(retryAfterMs(h({ 'retry-after': 'Sat, 10 Jan 2026 11:00:00 GMT' }), now)).toBe(0);
    expect(retryAfterMs(h({ 'retry-after': 'soon' }), now)).toBeUndefined();
    expect(retryAfterMs(h({}), now)).toBeUndefined();
  });

  it('reads relative-seconds and epoch-seconds reset headers', () => {
    expect(secondsHeaderMs(h({ 'x-ratelimit-reset': '120' }), 'x-ratelimit-reset')).toBe(120_000);
    expect(secondsHeaderMs(h({ 'x-ratelimit-reset': '0.5' }), 'x-ratelimit-reset')).toBe(500);
    expect(secondsHeaderMs(h({ 'x-ratelimit-reset': '0' }), 'x-ratelimit-reset')).toBeUndefined();
    expect(secondsHeaderMs(h({}), 'x-ratelimit-reset')).toBeUndefined();
    expect(epochResetMs(h({ 'x-rate-limit-reset': String(now / 1000 + 90) }), 'x-rate-limit-reset', now)).toBe(90_000);
    expect(epochResetMs(h({ 'x-rate-limit-reset': String(now / 1000 - 5) }), 'x-rate-limit-reset', now)).toBe(0);
    expect(epochResetMs(h({ 'x-rate-limit-reset': 'never' }), 'x-rate-limit-reset', now)).toBeUndefined();
  });
});

describe('statusReason', () => {
  it('maps the statuses every platform means alike, and other 4xx as the caller says', () => {
    const statuses = [401, 403, 404, 429, 500, 503, 400, 422, 409, 302];
    expect(statuses.map((s) => statusReason(s))).toEqual(['auth_expired', 'forbidden', 'not_found', 'rate_limited', 'unavailable', 'unavailable', 'invalid', 'invalid', 'invalid', 'unknown']);
    expect([statusReason(409, 'unknown'), statusReason(410, 'unknown'), statusReason(422, 'unknown')]).toEqual(['unknown', 'unknown', 'invalid']);
  });
});

describe('small helpers', () => {
  it('envReader returns a set variable and throws BRIDLE_E_CONFIG naming an unset or empty one', () => {
    const need = envReader('demo', { A: 'x', EMPTY: '' });
    expect(need('A', 'the token')).toBe('x');
    for (const name of ['EMPTY', 'MISSING']) {
      const e = (() => {
        try {
          need(name, 'the token');
        } catch (err) {
          return err;
        }
      })();
      expect(e).toBeInstanceOf(BridleError);
      expect([(e as BridleError).code, (e as BridleError).message]).toEqual(['BRIDLE_E_CONFIG', `demo connector: environment variable ${name} (the token) is not set`]);
    }
  });

  it('num, isHttpUrl, asObject, parseObject, urlWith', () => {
    expect([num(3), num(0), num(Number.NaN), num(Infinity), num('3'), num(null)]).toEqual([3, 0, undefined, undefined, undefined, undefined]);
    expect(['https://a.example/x', 'http://a', 'ftp://a', 'javascript:alert(1)', 'a.example', ''].map(isHttpUrl)).toEqual([true, true, false, false, false, false]);
    expect([asObject({ a: 1 }), asObject([1]), asObject(null), asObject('s')]).toEqual([{ a: 1 }, null, null, null]);
    expect([parseObject('{"a":1}'), parseObject('[1]'), parseObject(''), parseObject('<html>')]).toEqual([{ a: 1 }, null, null, null]);
    const base = new URL('https://api.example/v2/x?keep=1');
    expect(urlWith(base, { q: 'a b', keep: '2' }).href).toBe('https://api.example/v2/x?keep=2&q=a+b');
    expect(base.href).toBe('https://api.example/v2/x?keep=1');
  });

  it('platformError leaves undefined info fields out', () => {
    const e = platformError('demo', 'rate_limited', 'slow down', { status: 429, platformCode: undefined, retryAfterMs: 1_000 });
    expect([e.platform, e.reason, e.retryable, e.message]).toEqual(['demo', 'rate_limited', true, 'slow down']);
    expect(e.info).toEqual({ status: 429, retryAfterMs: 1_000 });
    expect('platformCode' in e.info).toBe(false);
  });
});
