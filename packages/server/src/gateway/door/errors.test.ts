import { describe, expect, it } from 'vitest';
import { BridleError } from '@bridle/core';
import { UpstreamError } from '../types.js';
import { errorBody, errorHeaders, GatewayError, toGatewayError, upstreamError } from './errors.js';

describe('gateway error shapes', () => {
  it('writes OpenAI and Anthropic bodies', () => {
    const e = new GatewayError(404, 'invalid_request_error', 'model_not_found', 'no such model', { param: 'model' });
    expect(errorBody(e, 'openai')).toEqual({ error: { message: 'no such model', type: 'invalid_request_error', param: 'model', code: 'model_not_found' } });
    expect(errorBody(e, 'anthropic')).toEqual({ type: 'error', error: { type: 'not_found_error', message: 'no such model', code: 'model_not_found' } });
    const denied = new GatewayError(403, 'bridle_denied', 'check_failed', 'no', { actionId: 'act_1', retry: false });
    expect(errorBody(denied, 'anthropic')).toMatchObject({ error: { type: 'bridle_denied', action_id: 'act_1' } });
    expect(errorHeaders(denied)).toEqual({ 'x-should-retry': 'false', 'x-bridle-action-id': 'act_1' });
  });

  it('sends Retry-After in seconds (rounded up) and milliseconds', () => {
    expect(errorHeaders(new GatewayError(429, 'rate_limit_error', 'rate_limited', 'slow down', { retryAfterMs: 1500 }))).toEqual({ 'retry-after': '2', 'retry-after-ms': '1500' });
  });

  it('maps upstream failures: client errors keep their status, the rest are 429/502/503/504', () => {
    expect(upstreamError(new UpstreamError('client', 'bad tool schema', { status: 422, provider: 'oai' })).status).toBe(422);
    expect(upstreamError(new UpstreamError('rate_limited', 'slow', { retryAfterMs: 3000 }))).toMatchObject({ status: 429, extra: { retryAfterMs: 3000 } });
    expect(upstreamError(new UpstreamError('server', 'boom')).status).toBe(502);
    expect(upstreamError(new UpstreamError('timeout', 'slow')).status).toBe(504);
    expect(upstreamError(new UpstreamError('breaker_open', 'open')).status).toBe(503);
    expect(upstreamError(new UpstreamError('auth', 'bad key')).status).toBe(502);
  });

  it('maps Bridle and Fastify errors, and hides internals', () => {
    expect(toGatewayError(new BridleError('BRIDLE_E_UNAUTHENTICATED', 'who?'))).toMatchObject({ status: 401, type: 'authentication_error', code: 'BRIDLE_E_UNAUTHENTICATED' });
    expect(toGatewayError(Object.assign(new Error('big'), { code: 'FST_ERR_CTP_BODY_TOO_LARGE' }))).toMatchObject({ status: 413, code: 'BRIDLE_E_BODY_TOO_LARGE' });
    const internal = toGatewayError(new Error('db password is hunter2'));
    expect(internal).toMatchObject({ status: 500, code: 'BRIDLE_E_INTERNAL' });
    expect(internal.message).not.toContain('hunter2');
  });
});
