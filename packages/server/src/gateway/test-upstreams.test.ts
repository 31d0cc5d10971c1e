import { afterEach, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { startTestUpstream, type TestUpstream } from './test-upstreams.js';

const open: TestUpstream[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((u) => u.close()));
});

describe('test upstreams speak the official SDKs', () => {
  it('OpenAI SDK: chat, stream with usage, tool calls, embeddings, models', async () => {
    const up = await startTestUpstream('openai', { apiKey: 'sk-x' });
    open.push(up);
    const client = new OpenAI({ apiKey: 'sk-x', baseURL: up.url, maxRetries: 0 });
    const res = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
    expect(res.choices[0]?.message.content).toBe('Hello from the test upstream.');
    up.reply.toolCalls = [{ name: 'f', arguments: '{"a":1}' }];
    const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], stream: true, stream_options: { include_usage: true } });
    let text = '';
    let args = '';
    let usage: number | undefined;
    for await (const c of stream) {
      text += c.choices[0]?.delta.content ?? '';
      args += c.choices[0]?.delta.tool_calls?.[0]?.function?.arguments ?? '';
      usage = c.usage?.total_tokens ?? usage;
    }
    expect([text, args, usage]).toEqual(['Hello from the test upstream.', '{"a":1}', 18]);
    const emb = await client.embeddings.create({ model: 'text-embedding-3-small', input: ['a', 'b'] });
    expect(emb.data).toHaveLength(2);
    const models = await client.models.list();
    expect(models.data[0]?.id).toBe('gpt-4o-mini');
  });

  it('Anthropic SDK: message and stream events', async () => {
    // No key check here: the SDK's auth can be steered by the environment it runs in; our own
    // client's x-api-key is asserted in providers.test.ts.
    const up = await startTestUpstream('anthropic');
    open.push(up);
    const client = new Anthropic({ apiKey: 'ak-x', authToken: null, baseURL: up.url, maxRetries: 0 });
    const msg = await client.messages.create({ model: 'claude-haiku-4-5', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] });
    expect(msg.content[0]).toEqual({ type: 'text', text: 'Hello from the test upstream.' });
    up.reply.toolCalls = [{ name: 'f', arguments: '{"a":1}' }];
    const stream = client.messages.stream({ model: 'claude-haiku-4-5', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] });
    const final = await stream.finalMessage();
    expect(final.content.map((b) => b.type)).toEqual(['text', 'tool_use']);
    expect(final.content[1]).toMatchObject({ name: 'f', input: { a: 1 } });
    expect(final.usage.output_tokens).toBe(7);
  });

  it('counts requests and answers scripted failures, then normally', async () => {
    const up = await startTestUpstream('openai');
    open.push(up);
    up.script({ fail: 429, headers: { 'retry-after': '1' } });
    const client = new OpenAI({ apiKey: 'k', baseURL: up.url, maxRetries: 0 });
    await expect(client.chat.completions.create({ model: 'm', messages: [] })).rejects.toMatchObject({ status: 429 });
    await client.chat.completions.create({ model: 'm', messages: [] });
    expect(up.count).toBe(2);
  });
});
