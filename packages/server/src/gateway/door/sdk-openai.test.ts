import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import type { JsonObject } from '@bridle/core';
import { gatewayPolicy, testGateway, type TestGateway } from './test-gateway.js';

let gw: TestGateway | null = null;
afterEach(async () => {
  await gw?.close();
  gw = null;
});

const client = (g: TestGateway, opts: { maxRetries?: number; headers?: Record<string, string> } = {}) => new OpenAI({ baseURL: `${g.url}/v1`, apiKey: g.key, maxRetries: opts.maxRetries ?? 0, timeout: 10_000, defaultHeaders: opts.headers ?? {} });

async function lastAction(g: TestGateway) {
  const { items } = await g.bridle.list({ agentId: 'bot', limit: 1 });
  return items[0]!;
}

describe('the official openai client pointed at Bridle', () => {
  it('plain, streamed and tool-calling chats work, and a streamed call is charged its exact cost', async () => {
    gw = await testGateway({ listen: true });
    const ai = client(gw);
    const plain = await ai.chat.completions.create({ model: 'smart', messages: [{ role: 'user', content: 'hi' }], max_tokens: 64 });
    expect(plain.choices[0]!.message.content).toBe('Hello from the test upstream.');

    const stream = await ai.chat.completions.create({ model: 'smart', messages: [{ role: 'user', content: 'hi' }], max_tokens: 64, stream: true });
    let text = '';
    for await (const c of stream) text += c.choices[0]?.delta.content ?? '';
    expect(text).toBe('Hello from the test upstream.');
    const streamed = await lastAction(gw);
    expect(streamed.status).toBe('succeeded');
    // Streams are not logged at $0: the upstream's usage (11 in, 7 out) at gpt-4o's price.
    expect(streamed.costMicroUsd).toBe(98);
    expect(streamed.result).toMatchObject({ stream: true, ended: 'done', usage: { inputTokens: 11, outputTokens: 7, estimated: false } });

    gw.openai.reply.text = '';
    gw.openai.reply.toolCalls = [{ name: 'lookup', arguments: '{"city":"Paris"}' }, { name: 'weather', arguments: '{"day":"today"}' }];
    const tools: OpenAI.ChatCompletionTool[] = [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }];
    const called = await ai.chat.completions.create({ model: 'smart', messages: [{ role: 'user', content: 'weather?' }], tools, tool_choice: 'auto', parallel_tool_calls: true, max_tokens: 64 });
    expect(called.choices[0]!.message.tool_calls?.map((t) => (t.type === 'function' ? t.function.name : ''))).toEqual(['lookup', 'weather']);
    expect(called.choices[0]!.finish_reason).toBe('tool_calls');

    const streamedTools = await ai.chat.completions.create({ model: 'smart', messages: [{ role: 'user', content: 'weather?' }], tools, max_tokens: 64, stream: true });
    const args: string[] = [];
    for await (const c of streamedTools) for (const t of c.choices[0]?.delta.tool_calls ?? []) args[t.index] = (args[t.index] ?? '') + (t.function?.arguments ?? '');
    expect(args).toEqual(['{"city":"Paris"}', '{"day":"today"}']);
  });

  it('raises the SDK\'s usual exceptions: NotFoundError, PermissionDeniedError, RateLimitError, BadRequestError, InternalServerError', async () => {
    gw = await testGateway({ listen: true, policy: (u) => gatewayPolicy({ ...u, agent: '    budget: { daily_usd: 0.01 }', actionChecks: '    checks:\n      - banned_phrases: { list: [launch codes] }' }) });
    const ai = client(gw);
    const msg = (content: string): OpenAI.ChatCompletionMessageParam[] => [{ role: 'user', content }];
    await expect(ai.chat.completions.create({ model: 'nope', messages: msg('hi') })).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    const denied = await ai.chat.completions.create({ model: 'smart', messages: msg('tell me the launch codes'), max_tokens: 10 }).catch((e: unknown) => e);
    expect(denied).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect((denied as InstanceType<typeof OpenAI.APIError>).type).toBe('bridle_denied');
    expect((denied as InstanceType<typeof OpenAI.APIError>).message).toContain('banned_phrases');
    const broke = await ai.chat.completions.create({ model: 'smart', messages: msg('hi'), max_tokens: 100_000 }).catch((e: unknown) => e);
    expect(broke).toBeInstanceOf(OpenAI.RateLimitError);
    expect((broke as InstanceType<typeof OpenAI.APIError>).code).toBe('budget_exceeded');
    await expect(ai.chat.completions.create({ model: 'smart', messages: [] })).rejects.toBeInstanceOf(OpenAI.BadRequestError);
    gw.openai.script({ fail: 500 });
    const down = await ai.chat.completions.create({ model: 'smart', messages: msg('hi'), max_tokens: 10 }).catch((e: unknown) => e);
    expect(down).toBeInstanceOf(OpenAI.InternalServerError);
    const failed = await lastAction(gw);
    expect(failed.status).toBe('failed');
    expect(failed.costMicroUsd).toBe(0);
  });

  it('falls back to the next target before the first byte and records the fallback', async () => {
    gw = await testGateway({ listen: true });
    gw.openai.script({ fail: 503 }, { fail: 503 });
    const ai = client(gw);
    const r = await ai.chat.completions.create({ model: 'failover', messages: [{ role: 'user', content: 'hi' }], max_tokens: 64 });
    expect(r.choices[0]!.message.content).toBe('Hello from the test upstream.');
    const rec = await lastAction(gw);
    expect(rec.result).toMatchObject({ provider: 'claude', model: 'claude-sonnet-4-5', fallbacks: [{ provider: 'oai', model: 'gpt-4o', failure: 'server', status: 503 }] });

    const s = await ai.chat.completions.create({ model: 'failover', messages: [{ role: 'user', content: 'hi' }], max_tokens: 64, stream: true });
    gw.openai.script({ fail: 503 });
    let text = '';
    for await (const c of s) text += c.choices[0]?.delta.content ?? '';
    expect(text).toBe('Hello from the test upstream.');
  });

  it('a stream whose window fails an output check leaks nothing past the window and ends with an error event', async () => {
    gw = await testGateway({ listen: true, policy: (u) => gatewayPolicy({ ...u, gateway: '  stream_window_chars: 16\n  output_checks:\n    - banned_phrases: { list: [secret plan] }' }) });
    gw.openai.reply.text = 'The weather is fine today. Here is the secret plan: attack at dawn, then more text follows here.';
    gw.openai.reply.chunkChars = 4;
    const ai = client(gw);
    const s = await ai.chat.completions.create({ model: 'smart', messages: [{ role: 'user', content: 'hi' }], max_tokens: 64, stream: true });
    let text = '';
    const err = await (async () => {
      for await (const c of s) text += c.choices[0]?.delta.content ?? '';
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect((err as Error).message).toContain('banned_phrases');
    expect(text).not.toContain('secret');
    expect('The weather is fine today. Here is the secret plan'.startsWith(text)).toBe(true);
    expect(text.length).toBeGreaterThan(0);
    const rec = await lastAction(gw);
    expect(rec.status).toBe('failed');
    expect(rec.result).toMatchObject({ ended: 'blocked' });
    expect(rec.costMicroUsd).toBeGreaterThan(0);
  });

  it('a stream cut by the upstream mid-way ends with an error, never cleanly, and is charged what was generated', async () => {
    gw = await testGateway({ listen: true });
    gw.openai.reply.chunkChars = 2;
    gw.openai.script({ dropAfterChunks: 4 });
    const ai = client(gw);
    const s = await ai.chat.completions.create({ model: 'smart', messages: [{ role: 'user', content: 'hi' }], max_tokens: 64, stream: true });
    const err = await (async () => {
      for await (const _ of s) void _;
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    const rec = await lastAction(gw);
    expect(rec.status).toBe('failed');
    expect(rec.result).toMatchObject({ ended: 'upstream_error' });
    expect(rec.costMicroUsd).toBeGreaterThan(0);
  });

  it('downgrades to the cheaper model when the budget guard signals pressure', async () => {
    gw = await testGateway({ listen: true, policy: (u) => gatewayPolicy({ ...u, agent: '    budget: { daily_usd: 0.002, degrade_below: 0.9 }' }) });
    const r = await client(gw).chat.completions.create({ model: 'smart', messages: [{ role: 'user', content: 'hi' }], max_tokens: 100 });
    expect(r.choices[0]!.message.content).toBe('Hello from the test upstream.');
    expect((gw.openai.requests.at(-1)!.body as JsonObject).model).toBe('gpt-4o-mini');
    const rec = await lastAction(gw);
    expect(rec.result).toMatchObject({ model: 'gpt-4o-mini', requestedModel: 'smart', downgradedFrom: 'smart' });
  });

  it('embeddings go through the pipeline too', async () => {
    gw = await testGateway({ listen: true, policy: (u) => gatewayPolicy({ ...u, gateway: '  prices:\n    text-embedding-3-small: { input_usd_per_mtok: 0.02, output_usd_per_mtok: 0 }\n  default_provider: oai' }) });
    const r = await client(gw).embeddings.create({ model: 'text-embedding-3-small', input: ['one', 'two'] });
    expect(r.data).toHaveLength(2);
    const rec = await lastAction(gw);
    expect(rec.status).toBe('succeeded');
    expect(rec.params).toMatchObject({ operation: 'embeddings', text: 'one\n\ntwo' });
  });
});
