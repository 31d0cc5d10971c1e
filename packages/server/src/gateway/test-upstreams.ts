import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { JsonObject } from '@bridle/core';
import { completionAnswer, embeddingsAnswer, instantAnswers, streamEvents } from './test-upstreams-wire.js';

/*
 * Local stand-ins for OpenAI, Anthropic and Gemini, speaking each one's documented wire format
 * closely enough for the official SDKs, on 127.0.0.1 with an ephemeral port. Tests script
 * failures per request; benchmarks use `instant` mode (a fixed tiny answer, no parsing, no
 * recording). Not part of the build (excluded by its name).
 */

export type UpstreamKind = 'openai' | 'anthropic' | 'gemini';

/** What to do with the next request (one step per request, in order; then normal answers). */
export type UpstreamStep =
  | { fail: number; headers?: Record<string, string>; body?: JsonObject }
  | { hang: true }
  /** Destroy the socket before any byte of the response. */
  | { drop: true }
  /** Stream this many events, then destroy the socket (for non-streaming requests: drop before the body). */
  | { dropAfterChunks: number }
  | { delayMs: number };

export interface UpstreamToolCall {
  id?: string;
  name: string;
  arguments: string;
}

export interface UpstreamReply {
  text: string;
  toolCalls: UpstreamToolCall[];
  /** Send usage (stream usage only when the wire format says so, e.g. OpenAI's include_usage). */
  usage: boolean;
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
  /** Characters of text per stream event. */
  chunkChars: number;
  /** Delay before every answer, in ms. */
  delayMs: number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: JsonObject | null;
}

export interface TestUpstream {
  kind: UpstreamKind;
  /** The `base_url` to configure a provider of this kind with. */
  url: string;
  /** Every request received (not in instant mode), with its parsed JSON body. */
  requests: RecordedRequest[];
  /** Requests received, including failed, hung and dropped ones. */
  readonly count: number;
  /** Queues steps for the next requests. */
  script(...steps: UpstreamStep[]): void;
  /** The answer given when no step applies; mutable between requests. */
  reply: UpstreamReply;
  close(): Promise<void>;
}

export interface TestUpstreamOptions {
  reply?: Partial<UpstreamReply>;
  /** A fixed tiny answer with no parsing or recording, for benchmarks. */
  instant?: boolean;
  /** When set, requests without this key (in the kind's auth header) get 401. */
  apiKey?: string;
}

const DEFAULT_REPLY: UpstreamReply = { text: 'Hello from the test upstream.', toolCalls: [], usage: true, promptTokens: 11, completionTokens: 7, cachedTokens: 0, chunkChars: 8, delayMs: 0 };

/**
 * Starts a local upstream of the given kind.
 *
 * @example
 *   const up = await startTestUpstream('openai');
 *   up.script({ fail: 429, headers: { 'retry-after': '1' } });
 *   // provider config: { kind: 'openai', base_url: up.url }
 *   await up.close();
 */
