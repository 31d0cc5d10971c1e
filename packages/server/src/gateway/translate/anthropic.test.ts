import { describe, expect, it } from 'vitest';
import type { JsonObject } from '@bridle/core';
import { anthropicEventsToChat, anthropicToChat, anthropicToChatCompletion, chatChunksToAnthropicEvents, chatToAnthropic, chatToAnthropicResponse } from './anthropic.js';
import type { ChatBody } from '../types.js';

const toolConversation: JsonObject = {
  model: 'claude-sonnet-4-5',
  max_tokens: 300,
  system: [{ type: 'text', text: 'You book flights.' }],
  temperature: 0.3,
  stop_sequences: ['END'],
  metadata: { user_id: 'u-1' },
  tools: [{ name: 'search', description: 'Find flights', input_schema: { type: 'object', properties: { to: { type: 'string' } }, required: ['to'] } }],
  tool_choice: { type: 'any', disable_parallel_tool_use: true },
  messages: [
    { role: 'user', content: 'Flights to Oslo and Rome?' },
    { role: 'assistant', content: [{ type: 'text', text: 'Searching.' }, { type: 'tool_use', id: 'toolu_1', name: 'search', input: { to: 'OSL' } }, { type: 'tool_use', id: 'toolu_2', name: 'search', input: { to: 'FCO' } }] },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: '3 flights' }, { type: 'tool_result', tool_use_id: 'toolu_2', content: [{ type: 'text', text: 'none' }], is_error: true }, { type: 'text', text: 'Cheapest?' }] },
  ],
};

describe('anthropicToChat (door side)', () => {
  it('translates system, tools, tool_choice, tool_use and tool_result', () => {
    const chat = anthropicToChat(toolConversation);
    expect(chat).toEqual({
      model: 'claude-sonnet-4-5',
      max_tokens: 300,
      temperature: 0.3,
      stop: ['END'],
      user: 'u-1',
      tools: [{ type: 'function', function: { name: 'search', description: 'Find flights', parameters: { type: 'object', properties: { to: { type: 'string' } }, required: ['to'] } } }],
      tool_choice: 'required',
      parallel_tool_calls: false,
      messages: [
        { role: 'system', content: 'You book flights.' },
        { role: 'user', content: 'Flights to Oslo and Rome?' },
        { role: 'assistant', content: 'Searching.', tool_calls: [
          { id: 'toolu_1', type: 'function', function: { name: 'search', arguments: '{"to":"OSL"}' } },
          { id: 'toolu_2', type: 'function', function: { name: 'search', arguments: '{"to":"FCO"}' } },
        ] },
        { role: 'tool', tool_call_id: 'toolu_1', content: '3 flights' },
        { role: 'tool', tool_call_id: 'toolu_2', content: 'Error: none' },
        { role: 'user', content: 'Cheapest?' },
      ],
    });
  });

  it('round-trips through chatToAnthropic back to an equivalent Messages request', () => {
    const back = chatToAnthropic(anthropicToChat(toolConversation));
    expect(back).toMatchObject({
      model: 'claude-sonnet-4-5',
      max_tokens: 300,
      system: 'You book flights.',
      stop_sequences: ['END'],
      metadata: { user_id: 'u-1' },
      tool_choice: { type: 'any', disable_parallel_tool_use: true },
      tools: [{ name: 'search', description: 'Find flights', input_schema: { type: 'object', properties: { to: { type: 'string' } }, required: ['to'] } }],
    });
    expect(back.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'Flights to Oslo and Rome?' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'Searching.' }, { type: 'tool_use', id: 'toolu_1', name: 'search', input: { to: 'OSL' } }, { type: 'tool_use', id: 'toolu_2', name: 'search', input: { to: 'FCO' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: '3 flights' }, { type: 'tool_result', tool_use_id: 'toolu_2', content: 'Error: none' }, { type: 'text', text: 'Cheapest?' }] },
    ]);
  });

  it('answers a completion with tool calls as a Messages response', () => {
    const resp = chatToAnthropicResponse({
      id: 'chatcmpl-1', object: 'chat.completion', model: 'gpt-4o',
      choices: [{ index: 0, finish_reason: 'tool_calls', message: { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'search', arguments: '{"to":"OSL"}' } }] } }],
      usage: { prompt_tokens: 100, completion_tokens: 20, total_tokens: 120, prompt_tokens_details: { cached_tokens: 40 } },
    }, 'claude-sonnet-4-5');
    expect(resp).toMatchObject({
      type: 'message', role: 'assistant', model: 'claude-sonnet-4-5', stop_reason: 'tool_use',
      content: [{ type: 'tool_use', id: 'call_1', name: 'search', input: { to: 'OSL' } }],
      usage: { input_tokens: 60, output_tokens: 20, cache_read_input_tokens: 40 },
    });
  });

  it('translates a chat stream with text and two tool calls into the Anthropic event sequence', () => {
    const tr = chatChunksToAnthropicEvents('claude-sonnet-4-5', { inputTokens: 12 });
    const c = (delta: JsonObject, finish: string | null = null): JsonObject => ({ choices: [{ index: 0, delta, finish_reason: finish }] });
    const events = [
      ...tr(c({ role: 'assistant', content: '' })),
      ...tr(c({ content: 'Hi' })),
      ...tr(c({ tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'search', arguments: '' } }] })),
      ...tr(c({ tool_calls: [{ index: 0, function: { arguments: '{"to":' } }] })),
      ...tr(c({ tool_calls: [{ index: 0, function: { arguments: '"OSL"}' } }] })),
      ...tr(c({ tool_calls: [{ index: 1, id: 'call_b', type: 'function', function: { name: 'search', arguments: '{}' } }] })),
      ...tr(c({}, 'tool_calls')),
      ...tr.finish({ inputTokens: 12, outputTokens: 30, cachedInputTokens: 0, estimated: false }),
    ];
    expect(events.map((e) => e.event)).toEqual([
      'message_start',
      'content_block_start', 'content_block_delta',
      'content_block_stop', 'content_block_start', 'content_block_delta', 'content_block_delta',
      'content_block_stop', 'content_block_start', 'content_block_delta',
      'content_block_stop', 'message_delta', 'message_stop',
    ]);
    expect(events.every((e) => e.data.type === e.event)).toBe(true);
    expect(events[0]?.data).toMatchObject({ message: { model: 'claude-sonnet-4-5', usage: { input_tokens: 12 } } });
    expect(events[4]?.data).toEqual({ type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: 'call_a', name: 'search', input: {} } });
    expect(events[6]?.data).toEqual({ type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '"OSL"}' } });
    expect(events[8]?.data).toMatchObject({ index: 2, content_block: { id: 'call_b' } });
    expect(events[11]?.data).toEqual({ type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { input_tokens: 12, output_tokens: 30, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 } });
    expect(tr.finish({ inputTokens: 0, outputTokens: 0, cachedInputTokens: 0, estimated: false })).toEqual([]);
  });
});

