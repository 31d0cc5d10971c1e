/**
 * policies/growth.yaml, loaded as shipped into a real Bridle, with representative posts. Only
 * the brand-voice judge's endpoint is pointed elsewhere: at a port where nothing listens (no
 * model on this machine), or at a local server speaking OpenAI's wire format.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestUpstream } from '../../../packages/server/src/gateway/test-upstreams.js';
import type { ActionView } from './client.js';
import { startTestBridle, type TestBridle } from './test-bridle.js';

const SHIPPED = readFileSync(new URL('../../../policies/growth.yaml', import.meta.url), 'utf8');
const JUDGE_URL = 'http://127.0.0.1:11434/v1';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

async function bridleWithJudge(judgeUrl: string): Promise<TestBridle> {
  expect(SHIPPED).toContain(`base_url: ${JUDGE_URL}`);
  const tb = await startTestBridle(SHIPPED.replaceAll(JUDGE_URL, judgeUrl), ['growth-agent', 'growth-writer']);
  cleanup.push(() => tb.close());
  return tb;
}

async function post(tb: TestBridle, params: Record<string, unknown>, agent = 'growth-agent'): Promise<ActionView & { decision: { checks: { name: string; passed: boolean }[]; guards: Record<string, unknown> } }> {
  const res = await fetch(`${tb.url}/v1/actions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${tb.keys[agent]}`, 'content-type': 'application/json' },
    body: JSON.stringify({ type: 'social.post', params: { confidence: 0.9, ...params }, rationale: 'policy test' }),
    signal: AbortSignal.timeout(15_000),
  });
  return (await res.json()) as never;
}

const failed = (a: { decision: { checks: { name: string; passed: boolean }[] } | null }) => (a.decision?.checks ?? []).filter((c) => !c.passed).map((c) => c.name);

describe('policies/growth.yaml', () => {
  it('as shipped, with no model anywhere: drafts wait for a human, and an unreachable judge sends auto-mode posts to a human quickly', async () => {
    const tb = await bridleWithJudge(`http://127.0.0.1:${await closedPort()}/v1`);
    const draft = await post(tb, { platform: 'x', text: 'Roast day. Twelve batches, one happy roaster.' });
    expect(draft).toMatchObject({ status: 'awaiting_approval', decision: { code: 'approval_required' } });
    expect(draft.decision.reason).toMatch(/draft mode/);

    expect((await tb.admin('POST', '/v1/agents/growth-agent/mode', { mode: 'auto' })).status).toBe(200);
    const t0 = Date.now();
    const auto = await post(tb, { platform: 'x', text: 'Our spring blend is back: a washed Colombian, bright and sweet.' });
    expect(Date.now() - t0).toBeLessThan(3500);
    expect(auto.status).toBe('awaiting_approval');
    expect(auto.decision.reason).toMatch(/llm_judge/);
    expect(auto.decision.reason).not.toMatch(/draft mode/);
  });

  it('with a judge answering: limits block, competitors and low confidence go to a human, PII and secrets block, banned phrases come back for revision', async () => {
    const judge = await startTestUpstream('openai');
    cleanup.push(() => judge.close());
    judge.reply.text = JSON.stringify({ score: 0.92, verdict: 'pass', reason: 'Warm and concrete; on brand.', issues: [] });
    const tb = await bridleWithJudge(judge.url);
    await tb.admin('POST', '/v1/agents/growth-agent/mode', { mode: 'auto' });

    const clean = await post(tb, { platform: 'linkedin', text: 'We opened our third roastery this week. Thank you to everyone who asked us to grow.' });
    expect(clean.status).toBe('succeeded');
    expect(await tb.outboxRows(clean.id)).toBe(1);
    expect(judge.requests.length).toBeGreaterThan(0);

    const long = await post(tb, { platform: 'x', text: `Water chemistry, a thread. ${'Calcium and magnesium matter more than you think. '.repeat(6)}` });
    expect(long).toMatchObject({ status: 'blocked', decision: { code: 'check_failed' } });
    expect(failed(long)).toContain('max_length');

    const rival = await post(tb, { platform: 'x', text: 'Honestly, Blue Bottle makes a lovely Gibraltar.' });
    expect(rival.status).toBe('awaiting_approval');
    expect(failed(rival)).toEqual(['competitors']);

    const unsure = await post(tb, { platform: 'x', text: 'Cupping notes from Tuesday.', confidence: 0.4 });
    expect(unsure.status).toBe('awaiting_approval');

    const pii = await post(tb, { platform: 'instagram', text: 'Winner of latte art Friday: Jane, reach her at jane.doe@example.com or +1 415 555 0132!' });
    expect(pii.status).toBe('blocked');
    expect(failed(pii)).toContain('pii');
    const ownAddress = await post(tb, { platform: 'instagram', text: 'Questions about wholesale? Write to hello@acme.coffee.' });
    expect(ownAddress.status).toBe('succeeded');

    const secret = await post(tb, { platform: 'linkedin', text: 'Deploy notes: OPENAI_API_KEY=sk-proj-4fJ9xQ2mZ7vB1nK8rT3yW6uH0cL5pD2sA9eG7iM4oR1tV8bN' });
    expect(secret.status).toBe('blocked');
    expect(failed(secret)).toContain('secrets');

    const banned = await post(tb, { platform: 'x', text: 'Our beans are risk-free happiness.' });
    expect(banned).toMatchObject({ status: 'blocked', decision: { code: 'needs_revision' } });

    // Posting as the model-call identity never skips a human, even though it is in auto mode.
    const asWriter = await post(tb, { platform: 'x', text: 'Fresh beans today.' }, 'growth-writer');
    expect(asWriter.status).toBe('awaiting_approval');
  });

  it('limits each platform on its own: the seventh TikTok post in an hour is refused, Instagram still posts', async () => {
    const judge = await startTestUpstream('openai');
    cleanup.push(() => judge.close());
    judge.reply.text = JSON.stringify({ score: 0.9, verdict: 'pass', reason: 'fine', issues: [] });
    const tb = await bridleWithJudge(judge.url);
    await tb.admin('POST', '/v1/agents/growth-agent/mode', { mode: 'auto' });
    const results = [];
    for (let i = 1; i <= 7; i++) results.push(await post(tb, { platform: 'tiktok', text: `Espresso dial-in, take ${i} #coffeetok` }));
    expect(results.map((r) => r.status)).toEqual(['succeeded', 'succeeded', 'succeeded', 'succeeded', 'succeeded', 'succeeded', 'blocked']);
    const seventh = results[6]!;
    expect(seventh).toMatchObject({ status: 'blocked', decision: { code: 'rate_limited' } });
    expect(JSON.stringify(seventh.decision.guards)).toContain('per-platform');
    expect((await post(tb, { platform: 'instagram', text: 'Latte art Friday 🎨' })).status).toBe('succeeded');
  });
});
