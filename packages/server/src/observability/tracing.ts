import { ROOT_CONTEXT, SpanStatusCode, trace, type Context, type Span, type SpanContext, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { TracingOptions } from './tracing-config.js';

export { tracingFromEnv, type TracingOptions } from './tracing-config.js';
import { type ActionRecord, type Bridle, type Phase, type PhaseEnd, type StageContext } from '@bridle/core';

/** Open action spans beyond this are not started: tracing sheds load rather than memory. */
const MAX_OPEN = 10_000;
/** Ended action spans remembered so late LLM calls and follow-ups can still point at them. */
const MAX_RECENT = 10_000;

interface OpenSpan {
  span: Span;
  ctx: Context;
  openedAt: number;
}

/**
 * One `bridle.action` span per action run, with a `bridle.phase.<name>` child per phase. A span
 * covers one stretch of work on the action: the decision (and execution, when it runs at once),
 * or later the execution after an approval, or the report of an authorize-mode action; each
 * later stretch links to the earlier one. A span ends when the engine commits a status that
 * needs no more work from this process.
 *
 * @example
 *   const t = new ActionTracer(bridle, { url: 'http://127.0.0.1:4318/v1/traces' });
 *   bridle.observe({ phase: t.phase });
 */
export class ActionTracer {
  readonly tracer: Tracer;
  private readonly provider: BasicTracerProvider;
  private readonly open = new Map<string, OpenSpan>();
  private readonly recent = new Map<string, SpanContext>();
  private readonly sweeper: NodeJS.Timeout;
  private readonly unsubscribe: () => void;
  private readonly maxOpenMs: number;

  constructor(bridle: Bridle, opts: TracingOptions) {
    const exporter = opts.exporter ?? new OTLPTraceExporter({ ...(opts.url ? { url: opts.url } : {}), ...(opts.headers ? { headers: opts.headers } : {}) });
    const processor = opts.exporter ? new SimpleSpanProcessor(exporter) : new BatchSpanProcessor(exporter);
    this.provider = new BasicTracerProvider({ resource: resourceFromAttributes({ 'service.name': opts.serviceName ?? 'bridle', 'service.version': '0.1.0' }), spanProcessors: [processor] });
    this.tracer = this.provider.getTracer('bridle', '0.1.0');
    this.maxOpenMs = opts.maxOpenMs ?? 600_000;
    this.unsubscribe = bridle.onAction((rec) => this.committed(rec));
    this.sweeper = setInterval(() => this.sweep(Date.now()), Math.min(30_000, this.maxOpenMs));
    this.sweeper.unref();
  }

  /** The observer hook: a child span per phase, under the action's span (opened on first need). */
  readonly phase = (phase: Phase, ctx: StageContext): PhaseEnd | undefined => {
    const action = this.actionSpan(ctx.record);
    if (!action) return undefined;
    const span = this.tracer.startSpan(`bridle.phase.${phase}`, {}, action.ctx);
    return (halt, error) => {
      if (halt) {
        span.setAttribute('bridle.decision.code', halt.code);
        action.span.setAttribute('bridle.halted_in', phase);
      }
      if (error !== undefined) {
        span.recordException(error instanceof Error ? error : String(error));
        span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
      }
      span.end();
    };
  };

  /** The context to parent work on an action under: its open span, else its last one. */
  contextOf(actionId: string): Context | undefined {
    const o = this.open.get(actionId);
    if (o) return o.ctx;
    const sc = this.recent.get(actionId);
    return sc ? trace.setSpanContext(ROOT_CONTEXT, sc) : undefined;
  }

  /** Ends what is open and flushes the exporter. */
  async shutdown(): Promise<void> {
    clearInterval(this.sweeper);
    this.unsubscribe();
    this.sweep(Infinity);
    await this.provider.shutdown();
  }

  async flush(): Promise<void> {
    await this.provider.forceFlush();
  }

  private actionSpan(rec: ActionRecord): OpenSpan | undefined {
    const found = this.open.get(rec.id);
    if (found) return found;
    if (this.open.size >= MAX_OPEN) return undefined;
    const before = this.recent.get(rec.id);
    const span = this.tracer.startSpan('bridle.action', {
      attributes: { 'bridle.action.id': rec.id, 'bridle.agent.id': rec.agentId, 'bridle.action.type': rec.type, 'bridle.action.mode': rec.mode, 'bridle.policy.version': rec.policyVersion },
      ...(before ? { links: [{ context: before }] } : {}),
    });
    const o = { span, ctx: trace.setSpan(ROOT_CONTEXT, span), openedAt: Date.now() };
    this.open.set(rec.id, o);
    return o;
  }

  private committed(rec: ActionRecord): void {
    // Still running here: the connector's outcome is on its way.
    if (rec.status === 'executing') return;
    let o = this.open.get(rec.id);
    if (!o && (rec.status === 'rejected' || rec.status === 'expired')) o = this.actionSpan(rec);
    if (!o) return;
    this.end(rec.id, o, rec);
  }

  private end(id: string, o: OpenSpan, rec: ActionRecord | null): void {
    this.open.delete(id);
    const s = o.span;
    if (rec) {
      s.setAttribute('bridle.action.status', rec.status);
      if (rec.decision) {
        s.setAttribute('bridle.decision.outcome', rec.decision.outcome);
        s.setAttribute('bridle.decision.code', rec.decision.code);
        s.setAttribute('bridle.policy.version', rec.decision.policyVersion);
      }
      if (rec.costMicroUsd !== null) s.setAttribute('bridle.action.cost_micro_usd', rec.costMicroUsd);
      if (rec.decidedBy) s.setAttribute('bridle.action.decided_by', rec.decidedBy);
      if (rec.status === 'failed') s.setStatus({ code: SpanStatusCode.ERROR, message: rec.error?.code ?? 'failed' });
    } else {
      s.setAttribute('bridle.action.abandoned', true);
      s.setStatus({ code: SpanStatusCode.ERROR, message: 'abandoned: no outcome was committed while the span was open' });
    }
    s.end();
    if (this.recent.size >= MAX_RECENT) {
      const oldest = this.recent.keys().next();
      if (!oldest.done) this.recent.delete(oldest.value);
    }
    this.recent.set(id, s.spanContext());
  }

  private sweep(now: number): void {
    for (const [id, o] of this.open) if (now - o.openedAt >= this.maxOpenMs) this.end(id, o, null);
  }
}
