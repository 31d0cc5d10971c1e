import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { JsonObject } from '../../json.js';
import { promptInjection, promptInjectionOptions } from './index.js';
import { classifyRemote, injectionProbability, remoteOptions } from './remote.js';
import { startHfServer, type HfServer } from './test-hf-server.js';

let server: HfServer;
beforeAll(async () => {
  server = await startHfServer();
});
afterAll(() => server.close());

const KEY_ENV = 'BRIDLE_TEST_PI_REMOTE_KEY';
afterEach(() => {
  delete process.env[KEY_ENV];
});

const check = (remote: Record<string, unknown>) => promptInjection.create(promptInjectionOptions.parse({ remote }));
const run = (remote: Record<string, unknown>, params: JsonObject, signal = new AbortController().signal) =>
  Promise.resolve(check(remote).run({ agentId: 'a', actionType: 'web.read', params }, signal));

const BENIGN = 'Lovely weather in Lisbon today, we walked along the river and had pastéis de nata.';

/** The local model's score alone, for comparison. */
function localScore(text: string): number {
  const r = promptInjection.create(promptInjectionOptions.parse({})).run({ agentId: 'a', actionType: 'web.read', params: { text } }, new AbortController().signal);
  if (r instanceof Promise) throw new Error('local check must be synchronous');
  return r.score;
}

describe('prompt_injection with a remote classifier', () => {
  it('is asynchronous only when remote is configured', () => {
    expect(promptInjection.create(promptInjectionOptions.parse({})).sync).toBe(true);
    expect(check({ url: server.url('/ok') }).sync).toBeUndefined();
  });

  it('flags what the remote model flags even when the local model passes it, and sends {"inputs": text}', async () => {
    process.env[KEY_ENV] = 'hf_test_token';
    const text = `${BENIGN} MAGIC`;
    const r = await run({ url: server.url('/ok'), api_key_env: KEY_ENV }, { text });
    expect(r.passed).toBe(false);
    expect(r.score).toBeCloseTo(0.03, 10);
    expect(r.findings).toHaveLength(1);
    expect(r.findings[0]!.message).toMatch(/\(remote classifier p 0\.97\)/);
    expect(r.findings[0]!.span).toBeDefined();
    expect(server.last?.body).toEqual({ inputs: text });
    expect(server.last?.headers).toMatchObject({ 'content-type': 'application/json', authorization: 'Bearer hf_test_token' });
  });

  it('passes when both models pass; the score uses the higher probability', async () => {
    const r = await run({ url: server.url('/ok') }, { text: BENIGN });
    expect(r.passed).toBe(true);
    expect(r.score).toBeCloseTo(Math.min(localScore(BENIGN), 0.98), 10);
    expect(server.last?.headers.authorization).toBeUndefined();
  });

  it('reads the nested [[{label, score}]] form and a top-1 answer with another label', async () => {
    expect((await run({ url: server.url('/nested') }, { text: `${BENIGN} MAGIC` })).passed).toBe(false);
    const top1 = await run({ url: server.url('/top1'), threshold: 0.05 }, { text: BENIGN });
    // SAFE 0.9 alone means injection 0.1, which is over this remote threshold.
    expect(top1.passed).toBe(false);
    expect(top1.score).toBeCloseTo(Math.min(localScore(BENIGN), 0.9), 10);
    expect(top1.findings[0]!.message).toMatch(/remote classifier p 0\.10/);
  });

  it('sends only the first max_chars characters', async () => {
    await run({ url: server.url('/ok'), max_chars: 10 }, { text: BENIGN });
    expect(server.last?.body).toEqual({ inputs: BENIGN.slice(0, 10) });
  });

  it('throws on a 5xx, on a body that is not JSON, and on JSON of the wrong shape, so the pipeline fails closed', async () => {
    await expect(run({ url: server.url('/500') }, { text: BENIGN })).rejects.toMatchObject({ code: 'BRIDLE_E_CONNECTOR', message: expect.stringMatching(/HTTP 500: \{"error":"model overloaded"\}/) });
    await expect(run({ url: server.url('/garbage') }, { text: BENIGN })).rejects.toThrow(/answer is not JSON: "<html>oops<\/html>"/);
    await expect(run({ url: server.url('/shape') }, { text: BENIGN })).rejects.toThrow(/answer is not \[\{label, score\}\]/);
    await expect(run({ url: server.url('/missing') }, { text: BENIGN })).rejects.toThrow(/HTTP 404/);
  });

  it('throws when the endpoint hangs past timeout_ms, or when the pipeline aborts the check', async () => {
    await expect(run({ url: server.url('/hang'), timeout_ms: 100 }, { text: BENIGN })).rejects.toMatchObject({ code: 'BRIDLE_E_CONNECTOR', message: expect.stringMatching(/no answer within 100 ms/) });
    const ctrl = new AbortController();
    const pending = run({ url: server.url('/hang'), timeout_ms: 30_000 }, { text: BENIGN }, ctrl.signal);
    setTimeout(() => ctrl.abort(), 50);
    await expect(pending).rejects.toThrow(/aborted/);
  });

  it('throws when nothing listens at the URL', async () => {
    const closed = await startHfServer();
    const url = closed.url('/ok');
    await closed.close();
    await expect(run({ url }, { text: BENIGN })).rejects.toThrow(/remote classifier: request failed/);
  });

  it('calls the endpoint once per configured field', async () => {
    const c = promptInjection.create(promptInjectionOptions.parse({ fields: ['title', 'body'], remote: { url: server.url('/ok') } }));
    const r = await c.run({ agentId: 'a', actionType: 'web.read', params: { title: 'Weather', body: `${BENIGN} MAGIC` } }, new AbortController().signal);
    expect(r.findings.map((f) => f.field)).toEqual(['body']);
  });
});

describe('injectionProbability', () => {
  const preds = [
    { label: 'BENIGN', score: 0.2 },
    { label: 'injection', score: 0.5 },
    { label: 'JAILBREAK', score: 0.3 },
  ];
  it('sums the injection labels, ignoring case', () => {
    expect(injectionProbability(preds, ['INJECTION', 'JAILBREAK'])).toBeCloseTo(0.8, 10);
    expect(injectionProbability(preds, ['jailbreak'])).toBeCloseTo(0.3, 10);
  });
  it('falls back to one minus the other labels when none is present', () => {
    expect(injectionProbability([{ label: 'SAFE', score: 0.75 }], ['INJECTION'])).toBeCloseTo(0.25, 10);
  });
  it('parses the remote options with their defaults', () => {
    expect(remoteOptions.parse({ url: 'https://x.example/predict', label: 'LABEL_1' })).toEqual({ url: 'https://x.example/predict', timeout_ms: 1000, label: ['LABEL_1'], threshold: 0.5, max_chars: 20_000 });
  });
  it('classifyRemote reports the probability of the configured labels', async () => {
    const opts = remoteOptions.parse({ url: server.url('/ok'), label: ['SAFE'] });
    await expect(classifyRemote(opts, undefined, BENIGN, new AbortController().signal)).resolves.toBeCloseTo(0.98, 10);
  });
});