export async function startTestUpstream(kind: UpstreamKind, opts: TestUpstreamOptions = {}): Promise<TestUpstream> {
  const steps: UpstreamStep[] = [];
  let count = 0;
  const requests: RecordedRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const state = { reply: { ...DEFAULT_REPLY, ...opts.reply } };
  const instant = opts.instant === true ? instantAnswers(kind) : null;

  const server: Server = createServer((req, res) => {
    count++;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      if (instant !== null) {
        const stream = raw.includes('"stream":true') || (req.url ?? '').includes('streamGenerateContent');
        const answer = stream ? instant.stream : instant.json;
        res.writeHead(200, { 'content-type': stream ? 'text/event-stream' : 'application/json', 'content-length': answer.length });
        res.end(answer);
        return;
      }
      let body: JsonObject | null = null;
      try {
        const parsed: unknown = raw === '' ? null : JSON.parse(raw);
        if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) body = parsed as JsonObject;
      } catch {
        body = null;
      }
      requests.push({ method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers, body });
      const step = steps.shift();
      const go = (): void => handle(kind, req, res, body, step, state.reply, opts.apiKey);
      const delay = (step !== undefined && 'delayMs' in step ? step.delayMs : 0) + state.reply.delayMs;
      if (delay > 0) {
        const t = setTimeout(() => {
          timers.delete(t);
          go();
        }, delay);
        timers.add(t);
      } else go();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  return {
    kind,
    url: kind === 'openai' ? `${origin}/v1` : kind === 'gemini' ? `${origin}/v1beta` : origin,
    requests,
    get count() {
      return count;
    },
    script: (...s) => void steps.push(...s),
    get reply() {
      return state.reply;
    },
    set reply(r: UpstreamReply) {
      state.reply = r;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function send(res: ServerResponse, status: number, body: JsonObject, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function errorBody(kind: UpstreamKind, status: number, message: string): JsonObject {
  if (kind === 'anthropic') {
    const type = status === 529 ? 'overloaded_error' : status === 429 ? 'rate_limit_error' : status === 401 ? 'authentication_error' : status >= 500 ? 'api_error' : 'invalid_request_error';
    return { type: 'error', error: { type, message } };
  }
  if (kind === 'gemini') {
    const s = status === 429 ? 'RESOURCE_EXHAUSTED' : status === 401 ? 'UNAUTHENTICATED' : status === 503 ? 'UNAVAILABLE' : status >= 500 ? 'INTERNAL' : 'INVALID_ARGUMENT';
    return { error: { code: status, message, status: s } };
  }
  const type = status === 429 ? 'rate_limit_exceeded' : status === 401 ? 'invalid_request_error' : status >= 500 ? 'server_error' : 'invalid_request_error';
  return { error: { message, type, param: null, code: status === 429 ? 'rate_limit_exceeded' : null } };
}

function authorized(kind: UpstreamKind, headers: IncomingHttpHeaders, key: string): boolean {
  if (kind === 'anthropic') return headers['x-api-key'] === key;
  if (kind === 'gemini') return headers['x-goog-api-key'] === key;
  return headers.authorization === `Bearer ${key}` || headers['api-key'] === key;
}

function handle(kind: UpstreamKind, req: IncomingMessage, res: ServerResponse, body: JsonObject | null, step: UpstreamStep | undefined, reply: UpstreamReply, apiKey: string | undefined): void {
  if (step !== undefined && 'hang' in step) return;
  if (step !== undefined && 'drop' in step) {
    req.socket.destroy();
    return;
  }
  if (step !== undefined && 'fail' in step) {
    send(res, step.fail, step.body ?? errorBody(kind, step.fail, `scripted failure ${step.fail}`), step.headers);
    return;
  }
  if (apiKey !== undefined && !authorized(kind, req.headers, apiKey)) {
    send(res, 401, errorBody(kind, 401, 'invalid api key'));
    return;
  }
  const dropAfter = step !== undefined && 'dropAfterChunks' in step ? step.dropAfterChunks : undefined;
  const url = new URL(req.url ?? '/', 'http://x');
  const route = routeOf(kind, req.method ?? 'GET', url.pathname);
  if (route === null) {
    send(res, 404, errorBody(kind, 404, `no route ${req.method} ${url.pathname}`));
    return;
  }
  if (route.endpoint === 'models') {
    send(res, 200, { object: 'list', data: [{ id: 'gpt-4o-mini', object: 'model', created: 1721172741, owned_by: 'system' }] });
    return;
  }
  if (route.endpoint === 'embeddings' || route.endpoint === 'embed' || route.endpoint === 'batchEmbed') {
    if (dropAfter !== undefined) return void req.socket.destroy();
    send(res, 200, embeddingsAnswer(route.endpoint, body, reply));
    return;
  }
  const stream = route.endpoint === 'stream' || body?.stream === true;
  if (!stream) {
    if (dropAfter !== undefined) return void req.socket.destroy();
    send(res, 200, completionAnswer(kind, body, reply, route.model));
    return;
  }
  const events = streamEvents(kind, body, reply, route.model);
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const n = dropAfter === undefined ? events.length : Math.min(dropAfter, events.length);
  for (let i = 0; i < n; i++) res.write(events[i]);
  if (dropAfter !== undefined) {
    // Flush what was written, then cut the connection mid-stream.
    setImmediate(() => req.socket.destroy());
    return;
  }
  res.end();
}

function routeOf(kind: UpstreamKind, method: string, path: string): { endpoint: 'chat' | 'stream' | 'models' | 'embeddings' | 'embed' | 'batchEmbed'; model: string } | null {
  if (kind === 'openai') {
    if (method === 'POST' && path === '/v1/chat/completions') return { endpoint: 'chat', model: '' };
    if (method === 'POST' && path === '/v1/embeddings') return { endpoint: 'embeddings', model: '' };
    if (method === 'GET' && path === '/v1/models') return { endpoint: 'models', model: '' };
    return null;
  }
  if (kind === 'anthropic') return method === 'POST' && path === '/v1/messages' ? { endpoint: 'chat', model: '' } : null;
  const m = /^\/v1beta\/models\/([^:]+):(generateContent|streamGenerateContent|embedContent|batchEmbedContents)$/.exec(path);
  if (method !== 'POST' || m === null) return null;
  const model = decodeURIComponent(m[1] ?? '');
  const endpoint = m[2] === 'generateContent' ? 'chat' : m[2] === 'streamGenerateContent' ? 'stream' : m[2] === 'embedContent' ? 'embed' : 'batchEmbed';
  return { endpoint, model };
}
