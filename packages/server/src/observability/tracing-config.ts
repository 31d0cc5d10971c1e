import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import { BridleError } from '@bridle/core';

// Kept apart from tracing.ts so that reading the settings never loads the OpenTelemetry SDK and
// exporter (about 16 MB): the server imports those only when tracing is on.

export interface TracingOptions {
  /** OTLP/HTTP traces URL, e.g. `http://127.0.0.1:4318/v1/traces`. Unset: the OTEL_EXPORTER_OTLP_* variables decide. */
  url?: string;
  /** Extra export headers (an API key for a hosted backend); OTEL_EXPORTER_OTLP_HEADERS also applies. */
  headers?: Record<string, string>;
  /** `service.name` of the resource (default `OTEL_SERVICE_NAME` or `bridle`). */
  serviceName?: string;
  /** Export through this instead of OTLP/HTTP (tests: an InMemorySpanExporter), span by span. */
  exporter?: SpanExporter;
  /** An action span still open after this long (an authorize-mode action never reported, a failed commit) is ended as abandoned. Default 10 minutes. */
  maxOpenMs?: number;
}

/**
 * Tracing config from the standard OpenTelemetry variables; null (tracing off, zero overhead)
 * unless an OTLP endpoint is set. OTEL_SDK_DISABLED=true or OTEL_TRACES_EXPORTER=none turn it off.
 */
export function tracingFromEnv(env: NodeJS.ProcessEnv): TracingOptions | null {
  if (env.OTEL_SDK_DISABLED === 'true' || env.OTEL_TRACES_EXPORTER === 'none') return null;
  const url = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? env.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (!url) return null;
  try {
    const u = new URL(url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('not http(s)');
  } catch {
    throw new BridleError('BRIDLE_E_CONFIG', `OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT must be an http(s) URL (got "${url}")`);
  }
  // The exporter reads the variables itself (with the /v1/traces suffix rule for the base endpoint).
  return env.OTEL_SERVICE_NAME ? { serviceName: env.OTEL_SERVICE_NAME } : {};
}
