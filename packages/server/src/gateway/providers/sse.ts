import type { JsonObject } from '@bridle/core';
import { isObject } from '../translate/common.js';
import { UpstreamError } from '../types.js';
import type { UpstreamResponse } from './http.js';

/** One Server-Sent Event: `event:` name (absent means "message") and its joined `data:` lines. */
export interface SseEvent {
  event?: string;
  data: string;
}

/**
 * Parses an SSE byte stream as it arrives (WHATWG event-stream rules: LF, CRLF or CR line ends,
 * multi-line data joined with "\n", comments and unknown fields ignored). Each network chunk is
 * decoded once and scanned once; nothing is buffered beyond the current unfinished event.
 *
 * @example
 *   for await (const ev of parseSse(res.body)) if (ev.data !== '[DONE]') handle(JSON.parse(ev.data));
 */
export async function* parseSse(body: AsyncIterable<Uint8Array>): AsyncGenerator<SseEvent> {
  const decoder = new TextDecoder();
  let buf = '';
  let event: string | undefined;
  let data: string | undefined;
  for await (const chunk of body) {
    buf += decoder.decode(chunk, { stream: true });
    let start = 0;
    for (;;) {
      const nl = nextLineEnd(buf, start);
      if (nl === -1) break;
      const line = buf.slice(start, nl);
      // A CR at the very end of the buffer may be the first half of CRLF: treat it as the line end
      // and skip the LF if it comes next.
      start = buf.charCodeAt(nl) === 13 && buf.charCodeAt(nl + 1) === 10 ? nl + 2 : nl + 1;
      if (line === '') {
        if (data !== undefined) yield event === undefined ? { data } : { event, data };
        event = undefined;
        data = undefined;
        continue;
      }
      if (line.charCodeAt(0) === 58) continue; // ":" comment (keep-alive)
      const colon = line.indexOf(':');
      const field = colon === -1 ? line : line.slice(0, colon);
      let value = colon === -1 ? '' : line.slice(colon + 1);
      if (value.charCodeAt(0) === 32) value = value.slice(1);
      if (field === 'data') data = data === undefined ? value : data + '\n' + value;
      else if (field === 'event') event = value;
    }
    buf = buf.slice(start);
  }
  buf += decoder.decode();
  // A stream that ends without the final blank line still delivers its last complete event.
  if (buf !== '' && !buf.startsWith(':')) {
    const colon = buf.indexOf(':');
    if (colon !== -1 && buf.slice(0, colon) === 'data') {
      const v = buf.slice(colon + 1).replace(/^ /, '').replace(/\r?\n?$/, '');
      data = data === undefined ? v : data + '\n' + v;
    }
  }
  if (data !== undefined) yield event === undefined ? { data } : { event, data };
}

/**
 * Index of the next line terminator at or after `from`, or -1. A CR that ends the buffer waits
 * for more input, so a CRLF split across two network chunks is still one line end.
 */
function nextLineEnd(s: string, from: number): number {
  const lf = s.indexOf('\n', from);
  const cr = s.indexOf('\r', from);
  if (cr === -1 || (lf !== -1 && lf < cr)) return lf;
  return cr + 1 < s.length ? cr : -1;
}

/**
 * Relays a provider stream whose events are JSON objects (Anthropic, Gemini): each object goes
 * through `onEvent`; once the body ends, `atEnd` checks the stream was complete (throwing if it
 * was cut) and flushes what is left. Non-object data is skipped, unparseable data is a server
 * error, any other failure while reading is mapped by `res.failure`, and the response is
 * released however the stream ends.
 */
export async function* relayJsonSse<T>(res: UpstreamResponse, provider: string, onEvent: (data: JsonObject) => T[], atEnd: () => T[]): AsyncGenerator<T> {
  try {
    for await (const ev of parseSse(res.body)) {
      let data: JsonObject;
      try {
        const parsed = JSON.parse(ev.data) as JsonObject;
        if (!isObject(parsed)) continue;
        data = parsed;
      } catch {
        throw new UpstreamError('server', `${provider} sent an invalid stream event`, { provider });
      }
      for (const item of onEvent(data)) yield item;
    }
    for (const item of atEnd()) yield item;
  } catch (e) {
    throw e instanceof UpstreamError ? e : res.failure(e);
  } finally {
    res.done();
  }
}
