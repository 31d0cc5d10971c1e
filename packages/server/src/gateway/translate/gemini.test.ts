import { describe, expect, it } from 'vitest';
import type { JsonObject } from '@bridle/core';
import { chatToGemini, geminiEventsToChat, geminiToChatCompletion } from './gemini.js';
import { UpstreamError } from '../types.js';

describe('chatToGemini', () => {
  it('maps roles, tool calls and results by name, tools, toolConfig and generationConfig', () => {
    const out = chatToGemini({
      model: 'smart',
      messages: [
        { role: 'system', content: 'Be terse' },
        { role: 'user', content: 'Weather in Oslo?' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Oslo"}' } }] },
        { role: 'tool', tool_call_id: 'call_1', content: '{"temp":3}' },
        { role: 'tool', tool_call_id: 'call_1', content: 'plain text' },
      ],
      tools: [{ type: 'function', function: { name: 'weather', description: 'Weather', parameters: { type: 'object', additionalProperties: false, properties: { city: { type: 'string' } } } } }],
      tool_choice: { type: 'function', function: { name: 'weather' } },
      temperature: 0.1,
      max_tokens: 50,
      stop: ['Z'],
      response_format: { type: 'json_schema', json_schema: { name: 'x', schema: { type: 'object', properties: { a: { type: 'number' } }, additionalProperties: false } } },
    });
    expect(out).toEqual({
      systemInstruction: { parts: [{ text: 'Be terse' }] },
      contents: [
        { role: 'user', parts: [{ text: 'Weather in Oslo?' }] },
        { role: 'model', parts: [{ functionCall: { name: 'weather', args: { city: 'Oslo' } } }] },
        { role: 'user', parts: [{ functionResponse: { name: 'weather', response: { temp: 3 } } }, { functionResponse: { name: 'weather', response: { content: 'plain text' } } }] },
      ],
      tools: [{ functionDeclarations: [{ name: 'weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } }] }],
      toolConfig: { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['weather'] } },
      generationConfig: { temperature: 0.1, maxOutputTokens: 50, stopSequences: ['Z'], responseMimeType: 'application/json', responseSchema: { type: 'object', properties: { a: { type: 'number' } } } },
    });
  });
});

describe('Gemini responses', () => {
  it('turns candidates with a function call and usageMetadata into a chat.completion', () => {
    const out = geminiToChatCompletion({
      candidates: [{ content: { role: 'model', parts: [{ text: 'Checking' }, { functionCall: { name: 'weather', args: { city: 'Oslo' } } }] }, finishReason: 'STOP', index: 0 }],
      usageMetadata: { promptTokenCount: 30, candidatesTokenCount: 8, thoughtsTokenCount: 4, cachedContentTokenCount: 10, totalTokenCount: 42 },
      modelVersion: 'gemini-2.5-flash',
    }, 'gemini-2.5-flash');
    expect(out).toMatchObject({
      object: 'chat.completion', model: 'gemini-2.5-flash',
      choices: [{ finish_reason: 'tool_calls', message: { content: 'Checking', tool_calls: [{ type: 'function', function: { name: 'weather', arguments: '{"city":"Oslo"}' } }] } }],
      usage: { prompt_tokens: 30, completion_tokens: 12, prompt_tokens_details: { cached_tokens: 10 } },
    });
  });

  it('maps MAX_TOKENS and SAFETY finish reasons', () => {
    const f = (reason: string): unknown => (geminiToChatCompletion({ candidates: [{ content: { parts: [{ text: 'x' }] }, finishReason: reason }] }, 'm').choices as JsonObject[])[0]?.finish_reason;
    expect(f('MAX_TOKENS')).toBe('length');
    expect(f('SAFETY')).toBe('content_filter');
  });

  it('translates stream events into chunks, usage from the last event', () => {
    const tr = geminiEventsToChat('gm', 'gemini-2.5-flash', true);
    const events: JsonObject[] = [
      { candidates: [{ content: { role: 'model', parts: [{ text: 'Hel' }] } }] },
      { candidates: [{ content: { role: 'model', parts: [{ text: 'lo' }, { functionCall: { name: 'f', args: { a: 1 } } }] }, finishReason: 'STOP' }], usageMetadata: { promptTokenCount: 9, candidatesTokenCount: 3 } },
    ];
    const chunks = events.flatMap((e) => tr.push(e));
    chunks.push(...tr.end());
    const deltas = chunks.map((c) => (c.choices as JsonObject[])[0]?.delta);
    expect(deltas.slice(0, 4)).toEqual([{ role: 'assistant', content: '' }, { content: 'Hel' }, { content: 'lo' }, { tool_calls: [{ index: 0, id: expect.any(String), type: 'function', function: { name: 'f', arguments: '{"a":1}' } }] }]);
    expect((chunks[4]?.choices as JsonObject[])[0]?.finish_reason).toBe('tool_calls');
    expect(chunks[5]).toMatchObject({ choices: [], usage: { prompt_tokens: 9, completion_tokens: 3 } });
    expect(tr.finished()).toBe(true);
    expect(() => tr.push({ error: { code: 429, message: 'quota' } })).toThrow(UpstreamError);
  });
});
