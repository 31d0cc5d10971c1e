import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import { ADMIN, obsServer } from './test-helpers.js';
import { recordLlmCall } from './genai.js';
import { tracingFromEnv } from './tracing.js';

describe('traces', () => {
  let s: Awaited<ReturnType<typeof obsServer>> | undefined;
  let collector: Server | undefined;
  afterEach(async () => {
    await s?.close();
    s = undefined;
    await new Promise<void>((r) => (collector ? collector.close(() => r()) : r()));
    collector = undefined;
  });

  const childrenOf = (spans: ReadableSpan[], parent: ReadableSpan) => spans.filter((x) => x.parentSpanContext?.spanId === parent.spanContext().spanId).map((x) => x.name);
  const actionSpans = (spans: ReadableSpan[], id: string) => spans.filter((x) => x.name === 'bridle.action' && x.attributes['bridle.action.id'] === id);

  it('has a span per action with a child per phase, and parents LLM calls under it', async () => {
    const exporter = new InMemorySpanExporter();
    s = await obsServer({ tracing: { exporter } });
    const ok = await s.submit(s.keys.alpha, { type: 'social.post', params: { platform: 'x', text: 'Shipping day!' } });
    const blocked = await s.submit(s.keys.alpha, { type: 'social.post', params: { platform: 'x', text: 'guaranteed returns' } });
    const failed = await s.submit(s.keys.alpha, { type: 'flaky.call', params: {} });
    recordLlmCall({ operation: 'chat', provider: 'openai', requestModel: 'gpt-4o-mini', responseModel: 'gpt-4o-mini-2024-07-18', inputTokens: 12, outputTokens: 5, finishReasons: ['stop'], actionId: ok.id, stream: false, startMs: 1_700_000_000_000, endMs: 1_700_000_000_250, attempt: 1 });
    recordLlmCall({ operation: 'embeddings', provider: 'gemini', requestModel: 'text-embedding-004', stream: false, startMs: 1_700_000_000_000, endMs: 1_700_000_000_010, error: 'timeout' });
    const spans = exporter.getFinishedSpans();

    const [a] = actionSpans(spans, ok.id);
    expect(a).toBeDefined();
    expect(a!.attributes).toMatchObject({ 'bridle.agent.id': 'alpha', 'bridle.action.type': 'social.post', 'bridle.action.status': 'succeeded', 'bridle.decision.outcome': 'allow', 'bridle.decision.code': 'allowed', 'bridle.action.cost_micro_usd': 10_000 });
    expect(a!.attributes['bridle.policy.version']).toBe(s.bridle.policy.version);
    expect(a!.parentSpanContext).toBeUndefined();
    expect(childrenOf(spans, a!)).toEqual(['bridle.phase.admit', 'bridle.phase.verify', 'bridle.phase.guard', 'bridle.phase.approve', 'bridle.phase.execute', 'bridle.phase.settle', 'chat gpt-4o-mini']);

    const [b] = actionSpans(spans, blocked.id);
    expect(b!.attributes).toMatchObject({ 'bridle.action.status': 'blocked', 'bridle.decision.outcome': 'deny', 'bridle.decision.code': 'check_failed', 'bridle.halted_in': 'verify' });
    expect(childrenOf(spans, b!)).toEqual(['bridle.phase.admit', 'bridle.phase.verify']);
    const verify = spans.find((x) => x.name === 'bridle.phase.verify' && x.parentSpanContext?.spanId === b!.spanContext().spanId);
    expect(verify!.attributes['bridle.decision.code']).toBe('check_failed');

    const [f] = actionSpans(spans, failed.id);
    expect(f!.status.code).toBe(SpanStatusCode.ERROR);
    expect(f!.attributes['bridle.action.status']).toBe('failed');

    const llm = spans.find((x) => x.name === 'chat gpt-4o-mini')!;
    expect(llm.kind).toBe(SpanKind.CLIENT);
    expect(llm.spanContext().traceId).toBe(a!.spanContext().traceId);
    expect(llm.attributes).toEqual({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.system': 'openai',
      'gen_ai.request.model': 'gpt-4o-mini',
      'gen_ai.response.model': 'gpt-4o-mini-2024-07-18',
      'gen_ai.usage.input_tokens': 12,
      'gen_ai.usage.output_tokens': 5,
      'gen_ai.response.finish_reasons': ['stop'],
      'bridle.llm.stream': false,
      'bridle.llm.attempt': 1,
      'bridle.action.id': ok.id,
    });
    expect(llm.duration).toEqual([0, 250_000_000]);
    const emb = spans.find((x) => x.name === 'embeddings text-embedding-004')!;
    expect(emb.parentSpanContext).toBeUndefined();
    expect(emb.attributes).toMatchObject({ 'gen_ai.provider.name': 'gcp.gemini', 'error.type': 'timeout' });
    expect(emb.status.code).toBe(SpanStatusCode.ERROR);
  });

  it('gives an approved action a second span linked to its decision', async () => {
    const exporter = new InMemorySpanExporter();
    s = await obsServer({ tracing: { exporter } });
    const waiting = await s.submit(s.keys.beta, { type: 'email.send', params: { to: 'a@example.com' } });
    const [decided] = actionSpans(exporter.getFinishedSpans(), waiting.id);
    expect(decided!.attributes['bridle.action.status']).toBe('awaiting_approval');
    await s.app.inject({ method: 'POST', url: `/v1/approvals/${waiting.id}/approve`, headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, payload: '{}' });
    const spans = exporter.getFinishedSpans();
    const both = actionSpans(spans, waiting.id);
    expect(both).toHaveLength(2);
    const ran = both[1]!;
    expect(ran.links.map((l) => l.context.spanId)).toEqual([decided!.spanContext().spanId]);
    expect(ran.attributes).toMatchObject({ 'bridle.action.status': 'succeeded', 'bridle.action.decided_by': 'admin' });
    expect(childrenOf(spans, ran)).toEqual(['bridle.phase.execute', 'bridle.phase.settle']);
  });

  it('exports over OTLP/HTTP to a collector', async () => {
    const bodies: { url: string; type: string; json: OtlpBody }[] = [];
    collector = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        bodies.push({ url: req.url ?? '', type: req.headers['content-type'] ?? '', json: JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpBody });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((r) => collector!.listen(0, '127.0.0.1', r));
    const port = (collector.address() as AddressInfo).port;
    s = await obsServer({ tracing: { url: `http://127.0.0.1:${port}/v1/traces`, serviceName: 'bridle-test' } });
    const ok = await s.submit(s.keys.alpha, { type: 'social.post', params: { platform: 'x', text: 'Shipping day!' } });
    // Closing the app shuts the tracer down, which flushes the batch.
    await s.app.close();

    expect(bodies.length).toBeGreaterThan(0);
    expect(bodies[0]!.url).toBe('/v1/traces');
    expect(bodies[0]!.type).toMatch(/application\/json/);
    const rs = bodies.flatMap((b) => b.json.resourceSpans);
    expect(rs[0]!.resource.attributes).toContainEqual({ key: 'service.name', value: { stringValue: 'bridle-test' } });
    const spans = rs.flatMap((r) => r.scopeSpans.flatMap((x) => x.spans));
    const action = spans.find((x) => x.name === 'bridle.action')!;
    expect(action.attributes).toContainEqual({ key: 'bridle.action.id', value: { stringValue: ok.id } });
    expect(action.attributes).toContainEqual({ key: 'bridle.action.status', value: { stringValue: 'succeeded' } });
    const phases = spans.filter((x) => x.parentSpanId === action.spanId).map((x) => x.name);
    expect(phases).toEqual(['bridle.phase.admit', 'bridle.phase.verify', 'bridle.phase.guard', 'bridle.phase.approve', 'bridle.phase.execute', 'bridle.phase.settle']);
    expect(new Set(spans.map((x) => x.traceId))).toEqual(new Set([action.traceId]));
  });

  it('is off unless an OTLP endpoint is configured', () => {
    expect(tracingFromEnv({})).toBeNull();
    expect(tracingFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318', OTEL_SERVICE_NAME: 'b' })).toEqual({ serviceName: 'b' });
    expect(tracingFromEnv({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://127.0.0.1:4318/v1/traces' })).toEqual({});
    expect(tracingFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318', OTEL_SDK_DISABLED: 'true' })).toBeNull();
    expect(() => tracingFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' })).toThrow(/http\(s\) URL/);
  });
});

interface OtlpBody {
  resourceSpans: {
    resource: { attributes: { key: string; value: Record<string, unknown> }[] };
    scopeSpans: { spans: { traceId: string; spanId: string; parentSpanId?: string; name: string; attributes: { key: string; value: Record<string, unknown> }[] }[] }[];
  }[];
}
