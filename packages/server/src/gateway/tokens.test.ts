import { describe, expect, it } from 'vitest';
import { countMessageTokens, countPromptTokens, countTextTokens, ensureTokenizer } from './tokens.js';

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
});
