import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { httpServer, type Received, type TestHttpServer } from '../test-servers.js';
import type { AlertMessage } from '../types.js';
import { signWebhook, verifyWebhookSignature, webhookBody, webhookSender } from './index.js';

const now = Date.UTC(2026, 0, 1, 12, 0, 0);
const secret = 'whsec_0123456789abcdef0123456789abcdef';

function message(): AlertMessage {
  return {
    alert: { id: 'alert_9', kind: 'anomaly.burst', severity: 'critical', title: 'Burst of refunds', text: '40 refunds in 60 s', agentId: 'support-bot', fields: { count: 40 }, dedupeKey: 'anomaly.burst:support-bot', at: now - 5000 },
    deliveryId: 'alert_9.siem',
    channel: 'siem',
    suppressedCount: 0,
    now,
  };
}

let server: TestHttpServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** A receiver that does what the docs tell receivers to do: verify, then answer. */
async function receiver(key: string): Promise<TestHttpServer & { verdicts: ReturnType<typeof verifyWebhookSignature>[] }> {
  const verdicts: ReturnType<typeof verifyWebhookSignature>[] = [];
  const s = await httpServer((req: Received) => {
    const v = verifyWebhookSignature(req.body, req.headers, key, 300, now);
    verdicts.push(v);
    return v.ok ? { status: 204 } : { status: 401, body: v.reason };
  });
  server = s;
  return Object.assign(s, { verdicts });
}

describe('signed webhook', () => {
  it('POSTs the alert as JSON with a signature the receiver verifies', async () => {
    const s = await receiver(secret);
    const r = await webhookSender({ url: `${s.url}/hooks/bridle`, secret, timeoutMs: 5000 }).send(message(), AbortSignal.timeout(5000));
    expect(r).toEqual({ ok: true });
    expect(s.verdicts).toEqual([{ ok: true, deliveryId: 'alert_9.siem', timestamp: now / 1000 }]);
    const req = s.received[0]!;
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.headers['x-bridle-timestamp']).toBe(String(now / 1000));
    const mac = createHmac('sha256', secret).update(`${now / 1000}.${req.body}`).digest('hex');
    expect(req.headers['x-bridle-signature']).toBe(`sha256=${mac}`);
    expect(JSON.parse(req.body)).toEqual({
      id: 'alert_9.siem',
      alert_id: 'alert_9',
      channel: 'siem',
      kind: 'anomaly.burst',
      severity: 'critical',
      title: 'Burst of refunds',
      text: '40 refunds in 60 s',
      agent_id: 'support-bot',
      fields: { count: 40 },
      dedupe_key: 'anomaly.burst:support-bot',
      at: '2026-01-01T11:59:55.000Z',
      suppressed_count: 0,
    });
  });

  it('fails permanently when the receiver rejects the signature (wrong secret)', async () => {
    const s = await receiver('another-secret-of-enough-length');
    const r = await webhookSender({ url: `${s.url}/hooks/bridle?token=abc`, secret, timeoutMs: 5000 }).send(message(), AbortSignal.timeout(5000));
    expect(r).toEqual({ ok: false, permanent: true, error: `webhook ${s.url} HTTP 401: signature does not match` });
  });

  it('does not follow redirects', async () => {
    server = await httpServer(() => ({ status: 302, headers: { location: 'http://127.0.0.1:1/elsewhere' } }));
    const r = await webhookSender({ url: `${server.url}/x`, secret, timeoutMs: 5000 }).send(message(), AbortSignal.timeout(5000));
    expect(r).toMatchObject({ ok: false, permanent: true, error: expect.stringContaining('redirect to http://127.0.0.1:1/elsewhere (not followed') });
    expect(server.received).toHaveLength(1);
  });
});

describe('verifyWebhookSignature', () => {
  const body = JSON.stringify(webhookBody(message()));
  const ts = now / 1000;
  const headers = (over: Record<string, string> = {}) => ({ 'x-bridle-timestamp': String(ts), 'x-bridle-signature': signWebhook(body, secret, ts), 'x-bridle-delivery': 'alert_9.siem', ...over });

  it('accepts a good signature from Node headers, Fetch Headers, string or bytes', () => {
    expect(verifyWebhookSignature(body, headers(), secret, 300, now)).toEqual({ ok: true, deliveryId: 'alert_9.siem', timestamp: ts });
    expect(verifyWebhookSignature(Buffer.from(body), new Headers(headers()), secret, 300, now)).toMatchObject({ ok: true });
    expect(verifyWebhookSignature(body, { 'X-Bridle-Timestamp': String(ts), 'X-Bridle-Signature': signWebhook(body, secret, ts) }, secret, 300, now)).toMatchObject({ ok: true, deliveryId: undefined });
  });

  it('accepts any of several secrets (rotation)', () => {
    expect(verifyWebhookSignature(body, headers(), ['old-secret-old-secret', secret], 300, now)).toMatchObject({ ok: true });
  });

  it.each([
    ['a changed body', body.replace('40 refunds', '41 refunds'), headers(), 'signature does not match'],
    ['a changed timestamp', body, headers({ 'x-bridle-timestamp': String(ts + 1) }), 'signature does not match'],
    ['a stale timestamp', body, headers({ 'x-bridle-timestamp': String(ts - 301), 'x-bridle-signature': signWebhook(body, secret, ts - 301) }), 'stale X-Bridle-Timestamp: more than 300 s from now'],
    ['a future timestamp', body, headers({ 'x-bridle-timestamp': String(ts + 301), 'x-bridle-signature': signWebhook(body, secret, ts + 301) }), 'stale X-Bridle-Timestamp: more than 300 s from now'],
    ['no timestamp', body, { 'x-bridle-signature': signWebhook(body, secret, ts) }, 'missing or malformed X-Bridle-Timestamp'],
    ['no signature', body, { 'x-bridle-timestamp': String(ts) }, 'missing X-Bridle-Signature'],
    ['a non-hex signature', body, headers({ 'x-bridle-signature': 'sha256=xyz' }), 'malformed X-Bridle-Signature: expected sha256=<64 hex digits>'],
    ['another algorithm', body, headers({ 'x-bridle-signature': `sha1=${'a'.repeat(40)}` }), 'malformed X-Bridle-Signature: expected sha256=<64 hex digits>'],
  ])('rejects %s', (_what, b, h, reason) => {
    expect(verifyWebhookSignature(b, h, secret, 300, now)).toEqual({ ok: false, reason });
  });

  it('honours the tolerance it is given', () => {
    const old = ts - 100;
    const h = headers({ 'x-bridle-timestamp': String(old), 'x-bridle-signature': signWebhook(body, secret, old) });
    expect(verifyWebhookSignature(body, h, secret, 100, now)).toMatchObject({ ok: true });
    expect(verifyWebhookSignature(body, h, secret, 99, now)).toMatchObject({ ok: false });
  });
});
