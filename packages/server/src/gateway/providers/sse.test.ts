import { describe, expect, it } from 'vitest';
import { parseSse, type SseEvent } from './sse.js';

async function parse(parts: string[]): Promise<SseEvent[]> {
  async function* src(): AsyncGenerator<Uint8Array> {
    for (const p of parts) yield Buffer.from(p);
  }
  const out: SseEvent[] = [];
  for await (const ev of parseSse(src())) out.push(ev);
  return out;
}

describe('parseSse', () => {
  it('parses named events, multi-line data, comments and CRLF split across chunks', async () => {
    expect(await parse(['event: ping\ndata: {}\n\n: keep-alive\n\ndata: a\r', '\ndata: b\r\n\r\n', 'data: [DONE]\n\n'])).toEqual([
      { event: 'ping', data: '{}' },
      { data: 'a\nb' },
      { data: '[DONE]' },
    ]);
  });

  it('handles multi-byte characters split across chunks and a last event without a blank line', async () => {
    const bytes = Buffer.from('data: héllo\n\ndata: end');
    async function* src(): AsyncGenerator<Uint8Array> {
      yield bytes.subarray(0, 8);
      yield bytes.subarray(8);
    }
    const out: SseEvent[] = [];
    for await (const ev of parseSse(src())) out.push(ev);
    expect(out).toEqual([{ data: 'héllo' }, { data: 'end' }]);
  });
});
