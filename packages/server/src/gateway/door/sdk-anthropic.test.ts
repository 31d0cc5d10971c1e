import Anthropic from '@anthropic-ai/sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { gatewayPolicy, testGateway, type TestGateway } from './test-gateway.js';

let gw: TestGateway | null = null;
afterEach(async () => {
  await gw?.close();
  gw = null;
});

// The SDK sends the key as x-api-key; Bridle accepts the agent's key there.
const client = (g: TestGateway) => new Anthropic({ baseURL: g.url, apiKey: g.key, maxRetries: 0, timeout: 10_000 });

async function lastAction(g: TestGateway) {
  const { items } = await g.bridle.list({ agentId: 'bot', limit: 1 });
  return items[0]!;
}

describe('the official @anthropic-ai/sdk client pointed at Bridle', () => {
  it('plain, streamed and tool-use messages work, across providers', async () => {
    gw = await testGateway({ listen: true });
    const ai = client(gw);
    // An Anthropic client, an OpenAI upstream: translated both ways.
    const plain = await ai.messages.create({ model: 'smart', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] });
    expect(plain.content[0]).toMatchObject({ type: 'text', text: 'Hello from the test upstream.' });
    expect(plain.usage).toMatchObject({ input_tokens: 11, output_tokens: 7 });

    const native = await ai.messages.create({ model: 'sonnet', max_tokens: 64, system: 'be brief', messages: [{ role: 'user', content: 'hi' }] });
    expect(native.content[0]).toMatchObject({ type: 'text', text: 'Hello from the test upstream.' });
    expect(gw.anthropic.requests.at(-1)!.headers['x-api-key']).toBe('sk-ant-test');

    const stream = ai.messages.stream({ model: 'sonnet', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] });
    let text = '';
    stream.on('text', (t) => (text += t));
    const final = await stream.finalMessage();
    expect(text).toBe('Hello from the test upstream.');
    expect(final.stop_reason).toBe('end_turn');
    const rec = await lastAction(gw);
    expect(rec.status).toBe('succeeded');
    expect(rec.result).toMatchObject({ provider: 'claude', stream: true, usage: { outputTokens: 7 } });
    expect(rec.costMicroUsd).toBeGreaterThan(0);

    gw.anthropic.reply.text = '';
    gw.anthropic.reply.toolCalls = [{ name: 'lookup', arguments: '{"city":"Paris"}' }];
    const tools: Anthropic.Tool[] = [{ name: 'lookup', input_schema: { type: 'object', properties: { city: { type: 'string' } } } }];
    const used = await ai.messages.create({ model: 'sonnet', max_tokens: 64, tools, messages: [{ role: 'user', content: 'weather?' }] });
    expect(used.stop_reason).toBe('tool_use');
    expect(used.content.find((b) => b.type === 'tool_use')).toMatchObject({ name: 'lookup', input: { city: 'Paris' } });
    const s = ai.messages.stream({ model: 'sonnet', max_tokens: 64, tools, messages: [{ role: 'user', content: 'weather?' }] });
    const streamedTool = await s.finalMessage();
    expect(streamedTool.content.find((b) => b.type === 'tool_use')).toMatchObject({ name: 'lookup', input: { city: 'Paris' } });
  });

  it('raises the SDK\'s exceptions in Anthropic\'s error shape', async () => {
    gw = await testGateway({ listen: true, policy: (u) => gatewayPolicy({ ...u, agent: '    budget: { daily_usd: 0.01 }', actionChecks: '    checks:\n      - banned_phrases: { list: [launch codes] }', gateway: '  stream_window_chars: 16\n  output_checks:\n    - banned_phrases: { list: [test upstream] }' }) });
    const ai = client(gw);
    const bad = new Anthropic({ baseURL: gw.url, apiKey: 'brk_wrong', maxRetries: 0 });
    await expect(bad.messages.create({ model: 'sonnet', max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] })).rejects.toBeInstanceOf(Anthropic.AuthenticationError);
    await expect(ai.messages.create({ model: 'nope', max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] })).rejects.toBeInstanceOf(Anthropic.NotFoundError);
    const denied = await ai.messages.create({ model: 'sonnet', max_tokens: 8, messages: [{ role: 'user', content: 'the launch codes' }] }).catch((e: unknown) => e);
    expect(denied).toBeInstanceOf(Anthropic.PermissionDeniedError);
    expect((denied as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({ type: 'error', error: { type: 'bridle_denied' } });
    await expect(ai.messages.create({ model: 'sonnet', max_tokens: 100_000, messages: [{ role: 'user', content: 'hi' }] })).rejects.toBeInstanceOf(Anthropic.RateLimitError);

    // A blocked stream: an `event: error` the SDK raises, and no text past the failing window.
    const s = ai.messages.stream({ model: 'sonnet', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] });
    let text = '';
    s.on('text', (t) => (text += t));
    const err = await s.finalMessage().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.APIError);
    expect(text).not.toContain('test upstream');
    expect((await lastAction(gw)).result).toMatchObject({ ended: 'blocked' });
  });
});
