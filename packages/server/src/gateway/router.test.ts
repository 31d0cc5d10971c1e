import { afterEach, describe, expect, it } from 'vitest';
import { BridleError, gatewaySchema } from '@bridle/core';
import { createRouter, type RouterOptions } from './router.js';
import { startTestUpstream, type TestUpstream, type UpstreamKind } from './test-upstreams.js';
import { UpstreamError, type ChatChunk, type Router } from './types.js';

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((o) => o.close()));
});

async function upstream(kind: UpstreamKind): Promise<TestUpstream> {
  const up = await startTestUpstream(kind);
  open.push(up);
  return up;
}

/** A router over the given upstreams with a fake clock and a sleep that records instead of waiting. */
async function routerFor(gateway: Record<string, unknown>, extra: Partial<RouterOptions> = {}): Promise<{ router: Router; sleeps: number[]; clock: { now: number } }> {
  const sleeps: number[] = [];
  const clock = { now: 1_000_000 };
  const router = await createRouter(gatewaySchema.parse(gateway), {
    env: { OPENAI_KEY: 'sk-test', ANTHROPIC_KEY: 'ak-test', GEMINI_KEY: 'gk-test' },
    clock: () => clock.now,
    random: () => 0.5,
    sleep: async (ms) => {
      sleeps.push(ms);
      clock.now += ms;
    },
    ...extra,
  });
  open.push(router);
  return { router, sleeps, clock };
}

const ask = { model: 'smart', messages: [{ role: 'user', content: 'Say hello' }] };

async function collect(chunks: AsyncIterable<ChatChunk>): Promise<ChatChunk[]> {
  const out: ChatChunk[] = [];
  for await (const c of chunks) out.push(c);
  return out;
}

function textOf(chunks: ChatChunk[]): string {
  return chunks.map((c) => ((c.choices as { delta?: { content?: string } }[] | undefined)?.[0]?.delta?.content ?? '')).join('');
}

