import { BridleError, type ActionRecord, type JsonObject } from '@bridle/core';
import { UpstreamError } from '../types.js';

/** Which provider's error format a route answers in. */
export type Dialect = 'openai' | 'anthropic';

/**
 * An error on a gateway route, carried in a provider-neutral form and written in the client's
 * own format, so the stock SDKs raise their usual exception classes (they map on the status).
 * `retry: false` sends `x-should-retry: false`, which both official SDKs obey: retrying a budget
 * denial or an approval wait only creates more denied actions.
 */
export class GatewayError extends Error {
  constructor(
    readonly status: number,
    /** OpenAI `error.type`; the Anthropic type is derived from the status unless `anthropicType` is set. */
    readonly type: string,
    /** OpenAI `error.code` (a Bridle decision code or BRIDLE_E_* code for Bridle's own refusals). */
    readonly code: string | null,
    message: string,
    readonly extra: { param?: string | null; retryAfterMs?: number; retry?: boolean; actionId?: string; anthropicType?: string; details?: JsonObject } = {},
  ) {
    super(message);
    this.name = 'GatewayError';
  }
}

const ANTHROPIC_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  402: 'billing_error',
  403: 'permission_error',
  404: 'not_found_error',
  409: 'invalid_request_error',
  413: 'request_too_large',
  415: 'invalid_request_error',
  429: 'rate_limit_error',
  500: 'api_error',
  502: 'api_error',
  503: 'overloaded_error',
  504: 'timeout_error',
  529: 'overloaded_error',
};

const OPENAI_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'invalid_request_error',
  409: 'invalid_request_error',
  413: 'invalid_request_error',
  415: 'invalid_request_error',
  429: 'rate_limit_error',
};

/** The error body in the client's format. */
export function errorBody(e: GatewayError, dialect: Dialect): JsonObject {
  if (dialect === 'anthropic') {
    // Bridle's own types (bridle_denied, …) are kept: the SDK maps on the status, and the type tells a person who refused.
    const type = e.extra.anthropicType ?? (e.type.startsWith('bridle_') ? e.type : (ANTHROPIC_TYPES[e.status] ?? 'api_error'));
    return { type: 'error', error: { type, message: e.message, ...(e.code ? { code: e.code } : {}), ...(e.extra.actionId ? { action_id: e.extra.actionId } : {}) } };
  }
  return { error: { message: e.message, type: e.type, param: e.extra.param ?? null, code: e.code, ...(e.extra.actionId ? { action_id: e.extra.actionId } : {}), ...(e.extra.details ? { details: e.extra.details } : {}) } };
}

/** Response headers an error carries: Retry-After (seconds and ms), x-should-retry, the action id. */
export function errorHeaders(e: GatewayError): Record<string, string> {
  const h: Record<string, string> = {};
  if (e.extra.retryAfterMs !== undefined) {
    h['retry-after'] = String(Math.max(1, Math.ceil(e.extra.retryAfterMs / 1000)));
    h['retry-after-ms'] = String(Math.max(0, Math.round(e.extra.retryAfterMs)));
  }
  if (e.extra.retry !== undefined) h['x-should-retry'] = String(e.extra.retry);
  if (e.extra.actionId) h['x-bridle-action-id'] = e.extra.actionId;
  return h;
}

const BRIDLE_TYPES: Partial<Record<BridleError['code'], string>> = {
  BRIDLE_E_UNAUTHENTICATED: 'authentication_error',
  BRIDLE_E_FORBIDDEN: 'permission_error',
  BRIDLE_E_BODY_TOO_LARGE: 'invalid_request_error',
};

/** Anything thrown on a gateway route, as a GatewayError. Unknown errors become a 500 without internals. */
export function toGatewayError(err: unknown): GatewayError {
  if (err instanceof GatewayError) return err;
  if (err instanceof UpstreamError) return upstreamError(err);
  if (err instanceof BridleError) {
    const type = BRIDLE_TYPES[err.code] ?? (err.status >= 500 ? 'api_error' : 'invalid_request_error');
    // An idempotency conflict may resolve (another instance finishing) but a retry storm will not help.
    return new GatewayError(err.status, type, err.code, err.message, { retry: err.status >= 500 ? undefined : false });
  }
  const code = (err as { code?: string } | null)?.code;
  if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') return new GatewayError(413, 'invalid_request_error', 'BRIDLE_E_BODY_TOO_LARGE', 'Request body is larger than gateway.max_request_bytes', { retry: false });
  if (code === 'FST_ERR_CTP_INVALID_JSON_BODY' || code === 'FST_ERR_CTP_EMPTY_JSON_BODY') return new GatewayError(400, 'invalid_request_error', 'BRIDLE_E_INVALID_JSON', 'The request body is not valid JSON', { retry: false });
  if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return new GatewayError(415, 'invalid_request_error', 'BRIDLE_E_UNSUPPORTED_MEDIA_TYPE', 'Send content-type: application/json', { retry: false });
  if ((err as { statusCode?: number } | null)?.statusCode === 400) return new GatewayError(400, 'invalid_request_error', 'BRIDLE_E_BAD_REQUEST', err instanceof Error ? err.message : 'Bad request', { retry: false });
  return new GatewayError(500, 'api_error', 'BRIDLE_E_INTERNAL', 'Internal error; it has been logged');
}

