import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { CSP, registerStatic } from './static.js';

describe('static dashboard', () => {
  let app: FastifyInstance;
  let dir: string;
  afterEach(async () => {
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  function serve(withDist: boolean) {
    dir = mkdtempSync(join(tmpdir(), 'bridle-dist-'));
    if (withDist) {
      mkdirSync(join(dir, 'assets'));
      writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Bridle</title><div id="root"></div>');
      writeFileSync(join(dir, 'assets', 'index-abc123.js'), 'console.log("app")');
      writeFileSync(join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    }
    writeFileSync(join(dir, '..', `secret-${process.pid}.txt`), 'outside');
    app = Fastify();
    app.get('/v1/known', async () => ({ ok: true }));
    registerStatic(app, { distDir: withDist ? dir : join(dir, 'missing') });
    return app;
  }

  it('serves index.html with the CSP, and falls back to it for client-side routes', async () => {
    serve(true);
    for (const url of ['/', '/approvals', '/agents/growth-bot?tab=budget', '/index.html']) {
      const r = await app.inject({ method: 'GET', url });
      expect(r.statusCode, url).toBe(200);
      expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(r.headers['content-security-policy']).toBe(CSP);
      expect(r.headers['content-security-policy']).toContain("default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; connect-src 'self'");
      expect(r.headers['cache-control']).toBe('no-cache');
      expect(r.body).toContain('<div id="root">');
    }
  });

  it('serves hashed assets with long cache headers and keeps API paths JSON', async () => {
    serve(true);
    const js = await app.inject({ method: 'GET', url: '/assets/index-abc123.js' });
    expect(js.statusCode).toBe(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(js.body).toBe('console.log("app")');
    expect((await app.inject({ method: 'GET', url: '/favicon.svg' })).headers['content-type']).toBe('image/svg+xml');
    expect((await app.inject({ method: 'GET', url: '/assets/gone-999.js' })).statusCode).toBe(404);
    expect((await app.inject({ method: 'GET', url: '/v1/known' })).json()).toEqual({ ok: true });
    for (const url of ['/v1/nope', '/v1', '/healthz', '/metrics']) {
      const r = await app.inject({ method: 'GET', url });
      expect(r.statusCode, url).toBe(404);
      expect(r.json().error.code).toBe('BRIDLE_E_NOT_FOUND');
    }
    // No way out of the dist directory.
    for (const url of [`/../secret-${process.pid}.txt`, `/%2e%2e/secret-${process.pid}.txt`, `/assets/%2e%2e/%2e%2e/secret-${process.pid}.txt`]) {
      const r = await app.inject({ method: 'GET', url });
      expect(r.body, url).not.toContain('outside');
    }
    rmSync(join(dir, '..', `secret-${process.pid}.txt`), { force: true });
  });

  it('answers 503 with how to build the dashboard when dist is missing', async () => {
    serve(false);
    const r = await app.inject({ method: 'GET', url: '/' });
    expect(r.statusCode).toBe(503);
    expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(r.body).toContain('npm run build -w @bridle/dashboard');
    expect((await app.inject({ method: 'GET', url: '/v1/nope' })).statusCode).toBe(404);
    rmSync(join(dir, '..', `secret-${process.pid}.txt`), { force: true });
  });
});
