import { BridleError, type GatewayConfig, type JsonObject, type ProviderConfig, type ProviderKind } from '@bridle/core';
import { Breaker } from './breaker.js';
import { createAnthropicProvider } from './providers/anthropic.js';
import { createGeminiProvider } from './providers/gemini.js';
import { createOpenAiProvider } from './providers/openai.js';
import type { Provider, ProviderInit } from './providers/types.js';
import { lookupPrice } from './prices.js';
import { countMessageTokens, countPromptTokens, countTextTokens, ensureTokenizer } from './tokens.js';
import { arr, isObject, objects, str } from './translate/common.js';
import {
  UpstreamError,
  type CallOptions,
  type ChatBody,
  type ChatChunk,
  type ChatResult,
  type ChatStream,
  type EmbeddingsResult,
  type FailedAttempt,
  type Router,
  type Target,
  type Usage,
} from './types.js';

export interface RouterOptions {
  /** Where provider keys are read from (`api_key_env`), once, at creation. */
  env: Record<string, string | undefined>;
  /** Milliseconds since the epoch; drives breakers and attempt durations. */
  clock?: () => number;
  /** In [0, 1); drives the backoff jitter. */
  random?: () => number;
  /** Waits between retries; tests pass one that does not. Must reject when `signal` aborts. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Multiplies every configured timeout (tests shrink them; slow networks may stretch them). */
  fetchTimeoutScale?: number;
}

const factories: Record<ProviderKind, (init: ProviderInit) => Provider> = {
  openai: createOpenAiProvider,
  anthropic: createAnthropicProvider,
  gemini: createGeminiProvider,
};

function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new UpstreamError('client', 'request aborted by the caller'));
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new UpstreamError('client', 'request aborted by the caller'));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function providerInit(name: string, p: ProviderConfig, env: Record<string, string | undefined>, timeouts: ProviderInit['timeouts']): ProviderInit {
  let apiKey: string | undefined;
  if (p.api_key_env !== undefined) {
    apiKey = env[p.api_key_env];
    if (apiKey === undefined || apiKey === '') {
      throw new BridleError('BRIDLE_E_CONFIG', `gateway provider "${name}" reads its API key from the environment variable ${p.api_key_env}, which is not set`, { provider: name, variable: p.api_key_env });
    }
  }
  return {
    name,
    baseUrl: p.base_url,
    apiKey,
    ...(p.api_key_header !== undefined ? { apiKeyHeader: p.api_key_header } : {}),
    headers: p.headers,
    query: p.query,
    anthropicVersion: p.anthropic_version,
    timeouts,
  };
}

/**
 * Builds the gateway's router from the policy's `gateway:`: one keep-alive client per provider,
 * keys read from the environment now (a missing one is BRIDLE_E_CONFIG), the tokenizer loaded.
 * Each call walks the model's targets in order; on a retryable failure (429, 5xx, 529, timeout,
 * connection) it retries the same target up to `retry.max_retries` times with full-jitter
 * exponential backoff, or after the upstream's retry-after when it gave one (a retry-after longer
 * than `retry.max_ms` moves straight to the next target), then falls back to the next target,
 * translating the body for that provider's wire format. A provider whose breaker is open is
 * skipped. Streams resolve at their first chunk, so everything before it can still fall back;
 * after it, a failure is an UpstreamError with `afterFirstByte: true`.
 *
 * @example
 *   const router = await createRouter(policy.gateway, { env: process.env });
 *   const { body, usage, attempts } = await router.chat({ model: 'smart', messages: [{ role: 'user', content: 'hi' }] });
 */
