import { describe, expect, it } from 'vitest';
import type { ChatBody } from './types.js';
import { countMessageTokens, countPromptTokens, countTextTokens, ensureTokenizer, promptTokenBound, textTokenBound } from './tokens.js';

describe('tokens', () => {
  it('counts with o200k once loaded, and messages with the cookbook overhead', async () => {
    await ensureTokenizer();
    expect(countTextTokens('hello world')).toBe(2);
    expect(countTextTokens('')).toBe(0);
    // OpenAI's cookbook: 3 per message + role + content, + 3 reply priming; "user" and "hello world" are 1 and 2 tokens.
    expect(countPromptTokens({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hello world' }] })).toBe(3 + 1 + 2 + 3);
    expect(countPromptTokens({ model: 'gpt-4o', messages: [{ role: 'user', content: [{ type: 'text', text: 'hello world' }, { type: 'image_url', image_url: { url: 'https://x/y.png' } }] }] })).toBe(9 + 85);
    expect(countMessageTokens({ role: 'assistant', content: null, tool_calls: [{ id: 'c', type: 'function', function: { name: 'search', arguments: '{}' } }] })).toBe(countTextTokens('search') + countTextTokens('{}'));
  });

  it('bounds the prompt from above by UTF-8 bytes, with the same framing, for any script', async () => {
    await ensureTokenizer();
    expect(textTokenBound('héllo')).toBe(6);
    for (const text of ['hello world', 'Grüße aus Köln — ça va?', '日本語のテキストです', '🙂🙂🙂 emoji', 'x'.repeat(5000)]) {
      const body: ChatBody = { model: 'gpt-4o', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', name: 'ana', content: text }], tools: [{ type: 'function', function: { name: 'f', parameters: {} } }] };
      expect(promptTokenBound(body)).toBeGreaterThanOrEqual(countPromptTokens(body));
      expect(countTextTokens(text)).toBeLessThanOrEqual(textTokenBound(text));
    }
    // Framing is exact: 3 reply priming + 3 per message + role + content.
    expect(promptTokenBound({ model: 'm', messages: [{ role: 'user', content: 'hi' }] })).toBe(3 + 3 + 4 + 2);
  });
});
