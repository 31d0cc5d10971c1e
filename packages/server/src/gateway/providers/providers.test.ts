import { afterEach, describe, expect, it } from 'vitest';
import type { JsonObject } from '@bridle/core';
import { startTestUpstream, type TestUpstream, type UpstreamKind } from '../test-upstreams.js';
import { UpstreamError, type ChatChunk } from '../types.js';
import { createAnthropicProvider } from './anthropic.js';
import { createGeminiProvider } from './gemini.js';
import { createOpenAiProvider } from './openai.js';
import type { Provider, ProviderInit } from './types.js';

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((o) => o.close()));
});

const factories = { openai: createOpenAiProvider, anthropic: createAnthropicProvider, gemini: createGeminiProvider };
const models = { openai: 'gpt-4o', anthropic: 'claude-sonnet-4-5', gemini: 'gemini-2.5-flash' };

async function setup(kind: UpstreamKind, init: Partial<ProviderInit> = {}): Promise<{ up: TestUpstream; p: Provider }> {
  const up = await startTestUpstream(kind, { apiKey: 'key-1' });
  const p = factories[kind]({ name: kind, baseUrl: up.url, apiKey: 'key-1', headers: {}, query: {}, anthropicVersion: '2023-06-01', timeouts: { connectMs: 1000, firstByteMs: 300, totalMs: 2000 }, ...init });
  open.push(up, p);
  return { up, p };
}

async function drain(it: AsyncIterator<ChatChunk>): Promise<ChatChunk[]> {
  const out: ChatChunk[] = [];
  for (let r = await it.next(); r.done !== true; r = await it.next()) out.push(r.value);
  return out;
}

const body = { model: 'alias', messages: [{ role: 'user', content: 'hi' }] };
const tools = [{ name: 'search', arguments: '{"q":"oslo flights"}' }, { name: 'weather', arguments: '{"city":"Oslo"}' }];

function assembled(chunks: ChatChunk[]): { text: string; calls: { id?: string; name: string; args: string }[]; finish: unknown } {
  let text = '';
  const calls: { id?: string; name: string; args: string }[] = [];
  let finish: unknown = null;
  for (const c of chunks) {
    const choice = (c.choices as JsonObject[])[0];
    if (choice === undefined) continue;
    const delta = choice.delta as JsonObject;
    if (typeof delta.content === 'string') text += delta.content;
    for (const tc of (delta.tool_calls as JsonObject[] | undefined) ?? []) {
      const i = tc.index as number;
      const fn = (tc.function ?? {}) as JsonObject;
      calls[i] ??= { name: '', args: '' };
      const call = calls[i];
      if (typeof tc.id === 'string') call.id = tc.id;
      if (typeof fn.name === 'string') call.name += fn.name;
      if (typeof fn.arguments === 'string') call.args += fn.arguments;
    }
    if (choice.finish_reason !== null) finish = choice.finish_reason;
  }
  return { text, calls, finish };
}

