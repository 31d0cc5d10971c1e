/**
 * The agent with the real outside pieces, each a local server speaking the provider's wire
 * format: a model behind Bridle's gateway (OpenAI Chat Completions), and X's API v2 behind a
 * policy `connectors:` entry.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestUpstream, type TestUpstream } from '../../../packages/server/src/gateway/test-upstreams.js';
import { startXServer, type XTestServer } from '../../../packages/core/src/connectors/x/test-server.js';
import { GrowthAgent } from './agent.js';
import { loadBrand, SAMPLE_BRAND_FILE } from './brand.js';
import { parseCalendar } from './calendar.js';
import { BridleClient, type ActionView } from './client.js';
import { AgentState } from './state.js';
import { startTestBridle, until, type TestBridle } from './test-bridle.js';
import { llmWriter } from './writer/llm.js';
import { offlineWriter } from './writer/offline.js';

const brand = loadBrand(SAMPLE_BRAND_FILE);
const at = (ms: number) => new Date(Date.now() + ms).toISOString();
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

describe('drafting through Bridle’s gateway', () => {
  it('asks the model with the brand voice and platform limit, and submits its draft, confidence and rationale', async () => {
    const upstream: TestUpstream = await startTestUpstream('openai');
    cleanup.push(() => upstream.close());
    const reply = { text: 'Spring is back in the hopper: a washed Colombian, bright and sweet. ☕ https://acme.coffee/spring #acmecoffee', confidence: 0.86, rationale: 'Announces the blend in the brand voice with the launch link.' };
    upstream.reply.text = JSON.stringify(reply);
    const tb: TestBridle = await startTestBridle(
      `
agents:
  growth-agent: { mode: draft }
  growth-writer: { mode: auto, budget: { daily_usd: 1 } }
actions:
  social.post:
    checks: [{ max_length: {} }]
  llm.chat:
    modes: [authorize]
gateway:
  providers:
    oai: { kind: openai, base_url: "${upstream.url}" }
  models:
    writer: { targets: [{ provider: oai, model: gpt-4o-mini }] }
  retry: { max_retries: 0, base_ms: 1, max_ms: 5 }
`,
      ['growth-agent', 'growth-writer'],
    );
    cleanup.push(() => tb.close());
    const client = new BridleClient(tb.url, tb.keys['growth-agent']!);
    const agent = new GrowthAgent({
      client,
      // Model calls under their own auto-mode identity: under the draft-mode one each would wait for a human.
      writer: llmWriter(new BridleClient(tb.url, tb.keys['growth-writer']!), 'writer'),
      brand,
      calendar: parseCalendar({ entries: [{ id: 'spring', at: at(60_000), platforms: ['x'], topic: 'our spring blend is back', link: 'https://acme.coffee/spring' }] }),
      state: AgentState.load(join(tb.dir, 'state.json')),
      days: 1,
    });
    const sum = await agent.runOnce();
    expect(sum).toMatchObject({ submitted: 1, draftFailures: 0, byStatus: { awaiting_approval: 1 } });

    expect(upstream.requests).toHaveLength(1);
    const sent = upstream.requests[0]!.body as { model: string; messages: { role: string; content: string }[]; response_format: unknown };
    expect(sent.model).toBe('gpt-4o-mini');
    expect(sent.response_format).toEqual({ type: 'json_object' });
    expect(sent.messages[0]!.content).toContain(brand.voice);
    expect(sent.messages[0]!.content).toMatch(/Hard limit: 280 characters/);
    expect(sent.messages[0]!.content).toContain('"guaranteed returns"');
    expect(sent.messages[0]!.content).toContain('Bright, floral, a little jammy'); // an example post
    expect(sent.messages[1]!.content).toContain('https://acme.coffee/spring');

    const s = AgentState.load(join(tb.dir, 'state.json')).get('spring/x')!;
    const view = (await tb.admin<ActionView & { rationale: string }>('GET', `/v1/actions/${s.actionId}`)).body;
    expect(view.params).toMatchObject({ platform: 'x', text: reply.text, confidence: 0.86 });
    expect(view.rationale).toContain(reply.rationale);
    expect(view.rationale).toContain('written by llm:writer');
    // The model call itself went through Bridle as the agent's own action.
    const calls = await tb.t.store.db.selectFrom('actions').select(['type', 'status']).where('agent_id', '=', 'growth-writer').where('type', '=', 'llm.chat').execute();
    expect(calls).toEqual([{ type: 'llm.chat', status: 'succeeded' }]);
  });

  it('records a failed draft (model down) without submitting, and drafts it on the next run', async () => {
    const upstream = await startTestUpstream('openai');
    cleanup.push(() => upstream.close());
    const tb = await startTestBridle(
      `
agents:
  growth-agent: { mode: auto }
actions:
  social.post: { approval: always }
  llm.chat: { modes: [authorize] }
gateway:
  providers: { oai: { kind: openai, base_url: "${upstream.url}" } }
  default_provider: oai
  unknown_model_price: { input_usd_per_mtok: 0, output_usd_per_mtok: 0 }
  retry: { max_retries: 0, base_ms: 1, max_ms: 5 }
`,
      ['growth-agent'],
    );
    cleanup.push(() => tb.close());
    const client = new BridleClient(tb.url, tb.keys['growth-agent']!);
    const make = () =>
      new GrowthAgent({ client, writer: llmWriter(client, 'local-model'), brand, calendar: parseCalendar({ entries: [{ id: 'a', at: at(60_000), platforms: ['linkedin'], topic: 'roast day' }] }), state: AgentState.load(join(tb.dir, 'state.json')), days: 1 });
    upstream.script({ fail: 503 });
    const first = await make().runOnce();
    expect(first).toMatchObject({ submitted: 0, draftFailures: 1, byStatus: { draft_failed: 1 } });
    upstream.reply.text = '```json\n{"text": "Roast day at Acme Coffee: 12 batches, one very happy roaster.", "confidence": 0.7, "rationale": "Behind the scenes."}\n```';
    const second = await make().runOnce();
    expect(second).toMatchObject({ submitted: 1, byStatus: { awaiting_approval: 1 } });
  });
});

describe('publishing to X through a policy connector', () => {
  it('publishes the approved post to the X API once at its slot, and undo deletes it there', async () => {
    const xs: XTestServer = await startXServer({ bearer: 'x-test-token' });
    cleanup.push(() => xs.close());
    process.env.GROWTH_TEST_X_TOKEN = 'x-test-token';
    cleanup.push(async () => void delete process.env.GROWTH_TEST_X_TOKEN);
    const tb = await startTestBridle(
      `
connectors:
  x-main: { kind: x, access_token_env: GROWTH_TEST_X_TOKEN, base_url: "${xs.url}", username: acmecoffee }
agents:
  growth-agent: { mode: draft }
actions:
  social.post:
    connector: x-main
    checks: [{ max_length: {} }]
`,
      ['growth-agent'],
    );
    cleanup.push(() => tb.close());
    const slotAt = at(2500);
    const agent = new GrowthAgent({ client: new BridleClient(tb.url, tb.keys['growth-agent']!), writer: offlineWriter(), brand, calendar: parseCalendar({ entries: [{ id: 'x1', at: slotAt, platforms: ['x'], topic: 'cupping at ten' }] }), state: AgentState.load(join(tb.dir, 'state.json')), days: 1 });
    await agent.runOnce();
    const s = AgentState.load(join(tb.dir, 'state.json')).get('x1/x')!;
    expect(s.status).toBe('awaiting_approval');
    expect((await tb.admin('POST', `/v1/approvals/${s.actionId}/approve`, {})).status).toBe(200);
    expect(xs.posts.size).toBe(0);
    const done = await until(async () => {
      const v = (await tb.admin('GET', `/v1/actions/${s.actionId}`)).body;
      return v.status === 'succeeded' || v.status === 'failed' ? v : undefined;
    });
    expect(done.status).toBe('succeeded');
    expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(slotAt));
    const posts = [...xs.posts.values()];
    expect(posts).toHaveLength(1);
    expect(posts[0]!.text).toBe(s.draft!.text);
    expect((done.result as { url: string }).url).toMatch(/^https:\/\/x\.com\/acmecoffee\/status\/\d+$/);
    expect(xs.requests.filter((r) => r.method === 'POST')).toHaveLength(1);

    const undone = await tb.admin('POST', `/v1/actions/${s.actionId}/undo`, {});
    expect(undone.body.status).toBe('undone');
    expect(posts[0]!.deleted).toBe(true);
  });
});
