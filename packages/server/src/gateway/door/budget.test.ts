import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { dialects } from '../../../../core/src/test-support.js';
import { gatewayPolicy, testGateway, type TestGateway } from './test-gateway.js';

let gw: TestGateway | null = null;
afterEach(async () => {
  await gw?.close();
  gw = null;
});

// Each call reserves 125 µ$ ('hi' is 8 prompt tokens locally, +25 %, at $2.50/Mtok, plus
// 10 output tokens at $10/Mtok) and costs exactly 98 µ$ (the upstream's 11 in, 7 out). Model
// `solo` has no downgrade_to, so pressure near the cap does not switch to a cheaper model.
const CAP_MICRO = 1250;

describe.each(dialects)('budget under concurrency (%s)', (dialect) => {
  it('40 concurrent streamed calls against a cap that allows ~10: spend never exceeds the cap and equals the exact costs', async () => {
    gw = await testGateway({ dialect, listen: true, policy: (u) => gatewayPolicy({ ...u, agent: `    budget: { daily_usd: ${CAP_MICRO / 1e6} }` }) });
    gw.openai.reply.delayMs = 20;
    const ai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: gw.key, maxRetries: 0, timeout: 20_000 });
    const outcomes = await Promise.all(
      Array.from({ length: 40 }, async () => {
        try {
          const s = await ai.chat.completions.create({ model: 'solo', messages: [{ role: 'user', content: 'hi' }], max_tokens: 10, stream: true });
          let text = '';
          for await (const c of s) text += c.choices[0]?.delta.content ?? '';
          return text === 'Hello from the test upstream.' ? 'ok' : 'short';
        } catch (e) {
          return e instanceof OpenAI.RateLimitError && e.code === 'budget_exceeded' ? 'denied' : `error: ${String(e)}`;
        }
      }),
    );
    const ok = outcomes.filter((o) => o === 'ok').length;
    expect(outcomes.filter((o) => o !== 'ok' && o !== 'denied')).toEqual([]);
    expect(ok).toBeGreaterThanOrEqual(9);
    expect(ok).toBeLessThanOrEqual(12);

    const { items } = await gw.bridle.list({ agentId: 'bot', limit: 100 });
    const charged = items.filter((a) => a.status === 'succeeded');
    expect(charged).toHaveLength(ok);
    const sum = charged.reduce((n, a) => n + (a.costMicroUsd ?? 0), 0);
    expect(sum).toBe(ok * 98);
    const row = await gw.bridle.store.db.selectFrom('budget_usage').selectAll().where('scope', '=', 'agent:bot').where('period', 'like', 'd:%').executeTakeFirstOrThrow();
    expect(Number(row.spent_micro)).toBe(sum);
    expect(Number(row.reserved_micro)).toBe(0);
    expect(Number(row.spent_micro)).toBeLessThanOrEqual(CAP_MICRO);
  }, 30_000);
});