describe.each(['openai', 'anthropic', 'gemini'] as const)('%s provider', (kind) => {
  it('answers a plain call with a chat.completion and exact usage', async () => {
    const { up, p } = await setup(kind);
    const res = await p.chat(body, models[kind]);
    expect((res.body.choices as JsonObject[])[0]).toMatchObject({ message: { role: 'assistant', content: 'Hello from the test upstream.' }, finish_reason: 'stop' });
    expect(res.usage).toEqual({ inputTokens: 11, outputTokens: 7, cachedInputTokens: 0, estimated: false });
    expect(up.count).toBe(1);
  });

  it('streams text, parallel tool calls with indexes, and the finish reason', async () => {
    const { up, p } = await setup(kind);
    up.reply.toolCalls = tools;
    up.reply.chunkChars = 5;
    const s = await p.stream({ ...body, stream: true }, models[kind]);
    const got = assembled(await drain(s.chunks));
    expect(got.text).toBe('Hello from the test upstream.');
    expect(got.calls.map((c) => [c.name, JSON.parse(c.args)])).toEqual([['search', { q: 'oslo flights' }], ['weather', { city: 'Oslo' }]]);
    expect(got.calls.every((c) => typeof c.id === 'string' && c.id !== '')).toBe(true);
    expect(got.finish).toBe('tool_calls');
    expect(s.usage()).toEqual({ inputTokens: 11, outputTokens: 7, cachedInputTokens: 0, estimated: false });
  });

  it('maps a 429 with retry-after to rate_limited, keeping the error body', async () => {
    const { up, p } = await setup(kind);
    up.script({ fail: 429, headers: { 'retry-after': '3' } });
    const err = (await p.chat(body, models[kind]).catch((e: unknown) => e)) as UpstreamError;
    expect(err).toBeInstanceOf(UpstreamError);
    expect([err.failure, err.opts.status, err.opts.retryAfterMs, err.retryable]).toEqual(['rate_limited', 429, 3000, true]);
    expect(err.opts.body).toBeTypeOf('object');
  });

  it('maps 401 to auth, 400 to client (not retryable), 529 and 503 to server', async () => {
    const { up, p } = await setup(kind, { apiKey: 'wrong' });
    const auth = (await p.chat(body, models[kind]).catch((e: unknown) => e)) as UpstreamError;
    expect([auth.failure, auth.retryable]).toEqual(['auth', false]);
    up.script({ fail: 400 }, { fail: 529 }, { fail: 503 });
    const failures = [];
    for (let i = 0; i < 3; i++) failures.push(((await p.chat(body, models[kind]).catch((e: unknown) => e)) as UpstreamError).failure);
    expect(failures).toEqual(['client', 'server', 'server']);
  });

  it('reports a hang as timeout and a dropped connection as connection', async () => {
    const { up, p } = await setup(kind);
    up.script({ hang: true }, { drop: true });
    const hang = (await p.chat(body, models[kind]).catch((e: unknown) => e)) as UpstreamError;
    expect(hang.failure).toBe('timeout');
    const drop = (await p.stream({ ...body, stream: true }, models[kind]).catch((e: unknown) => e)) as UpstreamError;
    expect(drop.failure).toBe('connection');
  });

  it('fails loudly when a stream is cut after some chunks', async () => {
    const { up, p } = await setup(kind);
    up.reply.chunkChars = 3;
    up.script({ dropAfterChunks: 3 });
    const s = await p.stream({ ...body, stream: true }, models[kind]);
    const err = (await drain(s.chunks).catch((e: unknown) => e)) as UpstreamError;
    expect(err).toBeInstanceOf(UpstreamError);
    expect(err.failure).toBe('connection');
  });
});

describe('provider auth and wire details', () => {
  it('OpenAI-compatible: Azure-style api-key header and api-version query', async () => {
    const { up, p } = await setup('openai', { apiKeyHeader: 'api-key', query: { 'api-version': '2024-10-21' } });
    await p.chat(body, 'gpt-4o');
    expect(up.requests[0]?.path).toBe('/v1/chat/completions?api-version=2024-10-21');
    expect(up.requests[0]?.headers['api-key']).toBe('key-1');
    expect(up.requests[0]?.headers.authorization).toBeUndefined();
  });

  it('Anthropic: x-api-key and anthropic-version, embeddings refused as a client error', async () => {
    const { up, p } = await setup('anthropic', { anthropicVersion: '2023-06-01', headers: { 'anthropic-beta': 'x' } });
    await p.chat(body, 'claude-sonnet-4-5');
    expect(up.requests[0]?.headers).toMatchObject({ 'x-api-key': 'key-1', 'anthropic-version': '2023-06-01', 'anthropic-beta': 'x' });
    await expect(p.embeddings({ model: 'e', input: 'x' }, 'e')).rejects.toMatchObject({ failure: 'client' });
  });

  it('Gemini: x-goog-api-key header (never ?key=) and the alt=sse stream endpoint', async () => {
    const { up, p } = await setup('gemini');
    const s = await p.stream({ ...body, stream: true }, 'gemini-2.5-flash');
    await drain(s.chunks);
    expect(up.requests[0]?.path).toBe('/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse');
    expect(up.requests[0]?.headers['x-goog-api-key']).toBe('key-1');
  });
});
