import { describe, expect, it } from 'vitest';
import { sha256Hex, trustedKeysFromDataDir, trustedKeysFromPem, verifyStore } from '@bridle/core';
import { ADMIN, gatewayPolicy, testGateway } from './test-gateway.js';
import { readPayload, redactPaths, REDACTED, seal, sweepPayloads } from './payloads.js';

describe('redactPaths', () => {
  it('replaces what JSON pointers name, with * matching every key or index', () => {
    const body = { model: 'm', messages: [{ role: 'user', content: 'a' }, { role: 'tool', content: 'b' }], 'a/b': 1 };
    expect(redactPaths(body, ['/messages/*/content', '/a~1b', '/missing/0'])).toEqual({ model: 'm', messages: [{ role: 'user', content: REDACTED }, { role: 'tool', content: REDACTED }], 'a/b': REDACTED });
    expect(redactPaths(body, ['/messages/1/role'])).toMatchObject({ messages: [{ role: 'user' }, { role: REDACTED }] });
    // The input is not changed.
    expect(body.messages[0]!.content).toBe('a');
  });

  it('seals the redacted canonical text with its sha256', () => {
    const s = seal({ b: 1, a: 'secret' }, ['/a']);
    expect(s.text).toBe('{"a":"[REDACTED]","b":1}');
    expect(s.sha256).toBe(sha256Hex(s.text));
  });
});

describe('stored bodies', () => {
  it('applies redact_paths, keeps hashes in the chain, and a retention sweep deletes bodies without breaking it', async () => {
    const gw = await testGateway({ policy: (u) => gatewayPolicy({ ...u, gateway: '  audit: { record: full, redact_paths: ["/messages/*/content"], retention_days: 1 }' }) });
    try {
      const res = await gw.app.inject({ method: 'POST', url: '/v1/chat/completions', headers: { authorization: `Bearer ${gw.key}` }, payload: { model: 'smart', messages: [{ role: 'user', content: 'my password is hunter2' }], max_tokens: 10 } });
      expect(res.statusCode).toBe(200);
      const id = res.headers['x-bridle-action-id'] as string;
      const stored = await readPayload(gw.bridle.store, id);
      expect(JSON.stringify(stored?.request)).not.toContain('hunter2');
      const rec = await gw.bridle.get(id);
      expect(rec.result).toMatchObject({ request: { sha256: stored!.requestSha256 }, response: { sha256: stored!.responseSha256 } });

      expect(await sweepPayloads(gw.bridle.store, Date.now() + 2 * 86_400_000)).toBe(1);
      expect(await readPayload(gw.bridle.store, id)).toBeNull();
      const view = await gw.app.inject({ method: 'GET', url: `/v1/llm/calls/${id}`, headers: { authorization: `Bearer ${ADMIN}` } });
      expect(view.json()).toMatchObject({ stored: false, request: null, result: { request: { sha256: stored!.requestSha256 } } });
      const report = await verifyStore(gw.bridle.store, trustedKeysFromPem(trustedKeysFromDataDir(gw.t.dataDir)));
      expect(report.ok).toBe(true);
    } finally {
      await gw.close();
    }
  });

  it('keeps only hashes and sizes with record: metadata', async () => {
    const gw = await testGateway({ policy: (u) => gatewayPolicy({ ...u, gateway: '  audit: { record: metadata }' }) });
    try {
      const res = await gw.app.inject({ method: 'POST', url: '/v1/chat/completions', headers: { authorization: `Bearer ${gw.key}` }, payload: { model: 'smart', messages: [{ role: 'user', content: 'hi' }], max_tokens: 10 } });
      const id = res.headers['x-bridle-action-id'] as string;
      expect(await readPayload(gw.bridle.store, id)).toBeNull();
      expect((await gw.bridle.get(id)).result).toMatchObject({ record: 'metadata', request: { sha256: expect.stringMatching(/^[0-9a-f]{64}$/), bytes: expect.any(Number) } });
    } finally {
      await gw.close();
    }
  });
});