describe('chatToAnthropic (provider side)', () => {
  it('defaults max_tokens, clamps temperature, maps tool_choice and response_format', () => {
    const body: ChatBody = {
      model: 'smart',
      messages: [{ role: 'developer', content: 'Rules' }, { role: 'user', content: [{ type: 'text', text: 'Look' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } }] }],
      temperature: 1.6,
      stop: 'X',
      tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object', properties: {} } } }],
      tool_choice: { type: 'function', function: { name: 'f' } },
      response_format: { type: 'json_object' },
    };
    const out = chatToAnthropic(body, 'claude-haiku-4-5');
    expect(out).toMatchObject({ model: 'claude-haiku-4-5', max_tokens: 4096, temperature: 1, stop_sequences: ['X'], tool_choice: { type: 'tool', name: 'f' } });
    expect(out.system).toBe('Rules\n\nRespond with one JSON object and nothing else.');
    expect(out.messages).toEqual([{ role: 'user', content: [{ type: 'text', text: 'Look' }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AAAA' } }] }]);
  });

  it('turns a Messages response with tool_use into a chat.completion with usage including cache reads', () => {
    const out = anthropicToChatCompletion({
      id: 'msg_1', type: 'message', model: 'claude-sonnet-4-5', stop_reason: 'tool_use',
      content: [{ type: 'text', text: 'Let me check.' }, { type: 'tool_use', id: 'toolu_9', name: 'search', input: { to: 'OSL' } }],
      usage: { input_tokens: 10, output_tokens: 5, cache_read_input_tokens: 90, cache_creation_input_tokens: 0 },
    });
    expect(out).toMatchObject({
      id: 'msg_1', object: 'chat.completion', model: 'claude-sonnet-4-5',
      choices: [{ finish_reason: 'tool_calls', message: { content: 'Let me check.', tool_calls: [{ id: 'toolu_9', type: 'function', function: { name: 'search', arguments: '{"to":"OSL"}' } }] } }],
      usage: { prompt_tokens: 100, completion_tokens: 5, prompt_tokens_details: { cached_tokens: 90 } },
    });
  });

  it('translates stream events into chunks with indexed tool-call deltas and final usage', () => {
    const tr = anthropicEventsToChat('an', true);
    const events: JsonObject[] = [
      { type: 'message_start', message: { id: 'msg_1', model: 'claude-sonnet-4-5', usage: { input_tokens: 20, output_tokens: 1 } } },
      { type: 'ping' },
      { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hi' } },
      { type: 'content_block_stop', index: 0 },
      { type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: 'toolu_1', name: 'search', input: {} } },
      { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '{"to":"OSL"}' } },
      { type: 'content_block_stop', index: 1 },
      { type: 'message_delta', delta: { stop_reason: 'tool_use' }, usage: { output_tokens: 15 } },
      { type: 'message_stop' },
    ];
    const chunks = events.flatMap((e) => tr.push(e));
    const deltas = chunks.map((c) => (c.choices as JsonObject[])[0]);
    expect(deltas[0]).toMatchObject({ delta: { role: 'assistant', content: '' } });
    expect(deltas[1]).toMatchObject({ delta: { content: 'Hi' } });
    expect(deltas[2]).toMatchObject({ delta: { tool_calls: [{ index: 0, id: 'toolu_1', function: { name: 'search', arguments: '' } }] } });
    expect(deltas[3]).toMatchObject({ delta: { tool_calls: [{ index: 0, function: { arguments: '{"to":"OSL"}' } }] } });
    expect(deltas[4]).toMatchObject({ finish_reason: 'tool_calls' });
    expect(chunks[5]).toMatchObject({ choices: [], usage: { prompt_tokens: 20, completion_tokens: 15 } });
    expect(tr.usage()).toEqual({ inputTokens: 20, outputTokens: 15, cachedInputTokens: 0, estimated: false });
    expect(tr.finished()).toBe(true);
    expect(() => tr.push({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } })).toThrow(/overloaded_error/);
  });
});
