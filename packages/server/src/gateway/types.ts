import type { JsonObject } from '@bridle/core';

/**
 * The gateway's internal lingua franca is OpenAI's Chat Completions format: most agents speak
 * it, and Anthropic and Gemini requests and responses are translated to and from it at the
 * edges (see ./translate). Bodies stay plain JSON so unknown fields pass through untouched.
 */

/** A Chat Completions request body (`POST /v1/chat/completions`), unknown fields preserved. */
export type ChatBody = JsonObject & { model: string; messages: JsonObject[]; stream?: boolean };
/** A `chat.completion` response body. */
export type ChatCompletion = JsonObject;
/** One `chat.completion.chunk` of a stream. */
export type ChatChunk = JsonObject;

/** Tokens of one call. `estimated` when counted locally because the provider gave none. */
export interface Usage {
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
  estimated: boolean;
}

/** Where one attempt went. */
export interface Target {
  provider: string;
  model: string;
}

/** Why an upstream attempt failed; `retryable` ones move on to a retry or the next target. */
export type UpstreamFailure = 'rate_limited' | 'server' | 'timeout' | 'connection' | 'client' | 'auth' | 'breaker_open';

/** One attempt that did not succeed, recorded in the audit as a fallback taken. */
export interface FailedAttempt extends Target {
  failure: UpstreamFailure;
  status?: number;
  message: string;
  durationMs: number;
}

/**
 * An upstream error. `afterFirstByte` is true when a stream had begun: the client then gets an
 * error event, never a silently truncated answer, and no fallback is possible.
 */
export class UpstreamError extends Error {
  constructor(
    readonly failure: UpstreamFailure,
    message: string,
    readonly opts: { status?: number; provider?: string; model?: string; afterFirstByte?: boolean; attempts?: FailedAttempt[]; body?: JsonObject; retryAfterMs?: number } = {},
  ) {
    super(message);
    this.name = 'UpstreamError';
  }
  get retryable(): boolean {
    return this.failure === 'rate_limited' || this.failure === 'server' || this.failure === 'timeout' || this.failure === 'connection' || this.failure === 'breaker_open';
  }
}

/** What the router reports with every result: the target that answered and the ones that failed first. */
export interface RouteInfo extends Target {
  /** Provider kind: openai | anthropic | gemini. */
  kind: string;
  attempts: FailedAttempt[];
  systemFingerprint?: string;
}

export interface ChatResult extends RouteInfo {
  body: ChatCompletion;
  usage: Usage;
}

/**
 * A stream that has produced its first byte. Iterating `chunks` yields Chat Completions chunks;
 * an upstream failure mid-stream throws UpstreamError with `afterFirstByte: true`. `usage()` is
 * exact after iteration ends (the provider's figures, or a local count when it gave none).
 */
export interface ChatStream extends RouteInfo {
  chunks: AsyncIterable<ChatChunk>;
  usage(): Usage;
  /** Stops the upstream request (the client went away, or an output check failed). */
  abort(): void;
}

export interface EmbeddingsResult extends RouteInfo {
  body: JsonObject;
  usage: Usage;
}

export interface CallOptions {
  signal?: AbortSignal;
  /** Override the route for this call (the door's downgrade under budget pressure). */
  model?: string;
}

/** A model the gateway serves, for `GET /v1/models`. */
export interface ModelInfo {
  id: string;
  ownedBy: string;
}

/** Prices in micro-USD per token (integer arithmetic happens at the cost, see `costMicroUsd`). */
export interface Price {
  inputUsdPerMtok: number;
  outputUsdPerMtok: number;
  cachedInputUsdPerMtok?: number;
  /** `table`: built-in data file; `policy`: gateway.prices; `default`: gateway.unknown_model_price. */
  source: 'table' | 'policy' | 'default';
}

/**
 * Routes calls to providers with retries, fallbacks and per-provider circuit breakers. Built from
 * the policy's `gateway:` by `createRouter` (./router.ts).
 */
export interface Router {
  models(): ModelInfo[];
  /** The ordered targets a model name resolves to; null when it is neither listed nor routable by default. */
  resolve(model: string): Target[] | null;
  /** The model to use instead under budget pressure, if the policy names one. */
  downgradeOf(model: string): string | null;
  /** The price of a provider model, or null when unknown (the caller applies unknown_model_price). */
  price(model: string): Price | null;
  /** Counts tokens locally (prompt side), for reservations and providers that report none. */
  countPromptTokens(body: ChatBody): number;
  countTextTokens(text: string): number;
  chat(body: ChatBody, opts?: CallOptions): Promise<ChatResult>;
  /** Resolves once the first byte arrived (fallbacks happen before); rejects with UpstreamError otherwise. */
  stream(body: ChatBody, opts?: CallOptions): Promise<ChatStream>;
  embeddings(body: JsonObject & { model: string }, opts?: CallOptions): Promise<EmbeddingsResult>;
  breakerStates(): { provider: string; state: 'closed' | 'open' | 'half_open' }[];
  close(): Promise<void>;
}
