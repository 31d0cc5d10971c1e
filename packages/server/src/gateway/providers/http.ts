import type { IncomingHttpHeaders } from 'node:http';
import { createRequire } from 'node:module';
import type { Pool as PoolType, Dispatcher } from 'undici';
import { UpstreamError, type UpstreamFailure } from '../types.js';
import { retryAfterValueMs, type JsonObject } from '@bridle/core';

/** Timeouts of one provider, already scaled. */
export interface HttpTimeouts {
  connectMs: number;
  /** Response headers (non-streaming: the whole body; streaming: also the longest gap between chunks). */
  firstByteMs: number;
  totalMs: number;
}

export interface UpstreamResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Dispatcher.ResponseData['body'];
  /** Clears the timers and detaches from the caller's signal; call when the body is consumed. */
  done(): void;
  /** Maps an error thrown while reading the body (timeout, reset, abort) to an UpstreamError. */
  failure(e: unknown): UpstreamError;
  /** Cancels the request (the caller went away). */
  abort(): void;
}

/**
 * undici is about 5 MB of heap and 20 MB of resident code; a server without a `gateway:` section
 * never makes an upstream call, so it is required (CommonJS) when the first provider is built.
 */
const requireCjs = createRequire(import.meta.url);
let poolClass: typeof PoolType | undefined;
function Pool(): typeof PoolType {
  return (poolClass ??= (requireCjs('undici') as { Pool: typeof PoolType }).Pool);
}

/**
 * One keep-alive connection pool per provider origin. Requests go through `undici.Pool.request`
 * rather than fetch: no WHATWG stream wrapping, no per-request Agent lookup, which is most of
 * the per-call overhead a gateway can avoid.
 */
export class UpstreamHttp {
  private readonly pool: PoolType;
  private readonly basePath: string;
  private readonly query: string;

  constructor(
    readonly provider: string,
    baseUrl: string,
    query: Record<string, string>,
    private readonly timeouts: HttpTimeouts,
  ) {
    const url = new URL(baseUrl);
    this.basePath = url.pathname.replace(/\/+$/, '');
    const q = new URLSearchParams(query).toString();
    this.query = q;
    this.pool = new (Pool())(url.origin, {
      connect: { timeout: timeouts.connectMs },
      keepAliveTimeout: 30_000,
      headersTimeout: timeouts.firstByteMs,
      bodyTimeout: timeouts.firstByteMs,
    });
  }

  /** The request path under the base URL, with the provider's fixed query parameters appended. */
  path(suffix: string, extraQuery?: string): string {
    const parts = [this.query, extraQuery].filter((s): s is string => s !== undefined && s !== '');
    return this.basePath + suffix + (parts.length > 0 ? (suffix.includes('?') ? '&' : '?') + parts.join('&') : '');
  }

  /**
   * Sends a request and resolves at the response headers. Non-2xx answers are read (bounded) and
   * thrown as UpstreamError carrying the upstream's error body, status and retry-after.
   * `stream: false` bounds headers and body by first_byte_ms; streams by total_ms.
   */
  async request(method: 'GET' | 'POST', path: string, headers: Record<string, string>, body: string | undefined, opts: { signal?: AbortSignal; stream: boolean }): Promise<UpstreamResponse> {
    const controller = new AbortController();
    let timedOut = false;
    const limit = opts.stream ? this.timeouts.totalMs : this.timeouts.firstByteMs;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, limit);
    const onAbort = (): void => controller.abort();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    if (opts.signal?.aborted) controller.abort();
    const done = (): void => {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
    };
    let res: Dispatcher.ResponseData;
    try {
      res = await this.pool.request({ method, path, headers, body, signal: controller.signal });
    } catch (e) {
      done();
      throw networkError(this.provider, e, timedOut, limit);
    }
    if (res.statusCode >= 200 && res.statusCode < 300) {
      return {
        status: res.statusCode,
        headers: res.headers,
        body: res.body,
        done,
        // A timeout while the caller reads the body surfaces as an abort of the body stream.
        failure: (e) => networkError(this.provider, e, timedOut, limit),
        abort: () => controller.abort(),
      };
    }
    try {
      const text = await readBounded(res.body, 64 * 1024);
      throw statusError(this.provider, res.statusCode, res.headers, text);
    } catch (e) {
      if (e instanceof UpstreamError) throw e;
      throw networkError(this.provider, e, timedOut, limit);
    } finally {
      done();
    }
  }

  /** Reads a whole JSON body, mapping a body-phase timeout or reset to UpstreamError. */
  async json(res: UpstreamResponse): Promise<JsonObject> {
    try {
      const text = await res.body.text();
      const parsed: unknown = JSON.parse(text);
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new UpstreamError('server', `${this.provider} answered with a non-object JSON body`, { provider: this.provider });
      return parsed as JsonObject;
    } catch (e) {
      if (e instanceof UpstreamError) throw e;
      if (e instanceof SyntaxError) throw new UpstreamError('server', `${this.provider} answered with invalid JSON`, { provider: this.provider });
      throw res.failure(e);
    } finally {
      res.done();
    }
  }

  close(): Promise<void> {
    return this.pool.destroy();
  }
}

