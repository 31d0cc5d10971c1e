import { SpanKind, SpanStatusCode, type Context, type Tracer } from '@opentelemetry/api';

/** One LLM call made by the gateway (one attempt: a retry or a fallback is another call). */
export interface LlmCallInfo {
  operation: 'chat' | 'embeddings';
  /** The provider as Bridle names it (`openai`, `anthropic`, `gemini`, …). */
  provider: string;
  requestModel: string;
  responseModel?: string;
  inputTokens?: number;
  outputTokens?: number;
  finishReasons?: string[];
  /** The Bridle action the call belongs to: its span becomes the parent. */
  actionId?: string;
  stream: boolean;
  /** Epoch milliseconds. */
  startMs: number;
  endMs: number;
  /** Set when the call failed: a short, low-cardinality class (`timeout`, `429`, `connection_refused`). */
  error?: string;
  /** 1 for the first try, 2 for the first retry, … */
  attempt?: number;
}

/** Where recorded calls go; the server configures it (see `registerObservability`). */
export interface GenAiSink {
  /** Null when tracing is off. */
  tracer: Tracer | null;
  contextOf(actionId: string): Context | undefined;
  /** Null when metrics are off. */
  count: ((c: { provider: string; model: string; inputTokens?: number | undefined; outputTokens?: number | undefined; ok: boolean }) => void) | null;
}

let sink: GenAiSink | null = null;

/**
 * Routes `recordLlmCall` to a server's tracer and metrics. Returns the undo, which only undoes
 * if no one configured another sink since (tests build several servers in one process).
 */
export function configureGenAi(s: GenAiSink): () => void {
  sink = s;
  return () => {
    if (sink === s) sink = null;
  };
}

// The semantic conventions' well-known provider names, for the names Bridle uses.
const PROVIDER_NAMES: Record<string, string> = { gemini: 'gcp.gemini', google: 'gcp.gemini', vertex: 'gcp.vertex_ai', bedrock: 'aws.bedrock', azure: 'azure.ai.openai', mistral: 'mistral_ai' };

/**
 * Records one LLM call: a span named by the OpenTelemetry GenAI conventions
 * (`"{gen_ai.operation.name} {gen_ai.request.model}"`, kind CLIENT) under the action's span,
 * and the `bridle_llm_*` counters. A no-op until a server has configured it; never throws.
 *
 * @example
 *   const startMs = Date.now();
 *   const res = await callProvider(req);
 *   recordLlmCall({ operation: 'chat', provider: 'openai', requestModel: req.model, responseModel: res.model,
 *     inputTokens: res.usage.prompt_tokens, outputTokens: res.usage.completion_tokens,
 *     finishReasons: res.choices.map((c) => c.finish_reason), actionId, stream: false, startMs, endMs: Date.now() });
 */
export function recordLlmCall(info: LlmCallInfo): void {
  const s = sink;
  if (!s) return;
  try {
    s.count?.({ provider: info.provider, model: info.requestModel, inputTokens: info.inputTokens, outputTokens: info.outputTokens, ok: info.error === undefined });
    if (s.tracer) span(s, s.tracer, info);
  } catch {
    // Telemetry must never fail the call it describes.
  }
}

function span(s: GenAiSink, tracer: Tracer, info: LlmCallInfo): void {
  const parent = info.actionId !== undefined ? s.contextOf(info.actionId) : undefined;
  const provider = PROVIDER_NAMES[info.provider] ?? info.provider;
  const sp = tracer.startSpan(
    `${info.operation} ${info.requestModel}`,
    {
      kind: SpanKind.CLIENT,
      startTime: info.startMs,
      attributes: {
        'gen_ai.operation.name': info.operation,
        'gen_ai.provider.name': provider,
        // Deprecated in favour of gen_ai.provider.name, still read by many backends.
        'gen_ai.system': provider,
        'gen_ai.request.model': info.requestModel,
        'bridle.llm.stream': info.stream,
        ...(info.responseModel !== undefined ? { 'gen_ai.response.model': info.responseModel } : {}),
        ...(info.inputTokens !== undefined ? { 'gen_ai.usage.input_tokens': info.inputTokens } : {}),
        ...(info.outputTokens !== undefined ? { 'gen_ai.usage.output_tokens': info.outputTokens } : {}),
        ...(info.finishReasons !== undefined ? { 'gen_ai.response.finish_reasons': info.finishReasons } : {}),
        ...(info.actionId !== undefined ? { 'bridle.action.id': info.actionId } : {}),
        ...(info.attempt !== undefined ? { 'bridle.llm.attempt': info.attempt } : {}),
      },
    },
    parent,
  );
  if (info.error !== undefined) {
    sp.setAttribute('error.type', info.error);
    sp.setStatus({ code: SpanStatusCode.ERROR, message: info.error });
  }
  sp.end(Math.max(info.endMs, info.startMs));
}