/**
 * An upstream failure after every retry and fallback. A client error from the provider (400,
 * 404 on its side) keeps its status and message, so the agent sees what the provider said; the
 * rest are gateway errors (502/503/504) or a 429 with the provider's retry-after.
 */
export function upstreamError(e: UpstreamError): GatewayError {
  const where = e.opts.provider ? ` (${e.opts.provider}${e.opts.model ? `/${e.opts.model}` : ''})` : '';
  const msg = `Upstream ${e.failure}${where}: ${e.message}`;
  const common = { retryAfterMs: e.opts.retryAfterMs, details: { failure: e.failure, attempts: (e.opts.attempts ?? []).map((a) => ({ provider: a.provider, model: a.model, failure: a.failure, ...(a.status !== undefined ? { status: a.status } : {}) })) } };
  switch (e.failure) {
    case 'rate_limited':
      return new GatewayError(429, 'rate_limit_error', 'upstream_rate_limited', msg, common);
    case 'client':
      return new GatewayError(e.opts.status && e.opts.status >= 400 && e.opts.status < 500 ? e.opts.status : 400, 'invalid_request_error', 'upstream_rejected', msg, { ...common, retry: false });
    case 'auth':
      // Bridle's own provider key is wrong: not the agent's fault and not theirs to fix.
      return new GatewayError(502, 'api_error', 'upstream_auth', msg, common);
    case 'timeout':
      return new GatewayError(504, 'api_error', 'upstream_timeout', msg, common);
    case 'breaker_open':
      return new GatewayError(503, 'api_error', 'upstream_unavailable', msg, common);
    default:
      return new GatewayError(502, 'api_error', 'upstream_error', msg, common);
  }
}

/** A refused action (the pipeline said deny or needs_approval) as the client's error. */
export function decisionError(rec: ActionRecord): GatewayError {
  const d = rec.decision;
  const code = d?.code ?? 'blocked';
  const reason = d?.reason ?? 'blocked';
  const actionId = rec.id;
  if (rec.status === 'awaiting_approval') {
    // 403, not 409: both SDKs retry 409 automatically, and each retry would queue another approval.
    return new GatewayError(403, 'bridle_approval_required', 'approval_required', `Bridle: this call waits for a human approval (action ${actionId}): ${reason}. Resend it with the same Idempotency-Key once approved.`, { actionId, retry: false });
  }
  if (code === 'budget_exceeded') return new GatewayError(429, 'insufficient_quota', code, `Bridle denied the call (budget guard): ${reason}`, { actionId, retry: false });
  if (code === 'rate_limited' || code === 'breaker_open') {
    const guard = code === 'rate_limited' ? 'rate guard' : 'circuit breaker';
    return new GatewayError(429, 'rate_limit_error', code, `Bridle denied the call (${guard}): ${reason}`, { actionId, ...(d?.retryAfterMs !== undefined ? { retryAfterMs: d.retryAfterMs } : {}) });
  }
  if (code === 'rejected' || rec.status === 'rejected' || rec.status === 'expired') return new GatewayError(403, 'bridle_denied', code, `Bridle: the call was rejected by an approver: ${reason}`, { actionId, retry: false });
  const failed = d?.checks.filter((c) => !c.passed).map((c) => c.name) ?? [];
  const who = code === 'check_failed' || code === 'check_error' || code === 'needs_revision' ? `check ${failed.join(', ') || 'input'}` : code === 'agent_killed' || code === 'kill_switch' ? 'kill switch' : code === 'agent_paused' || code === 'anomaly_detected' ? 'guard' : 'policy';
  return new GatewayError(403, 'bridle_denied', code, `Bridle denied the call (${who}): ${reason}`, { actionId, retry: false });
}