async function readBounded(body: AsyncIterable<Buffer>, max: number): Promise<string> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    if (size < max) parts.push(chunk);
    size += chunk.length;
  }
  return Buffer.concat(parts).subarray(0, max).toString('utf8');
}

function timeoutError(provider: string, ms: number): UpstreamError {
  return new UpstreamError('timeout', `${provider} did not answer within ${ms} ms`, { provider });
}

function abortedError(provider: string): UpstreamError {
  return new UpstreamError('client', `request to ${provider} was aborted by the caller`, { provider });
}

const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'UND_ERR_DESTROYED', 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH']);

/** Maps a thrown transport error (undici or node) to an UpstreamError. */
export function networkError(provider: string, e: unknown, timedOut: boolean, limitMs: number): UpstreamError {
  if (e instanceof UpstreamError) return e;
  if (timedOut) return timeoutError(provider, limitMs);
  const code = errorCode(e);
  if (code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') return new UpstreamError('timeout', `${provider}: ${code === 'UND_ERR_CONNECT_TIMEOUT' ? 'connect' : code === 'UND_ERR_HEADERS_TIMEOUT' ? 'first byte' : 'stream idle'} timeout`, { provider });
  if (code === 'UND_ERR_ABORTED' || (e instanceof Error && e.name === 'AbortError')) return abortedError(provider);
  const message = e instanceof Error ? e.message : String(e);
  if (code !== undefined && CONNECTION_CODES.has(code)) return new UpstreamError('connection', `${provider} connection failed (${code}): ${message}`, { provider });
  return new UpstreamError('connection', `${provider} request failed: ${message}`, { provider });
}

function errorCode(e: unknown): string | undefined {
  for (let cur: unknown = e, depth = 0; cur instanceof Error && depth < 4; cur = cur.cause, depth++) {
    const code = (cur as Error & { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

/** The failure an HTTP status means; Anthropic's 529 "overloaded" counts as a server error. */
export function failureForStatus(status: number): UpstreamFailure {
  if (status === 429) return 'rate_limited';
  if (status === 408) return 'timeout';
  if (status >= 500) return 'server';
  if (status === 401 || status === 403) return 'auth';
  return 'client';
}

/** An UpstreamError for a non-2xx answer, keeping the upstream's JSON error body for relaying. */
export function statusError(provider: string, status: number, headers: IncomingHttpHeaders, text: string): UpstreamError {
  let body: JsonObject;
  try {
    const parsed: unknown = JSON.parse(text);
    body = parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as JsonObject) : { error: { message: text } };
  } catch {
    body = { error: { message: text.slice(0, 2000) } };
  }
  const failure = failureForStatus(status);
  const retryAfterMs = failure === 'rate_limited' || failure === 'server' ? parseRetryAfter(headers) : undefined;
  const upstreamMessage = errorMessageOf(body);
  return new UpstreamError(failure, `${provider} answered ${status}${upstreamMessage ? `: ${upstreamMessage}` : ''}`, { status, provider, body, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) });
}

function errorMessageOf(body: JsonObject): string | undefined {
  const err = Array.isArray(body) ? body[0] : body.error;
  if (err !== null && typeof err === 'object' && !Array.isArray(err) && typeof err.message === 'string') return err.message.slice(0, 300);
  if (typeof err === 'string') return err.slice(0, 300);
  return undefined;
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * How long the upstream asked us to wait: `retry-after-ms` (OpenAI), `retry-after` (seconds or an
 * HTTP date), else OpenAI's `x-ratelimit-reset-requests|tokens` durations ("1s", "6m0s", "20ms")
 * for whichever limit is exhausted.
 */
export function parseRetryAfter(headers: IncomingHttpHeaders, now: number = Date.now()): number | undefined {
  const ms = Number(header(headers, 'retry-after-ms'));
  if (header(headers, 'retry-after-ms') !== undefined && Number.isFinite(ms) && ms >= 0) return Math.ceil(ms);
  const ra = retryAfterValueMs(header(headers, 'retry-after'), now);
  if (ra !== undefined) return ra;
  const resets: number[] = [];
  for (const kind of ['requests', 'tokens']) {
    const reset = header(headers, `x-ratelimit-reset-${kind}`);
    const remaining = header(headers, `x-ratelimit-remaining-${kind}`);
    const d = reset === undefined ? undefined : parseDuration(reset);
    if (d !== undefined && (remaining === undefined || Number(remaining) === 0)) resets.push(d);
  }
  return resets.length > 0 ? Math.max(...resets) : undefined;
}

const DURATION_PART = /(\d+(?:\.\d+)?)(ms|h|m|s)/g;

/** Parses Go-style durations as OpenAI sends them ("1h2m3.5s", "20ms"); a bare number is seconds. */
export function parseDuration(text: string): number | undefined {
  const t = text.trim();
  if (/^\d+(\.\d+)?$/.test(t)) return Math.ceil(Number(t) * 1000);
  let total = 0;
  let matched = '';
  for (const m of t.matchAll(DURATION_PART)) {
    const n = Number(m[1]);
    const unit = m[2];
    total += unit === 'h' ? n * 3_600_000 : unit === 'm' ? n * 60_000 : unit === 's' ? n * 1000 : n;
    matched += m[0];
  }
  return matched.length === t.length && matched.length > 0 ? Math.ceil(total) : undefined;
}
