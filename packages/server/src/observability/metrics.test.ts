import { afterEach, describe, expect, it } from 'vitest';
import { dialects } from '../../../core/src/test-support.js';
import { ADMIN, obsServer, parseProm, valueOf } from './test-helpers.js';
import { recordLlmCall } from './genai.js';
import { BoundedLabel, firstSeen } from './labels.js';

describe('GET /metrics', () => {
  let s: Awaited<ReturnType<typeof obsServer>> | undefined;
  afterEach(async () => {
    await s?.close();
    s = undefined;
  });
  const scrape = async (headers: Record<string, string> = { authorization: `Bearer ${ADMIN}` }) => s!.app.inject({ method: 'GET', url: '/metrics', headers });

  it.each(dialects)('counts every durable transition, decisions, checks, spend, budgets, breakers and approvals (%s)', async (dialect) => {
    s = await obsServer({}, undefined, dialect);
    const { alpha, beta } = s.keys;
    const clean = await s.submit(alpha, { type: 'social.post', params: { platform: 'x', text: 'Shipping day!' } });
    const blocked = await s.submit(alpha, { type: 'social.post', params: { platform: 'x', text: 'guaranteed returns, act now' } });
    const launch = await s.submit(alpha, { type: 'social.post', params: { platform: 'x', text: 'Launch!' }, campaign: 'launch' });
    const waiting = await s.submit(beta, { type: 'email.send', params: { to: 'a@example.com', subject: 'hi' } });
    const f1 = await s.submit(alpha, { type: 'flaky.call', params: {} });
    const f2 = await s.submit(alpha, { type: 'flaky.call', params: {} });
    const f3 = await s.submit(alpha, { type: 'flaky.call', params: {} });
    expect([clean.status, blocked.status, launch.status, waiting.status, f1.status, f2.status, f3.status]).toEqual(['succeeded', 'blocked', 'succeeded', 'awaiting_approval', 'failed', 'failed', 'blocked']);

    let m = parseProm((await scrape()).body);
    expect(valueOf(m, 'bridle_pending_approvals')).toBe(1);
    const approve = await s.app.inject({ method: 'POST', url: `/v1/approvals/${waiting.id}/approve`, headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, payload: '{}' });
    expect(approve.json().status).toBe('succeeded');

    const r = await scrape();
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    m = parseProm(r.body);
    const actions = (agent: string, type: string, status: string) => valueOf(m, 'bridle_actions_total', { agent, type, status });
    expect([actions('alpha', 'social.post', 'received'), actions('alpha', 'social.post', 'allowed'), actions('alpha', 'social.post', 'executing'), actions('alpha', 'social.post', 'succeeded'), actions('alpha', 'social.post', 'blocked')]).toEqual([3, 2, 2, 2, 1]);
    expect([actions('beta', 'email.send', 'received'), actions('beta', 'email.send', 'awaiting_approval'), actions('beta', 'email.send', 'approved'), actions('beta', 'email.send', 'executing'), actions('beta', 'email.send', 'succeeded')]).toEqual([1, 1, 1, 1, 1]);
    expect([actions('alpha', 'flaky.call', 'received'), actions('alpha', 'flaky.call', 'failed'), actions('alpha', 'flaky.call', 'blocked')]).toEqual([3, 2, 1]);

    expect(valueOf(m, 'bridle_decision_latency_seconds_count', { type: 'social.post', outcome: 'allow' })).toBe(2);
    expect(valueOf(m, 'bridle_decision_latency_seconds_count', { type: 'social.post', outcome: 'deny' })).toBe(1);
    expect(valueOf(m, 'bridle_decision_latency_seconds_count', { type: 'email.send', outcome: 'needs_approval' })).toBe(1);
    expect(valueOf(m, 'bridle_decision_latency_seconds_bucket', { type: 'flaky.call', outcome: 'deny', le: '+Inf' })).toBe(1);
    expect(valueOf(m, 'bridle_check_duration_seconds_count', { check: 'max_length' })).toBe(3);
    expect(valueOf(m, 'bridle_check_duration_seconds_count', { check: 'banned_phrases' })).toBe(3);

    // Spend and budgets agree with what the store recorded.
    const rows = await s.t.store.db.selectFrom('actions').select(['agent_id', 'campaign', 'cost_micro']).execute();
    const spent = (agent: string, campaign: string | null) => rows.filter((x) => x.agent_id === agent && x.campaign === campaign).reduce((n, x) => n + (x.cost_micro ?? 0), 0);
    expect(spent('alpha', 'launch')).toBe(10_000);
    expect(valueOf(m, 'bridle_spend_micro_usd_total', { agent: 'alpha', campaign: 'launch' })).toBe(10_000);
    expect(valueOf(m, 'bridle_spend_micro_usd_total', { agent: 'alpha', campaign: 'none' })).toBe(spent('alpha', null));
    expect(valueOf(m, 'bridle_budget_remaining_micro_usd', { scope: 'agent:alpha', period: 'daily' })).toBe(50_000 - spent('alpha', null) - spent('alpha', 'launch'));
    expect(valueOf(m, 'bridle_budget_remaining_micro_usd', { scope: 'campaign:launch', period: 'daily' })).toBe(1_000_000 - 10_000);
    // beta has no cap: no series, rather than a made-up number.
    expect(valueOf(m, 'bridle_budget_remaining_micro_usd', { scope: 'agent:beta' })).toBeUndefined();

    expect(valueOf(m, 'bridle_breaker_state', { scope: 'connector:flaky' })).toBe(2);
    expect(valueOf(m, 'bridle_breaker_state', { scope: 'connector:outbox' })).toBe(0);
    expect(valueOf(m, 'bridle_pending_approvals')).toBe(0);
    expect(valueOf(m, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
  });

  it('counts LLM calls recorded by the gateway', async () => {
    s = await obsServer();
    recordLlmCall({ operation: 'chat', provider: 'openai', requestModel: 'gpt-4o-mini', responseModel: 'gpt-4o-mini-2024-07-18', inputTokens: 12, outputTokens: 5, stream: false, startMs: 1, endMs: 2 });
    recordLlmCall({ operation: 'chat', provider: 'openai', requestModel: 'gpt-4o-mini', inputTokens: 3, stream: true, startMs: 1, endMs: 2 });
    recordLlmCall({ operation: 'chat', provider: 'anthropic', requestModel: 'claude-x', stream: false, startMs: 1, endMs: 2, error: '529' });
    const m = parseProm((await scrape()).body);
    expect(valueOf(m, 'bridle_llm_requests_total', { provider: 'openai', model: 'gpt-4o-mini', outcome: 'ok' })).toBe(2);
    expect(valueOf(m, 'bridle_llm_requests_total', { provider: 'anthropic', model: 'claude-x', outcome: 'error' })).toBe(1);
    expect(valueOf(m, 'bridle_llm_tokens_total', { provider: 'openai', model: 'gpt-4o-mini', kind: 'input' })).toBe(15);
    expect(valueOf(m, 'bridle_llm_tokens_total', { provider: 'openai', model: 'gpt-4o-mini', kind: 'output' })).toBe(5);
  });

  it('needs a read credential by default; takes a scrape token; can be public or off', async () => {
    s = await obsServer({ metrics: { token: 'scrape-token-0123456789' } });
    expect((await scrape({})).json().error.code).toBe('BRIDLE_E_UNAUTHENTICATED');
    expect((await scrape({ authorization: `Bearer ${s.keys.alpha}` })).json().error.code).toBe('BRIDLE_E_FORBIDDEN');
    expect((await scrape({ authorization: 'Bearer scrape-token-wrong-00000' })).statusCode).toBe(401);
    expect((await scrape({ authorization: 'Bearer scrape-token-0123456789' })).statusCode).toBe(200);
    expect((await scrape()).statusCode).toBe(200);
    await s.close();

    s = await obsServer({ metrics: { public: true, processMetrics: false } });
    const open = await scrape({});
    expect(open.statusCode).toBe(200);
    expect(open.body).toContain('bridle_actions_total');
    expect(open.body).not.toContain('process_cpu_user_seconds_total');
    await s.close();

    s = await obsServer({ metrics: { enabled: false } });
    expect((await scrape()).json().error.code).toBe('BRIDLE_E_NOT_FOUND');
  });
});

describe('label bounds', () => {
  it('passes policy names, then the first few others, then "other"; follows policy changes', () => {
    let version = 'v1';
    let known = ['alpha'];
    const l = new BoundedLabel(() => version, () => known, 1);
    expect([l.of('alpha'), l.of('x'), l.of('y'), l.of('x')]).toEqual(['alpha', 'x', 'other', 'x']);
    version = 'v2';
    known = ['alpha', 'y'];
    expect(l.of('y')).toBe('y');
    const f = firstSeen(2);
    expect([f.of('a'), f.of('b'), f.of('c'), f.of('a')]).toEqual(['a', 'b', 'other', 'a']);
  });
});