describe('createRouter', () => {
  it('refuses a provider whose key variable is missing, naming provider and variable', async () => {
    const config = gatewaySchema.parse({ providers: { openai: { kind: 'openai', api_key_env: 'OPENAI_KEY' } } });
    const err = await createRouter(config, { env: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BridleError);
    expect((err as BridleError).code).toBe('BRIDLE_E_CONFIG');
    expect((err as BridleError).message).toContain('"openai"');
    expect((err as BridleError).message).toContain('OPENAI_KEY');
  });

  it('resolves listed models, the default provider, and refuses the rest', async () => {
    const oa = await upstream('openai');
    const { router } = await routerFor({ providers: { oa: { kind: 'openai', base_url: oa.url } }, models: { smart: { targets: [{ provider: 'oa', model: 'gpt-4o' }], downgrade_to: 'cheap' }, cheap: { targets: [{ provider: 'oa', model: 'gpt-4o-mini' }] } } });
    expect(router.resolve('smart')).toEqual([{ provider: 'oa', model: 'gpt-4o' }]);
    expect(router.resolve('other')).toBeNull();
    expect(router.downgradeOf('smart')).toBe('cheap');
    expect(router.models().map((m) => m.id)).toEqual(['smart', 'cheap']);
    const err = await router.chat({ ...ask, model: 'other' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamError);
    expect((err as UpstreamError).opts.status).toBe(404);
    const { router: r2 } = await routerFor({ providers: { oa: { kind: 'openai', base_url: oa.url } }, default_provider: 'oa' });
    expect(r2.resolve('gpt-4.1')).toEqual([{ provider: 'oa', model: 'gpt-4.1' }]);
  });

  it('sends the target model and the key, and reports exact usage', async () => {
    const oa = await upstream('openai');
    const { router } = await routerFor({ providers: { oa: { kind: 'openai', base_url: oa.url, api_key_env: 'OPENAI_KEY' } }, models: { smart: { targets: [{ provider: 'oa', model: 'gpt-4o' }] } } });
    const res = await router.chat({ ...ask, temperature: 0.2, some_new_field: { keep: true } });
    expect(oa.requests[0]?.body).toMatchObject({ model: 'gpt-4o', temperature: 0.2, some_new_field: { keep: true } });
    expect(oa.requests[0]?.headers.authorization).toBe('Bearer sk-test');
    expect(res).toMatchObject({ provider: 'oa', model: 'gpt-4o', kind: 'openai', attempts: [], systemFingerprint: 'fp_test' });
    expect(res.usage).toEqual({ inputTokens: 11, outputTokens: 7, cachedInputTokens: 0, estimated: false });
  });

  it('retries after the retry-after the upstream asked for', async () => {
    const oa = await upstream('openai');
    oa.script({ fail: 429, headers: { 'retry-after': '2' } });
    const { router, sleeps } = await routerFor({ providers: { oa: { kind: 'openai', base_url: oa.url } }, models: { smart: { targets: [{ provider: 'oa', model: 'gpt-4o' }] } }, retry: { max_retries: 2, base_ms: 100, max_ms: 5000 } });
    const res = await router.chat(ask);
    expect(sleeps).toEqual([2000]);
    expect(oa.count).toBe(2);
    expect(res.attempts).toEqual([expect.objectContaining({ provider: 'oa', failure: 'rate_limited', status: 429 })]);
  });

  it('backs off with full jitter, growing exponentially and capped by max_ms', async () => {
    const oa = await upstream('openai');
    oa.script({ fail: 500 }, { fail: 502 }, { fail: 503 });
    const { router, sleeps } = await routerFor({ providers: { oa: { kind: 'openai', base_url: oa.url } }, models: { smart: { targets: [{ provider: 'oa', model: 'gpt-4o' }] } }, retry: { max_retries: 3, base_ms: 100, max_ms: 300 }, breaker: { failures: 10 } });
    await router.chat(ask);
    // random() = 0.5: half of min(max_ms, base * 2^n)
    expect(sleeps).toEqual([50, 100, 150]);
  });

  it('does not wait a retry-after longer than max_ms: it falls back at once', async () => {
    const oa = await upstream('openai');
    const an = await upstream('anthropic');
    oa.script({ fail: 429, headers: { 'retry-after': '60' } });
    const { router, sleeps } = await routerFor({
      providers: { oa: { kind: 'openai', base_url: oa.url }, an: { kind: 'anthropic', base_url: an.url, api_key_env: 'ANTHROPIC_KEY' } },
      models: { smart: { targets: [{ provider: 'oa', model: 'gpt-4o' }, { provider: 'an', model: 'claude-sonnet-4-5' }] } },
      retry: { max_retries: 3, max_ms: 5000 },
    });
    const res = await router.chat(ask);
    expect(sleeps).toEqual([]);
    expect(res).toMatchObject({ provider: 'an', model: 'claude-sonnet-4-5', kind: 'anthropic' });
    expect(res.attempts).toHaveLength(1);
  });

  it('falls back from an OpenAI 429 to Anthropic, translating the request and the answer', async () => {
    const oa = await upstream('openai');
    const an = await upstream('anthropic');
    oa.script({ fail: 429 }, { fail: 429 });
    const { router } = await routerFor({
      providers: { oa: { kind: 'openai', base_url: oa.url }, an: { kind: 'anthropic', base_url: an.url, api_key_env: 'ANTHROPIC_KEY' } },
      models: { smart: { targets: [{ provider: 'oa', model: 'gpt-4o' }, { provider: 'an', model: 'claude-sonnet-4-5' }] } },
    });
    const res = await router.chat({ ...ask, messages: [{ role: 'system', content: 'Be brief' }, ...ask.messages] });
    expect(res.attempts.map((a) => [a.provider, a.failure])).toEqual([['oa', 'rate_limited'], ['oa', 'rate_limited']]);
    expect(an.requests[0]?.headers['x-api-key']).toBe('ak-test');
    expect(an.requests[0]?.body).toMatchObject({ model: 'claude-sonnet-4-5', system: 'Be brief', max_tokens: 4096, messages: [{ role: 'user', content: [{ type: 'text', text: 'Say hello' }] }] });
    expect(res.body).toMatchObject({ object: 'chat.completion', choices: [{ message: { role: 'assistant', content: 'Hello from the test upstream.' }, finish_reason: 'stop' }] });
    expect(res.usage).toEqual({ inputTokens: 11, outputTokens: 7, cachedInputTokens: 0, estimated: false });
  });

  it('does not fall back on a client error, and relays the upstream error body', async () => {
    const oa = await upstream('openai');
    const an = await upstream('anthropic');
    oa.script({ fail: 400, body: { error: { message: 'bad tool schema', type: 'invalid_request_error' } } });
    const { router } = await routerFor({
      providers: { oa: { kind: 'openai', base_url: oa.url }, an: { kind: 'anthropic', base_url: an.url } },
      models: { smart: { targets: [{ provider: 'oa', model: 'gpt-4o' }, { provider: 'an', model: 'claude-sonnet-4-5' }] } },
    });
    const err = (await router.chat(ask).catch((e: unknown) => e)) as UpstreamError;
    expect(err.failure).toBe('client');
    expect(err.opts.status).toBe(400);
    expect(err.opts.body).toEqual({ error: { message: 'bad tool schema', type: 'invalid_request_error' } });
    expect(an.count).toBe(0);
  });

  it('falls back when the first target drops the connection or times out before the first byte', async () => {
    const oa = await upstream('openai');
    const gm = await upstream('gemini');
    oa.script({ drop: true }, { hang: true });
    const { router } = await routerFor({
      providers: { oa: { kind: 'openai', base_url: oa.url }, gm: { kind: 'gemini', base_url: gm.url, api_key_env: 'GEMINI_KEY' } },
      models: { smart: { targets: [{ provider: 'oa', model: 'gpt-4o' }, { provider: 'gm', model: 'gemini-2.5-flash' }] } },
      timeouts: { first_byte_ms: 200 },
    });
    const res = await router.chat(ask);
    expect(res.attempts.map((a) => a.failure)).toEqual(['connection', 'timeout']);
    expect(res).toMatchObject({ provider: 'gm', kind: 'gemini' });
    expect(gm.requests[0]?.path).toBe('/v1beta/models/gemini-2.5-flash:generateContent');
    expect(gm.requests[0]?.headers['x-goog-api-key']).toBe('gk-test');
  });

  it('streams with exact usage and hides the usage chunk the client did not ask for', async () => {
    const oa = await upstream('openai');
    const { router } = await routerFor({ providers: { oa: { kind: 'openai', base_url: oa.url } }, models: { smart: { targets: [{ provider: 'oa', model: 'gpt-4o' }] } } });
    const s = await router.stream({ ...ask, stream: true });
    const chunks = await collect(s.chunks);
    expect(oa.requests[0]?.body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
    expect(textOf(chunks)).toBe('Hello from the test upstream.');
    expect(chunks.every((c) => Array.isArray(c.choices) && c.choices.length > 0)).toBe(true);
    expect(s.usage()).toEqual({ inputTokens: 11, outputTokens: 7, cachedInputTokens: 0, estimated: false });
  });

  it('counts tokens locally when the provider reports none', async () => {
    const oa = await upstream('openai');
    oa.reply.usage = false;
    const { router } = await routerFor({ providers: { oa: { kind: 'openai', base_url: oa.url } }, models: { smart: { targets: [{ provider: 'oa', model: 'gpt-4o' }] } } });
    const s = await router.stream({ ...ask, stream: true });
    await collect(s.chunks);
    const expectedOutput = router.countTextTokens('Hello from the test upstream.');
    expect(s.usage()).toEqual({ inputTokens: router.countPromptTokens(ask), outputTokens: expectedOutput, cachedInputTokens: 0, estimated: true });
    expect(expectedOutput).toBe(6);
    const res = await router.chat(ask);
    expect(res.usage).toMatchObject({ outputTokens: expectedOutput, estimated: true });
  });

  it('falls back for a stream that fails before its first byte, never after', async () => {
    const oa = await upstream('openai');
    const an = await upstream('anthropic');
    oa.script({ fail: 503 }, { fail: 503 });
    const { router } = await routerFor({
      providers: { oa: { kind: 'openai', base_url: oa.url }, an: { kind: 'anthropic', base_url: an.url } },
      models: { smart: { targets: [{ provider: 'oa', model: 'gpt-4o' }, { provider: 'an', model: 'claude-sonnet-4-5' }] } },
    });
    const s = await router.stream({ ...ask, stream: true, stream_options: { include_usage: true } });
    expect(s.provider).toBe('an');
    const chunks = await collect(s.chunks);
    expect(textOf(chunks)).toBe('Hello from the test upstream.');
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: 11, completion_tokens: 7 } });

    an.script({ dropAfterChunks: 4 });
    oa.script({ fail: 503 }, { fail: 503 });
    const broken = await router.stream({ ...ask, stream: true });
    const err = (await collect(broken.chunks).catch((e: unknown) => e)) as UpstreamError;
    expect(err).toBeInstanceOf(UpstreamError);
    expect(err.opts.afterFirstByte).toBe(true);
    expect(err.opts.provider).toBe('an');
    expect(an.count).toBe(2);
  });

  it('opens the breaker after repeated failures, skips the provider, and probes once after the cooldown', async () => {
    const oa = await upstream('openai');
    const an = await upstream('anthropic');
    const { router, clock } = await routerFor({
      providers: { oa: { kind: 'openai', base_url: oa.url }, an: { kind: 'anthropic', base_url: an.url } },
      models: { smart: { targets: [{ provider: 'oa', model: 'gpt-4o' }, { provider: 'an', model: 'claude-sonnet-4-5' }] } },
      retry: { max_retries: 0 },
      breaker: { failures: 2, window_s: 10, cooldown_s: 30 },
    });
    oa.script({ fail: 500 }, { fail: 500 });
    await router.chat(ask);
    await router.chat(ask);
    expect(router.breakerStates()).toEqual([{ provider: 'oa', state: 'open' }, { provider: 'an', state: 'closed' }]);
    const skipped = await router.chat(ask);
    expect(oa.count).toBe(2);
    expect(skipped.attempts).toEqual([expect.objectContaining({ provider: 'oa', failure: 'breaker_open', durationMs: 0 })]);
    clock.now += 30_000;
    expect(router.breakerStates()[0]?.state).toBe('half_open');
    const probed = await router.chat(ask);
    expect(probed.provider).toBe('oa');
    expect(router.breakerStates()[0]?.state).toBe('closed');
  });

  it('reports every attempt when all targets fail, with the last failure', async () => {
    const oa = await upstream('openai');
    oa.script({ fail: 529 }, { fail: 500 });
    const { router } = await routerFor({ providers: { oa: { kind: 'openai', base_url: oa.url } }, models: { smart: { targets: [{ provider: 'oa', model: 'gpt-4o' }] } } });
    const err = (await router.chat(ask).catch((e: unknown) => e)) as UpstreamError;
    expect(err.failure).toBe('server');
    expect(err.opts.attempts?.map((a) => a.status)).toEqual([529, 500]);
    expect(err.opts.afterFirstByte).toBeUndefined();
  });

  it('routes embeddings to OpenAI and Gemini, and refuses them for Anthropic', async () => {
    const oa = await upstream('openai');
    const gm = await upstream('gemini');
    const an = await upstream('anthropic');
    const { router } = await routerFor({
      providers: { oa: { kind: 'openai', base_url: oa.url }, gm: { kind: 'gemini', base_url: gm.url }, an: { kind: 'anthropic', base_url: an.url } },
      models: { emb: { targets: [{ provider: 'oa', model: 'text-embedding-3-small' }] }, gemb: { targets: [{ provider: 'gm', model: 'gemini-embedding-001' }] }, aemb: { targets: [{ provider: 'an', model: 'x' }] } },
    });
    const a = await router.embeddings({ model: 'emb', input: ['a', 'b'] });
    expect(a.usage).toMatchObject({ inputTokens: 11, estimated: false });
    expect((a.body.data as unknown[]).length).toBe(2);
    const g = await router.embeddings({ model: 'gemb', input: ['hello world', 'b'] });
    expect(gm.requests[0]?.path).toBe('/v1beta/models/gemini-embedding-001:batchEmbedContents');
    expect(g.body).toMatchObject({ object: 'list', data: [{ index: 0, embedding: [0.1, -0.2, 0.3] }, { index: 1 }], usage: { prompt_tokens: 3 } });
    expect(g.usage.estimated).toBe(true);
    const err = (await router.embeddings({ model: 'aemb', input: 'x' }).catch((e: unknown) => e)) as UpstreamError;
    expect(err.failure).toBe('client');
    expect(an.count).toBe(0);
  });

  it('prices provider models from the table, with policy overrides first', async () => {
    const oa = await upstream('openai');
    const { router } = await routerFor({ providers: { oa: { kind: 'openai', base_url: oa.url } }, prices: { 'gpt-4o': { input_usd_per_mtok: 1, output_usd_per_mtok: 2 } } });
    expect(router.price('gpt-4o')).toEqual({ inputUsdPerMtok: 1, outputUsdPerMtok: 2, source: 'policy' });
    expect(router.price('gpt-4o-mini-2024-07-18')).toMatchObject({ inputUsdPerMtok: 0.15, source: 'table' });
    expect(router.price('no-such-model')).toBeNull();
  });
});