export async function createRouter(config: GatewayConfig, opts: RouterOptions): Promise<Router> {
  const clock = opts.clock ?? Date.now;
  const random = opts.random ?? Math.random;
  const sleep = opts.sleep ?? defaultSleep;
  const scale = opts.fetchTimeoutScale ?? 1;
  const timeouts = {
    connectMs: Math.max(1, Math.round(config.timeouts.connect_ms * scale)),
    firstByteMs: Math.max(1, Math.round(config.timeouts.first_byte_ms * scale)),
    totalMs: Math.max(1, Math.round(config.timeouts.total_ms * scale)),
  };
  // Validate every key before opening any pool, so a bad config leaks nothing.
  const inits = Object.entries(config.providers).map(([name, p]) => [name, p.kind, providerInit(name, p, opts.env, timeouts)] as const);
  const providers = new Map<string, Provider>();
  const breakers = new Map<string, Breaker>();
  for (const [name, kind, init] of inits) {
    providers.set(name, factories[kind](init));
    breakers.set(name, new Breaker({ failures: config.breaker.failures, windowMs: config.breaker.window_s * 1000, cooldownMs: config.breaker.cooldown_s * 1000 }, clock));
  }

  function resolve(model: string): Target[] | null {
    const route = config.models[model];
    if (route !== undefined) return route.targets.map((t) => ({ provider: t.provider, model: t.model }));
    return config.default_provider !== undefined ? [{ provider: config.default_provider, model }] : null;
  }

  function targetsFor(model: string): Target[] {
    const targets = resolve(model);
    if (targets === null || targets.length === 0) {
      const message = `model "${model}" is not served by this gateway`;
      throw new UpstreamError('client', message, { status: 404, model, body: { error: { message, type: 'invalid_request_error', code: 'model_not_found' } } });
    }
    return targets;
  }

  /** Full jitter (AWS "Exponential Backoff and Jitter"); null means "do not wait that long, fall back". */
  function backoffMs(retry: number, retryAfterMs: number | undefined): number | null {
    if (retryAfterMs !== undefined) return retryAfterMs > config.retry.max_ms ? null : retryAfterMs;
    return Math.floor(random() * Math.min(config.retry.max_ms, config.retry.base_ms * 2 ** retry));
  }

  async function run<T>(model: string, signal: AbortSignal | undefined, call: (provider: Provider, target: Target) => Promise<T>): Promise<{ value: T; target: Target; kind: ProviderKind; attempts: FailedAttempt[]; breaker: Breaker }> {
    const attempts: FailedAttempt[] = [];
    let last: UpstreamError | undefined;
    for (const target of targetsFor(model)) {
      const provider = providers.get(target.provider);
      const breaker = breakers.get(target.provider);
      if (provider === undefined || breaker === undefined) throw new BridleError('BRIDLE_E_CONFIG', `gateway route names unknown provider "${target.provider}"`);
      for (let retry = 0; ; retry++) {
        if (!breaker.tryAcquire()) {
          const wait = breaker.retryAfterMs();
          const message = `${target.provider} circuit breaker is open`;
          attempts.push({ ...target, failure: 'breaker_open', message, durationMs: 0 });
          last = new UpstreamError('breaker_open', message, { provider: target.provider, model: target.model, retryAfterMs: wait });
          break;
        }
        const started = clock();
        try {
          const value = await call(provider, target);
          breaker.success();
          return { value, target, kind: provider.kind, attempts, breaker };
        } catch (e) {
          const err = e instanceof UpstreamError ? e : new UpstreamError('connection', e instanceof Error ? e.message : String(e), { provider: target.provider });
          const failed: FailedAttempt = { ...target, failure: err.failure, message: err.message, durationMs: clock() - started, ...(err.opts.status !== undefined ? { status: err.opts.status } : {}) };
          attempts.push(failed);
          if (!err.retryable) {
            breaker.release(signal?.aborted !== true);
            throw new UpstreamError(err.failure, err.message, { ...err.opts, provider: target.provider, model: target.model, attempts });
          }
          breaker.failure();
          last = err;
          if (retry >= config.retry.max_retries) break;
          const wait = backoffMs(retry, err.opts.retryAfterMs);
          if (wait === null) break;
          await sleep(wait, signal);
        }
      }
    }
    const final = last ?? new UpstreamError('server', 'no target answered');
    const message = attempts.length > 1 ? `all ${attempts.length} attempts failed; last: ${final.message}` : final.message;
    throw new UpstreamError(final.failure, message, { ...final.opts, attempts });
  }

  /**
   * The tokenizer is loaded on the first answer without usage, not at start-up: providers that
   * report usage (all the supported ones, when asked) never need its ~20 MB. Should it fail to
   * load, counts fall back to the per-character estimate.
   */
  const tokenizer = (): Promise<void> => ensureTokenizer().catch(() => {});

  function estimateUsage(body: ChatBody, completionTokens: number): Usage {
    return { inputTokens: countPromptTokens(body), outputTokens: completionTokens, cachedInputTokens: 0, estimated: true };
  }

  const router: Router = {
    models: () => Object.entries(config.models).map(([id, route]) => ({ id, ownedBy: route.targets[0]?.provider ?? 'bridle' })),
    resolve,
    downgradeOf: (model) => config.models[model]?.downgrade_to ?? null,
    price: (model) => lookupPrice(model, config.prices),
    countPromptTokens,
    countTextTokens,

    async chat(body, callOpts: CallOptions = {}): Promise<ChatResult> {
      const { value, target, kind, attempts } = await run(callOpts.model ?? body.model, callOpts.signal, (p, t) => p.chat(body, t.model, callOpts.signal));
      const message = objects(value.body.choices)[0]?.message;
      if (value.usage === null) await tokenizer();
      const usage = value.usage ?? estimateUsage(body, isObject(message) ? countMessageTokens(message) : 0);
      return { ...target, kind, attempts, body: value.body, usage, ...(value.systemFingerprint !== undefined ? { systemFingerprint: value.systemFingerprint } : {}) };
    },

    async stream(body, callOpts: CallOptions = {}): Promise<ChatStream> {
      const { value, target, kind, attempts, breaker } = await run(callOpts.model ?? body.model, callOpts.signal, async (p, t) => {
        const ps = await p.stream(body, t.model, callOpts.signal);
        try {
          // Resolve only once the first chunk is here: anything failing before it may still fall back.
          const first = await ps.chunks.next();
          return { ps, first };
        } catch (e) {
          ps.abort();
          throw e;
        }
      });
      const { ps, first } = value;
      let completion = '';
      let ended = false;
      const relay = async function* (): AsyncGenerator<ChatChunk> {
        let r = first;
        try {
          while (r.done !== true) {
            completion += chunkText(r.value);
            yield r.value;
            r = await ps.chunks.next();
          }
          ended = true;
        } catch (e) {
          const err = e instanceof UpstreamError ? e : new UpstreamError('connection', e instanceof Error ? e.message : String(e));
          if (err.retryable) breaker.failure();
          throw new UpstreamError(err.failure, `${err.message} (after the stream had started)`, { ...err.opts, provider: target.provider, model: target.model, afterFirstByte: true, attempts });
        } finally {
          if (!ended) {
            ps.abort();
            await ps.chunks.return?.();
          }
          // usage() is read after the chunks end, however they end.
          if (ps.usage() === null) await tokenizer();
        }
      };
      return {
        ...target,
        kind,
        attempts,
        chunks: relay(),
        usage: () => ps.usage() ?? estimateUsage(body, countTextTokens(completion)),
        abort: () => ps.abort(),
      };
    },

    async embeddings(body, callOpts: CallOptions = {}): Promise<EmbeddingsResult> {
      const { value, target, kind, attempts } = await run(callOpts.model ?? body.model, callOpts.signal, (p, t) => p.embeddings(body, t.model, callOpts.signal));
      const inputs = typeof body.input === 'string' ? [body.input] : arr(body.input).filter((s): s is string => typeof s === 'string');
      if (value.usage === null) await tokenizer();
      const usage = value.usage ?? { inputTokens: inputs.reduce((n, s) => n + countTextTokens(s), 0), outputTokens: 0, cachedInputTokens: 0, estimated: true };
      const out: JsonObject = value.usage === null ? { ...value.body, usage: { prompt_tokens: usage.inputTokens, total_tokens: usage.inputTokens } } : value.body;
      return { ...target, kind, attempts, body: out, usage };
    },

    breakerStates: () => [...breakers].map(([provider, b]) => ({ provider, state: b.state() })),

    async close() {
      await Promise.all([...providers.values()].map((p) => p.close()));
    },
  };
  return router;
}

/** The generated text of a chunk (content and tool-call fragments), for a local count when the provider reports no usage. */
function chunkText(chunk: ChatChunk): string {
  let out = '';
  for (const choice of objects(chunk.choices)) {
    const delta = isObject(choice.delta) ? choice.delta : {};
    const content = str(delta.content);
    if (content !== undefined) out += content;
    for (const call of objects(delta.tool_calls)) {
      const fn = isObject(call.function) ? call.function : {};
      out += (str(fn.name) ?? '') + (str(fn.arguments) ?? '');
    }
  }
  return out;
}

