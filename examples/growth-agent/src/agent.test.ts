/**
 * End to end against a REAL Bridle (engine, SQLite store, HTTP server on 127.0.0.1): the agent
 * plans, drafts, submits, revises and refreshes over HTTP exactly as it does in production.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { GrowthAgent } from './agent.js';
import { loadBrand, SAMPLE_BRAND_FILE } from './brand.js';
import { parseCalendar } from './calendar.js';
import { BridleClient, type ActionView } from './client.js';
import { AgentState } from './state.js';
import { startTestBridle, until, type TestBridle } from './test-bridle.js';
import { offlineWriter } from './writer/offline.js';

const POLICY = `
agents:
  growth-agent: { mode: draft }
  trusted-agent: { mode: auto }
actions:
  social.post:
    connector: outbox
    checks:
      - max_length: {}
      - banned_phrases: { list: [oat milk], on_fail: retry_with_feedback }
      - competitors: { names: [Starbucks], on_fail: require_approval }
`;

const brand = loadBrand(SAMPLE_BRAND_FILE);
let b: TestBridle | undefined;
afterEach(async () => {
  await b?.close();
  b = undefined;
});

function agent(tb: TestBridle, agentId: string, entries: unknown[], lines: string[] = []): GrowthAgent {
  return new GrowthAgent({
    client: new BridleClient(tb.url, tb.keys[agentId]!),
    writer: offlineWriter(),
    brand,
    calendar: parseCalendar({ timezone: 'Europe/Paris', entries }),
    // Loaded afresh each time: a new agent object is a restarted process.
    state: AgentState.load(join(tb.dir, `${agentId}.json`)),
    days: 2,
    log: (l) => lines.push(l),
  });
}

const at = (ms: number) => new Date(Date.now() + ms).toISOString();

describe('growth agent against a real Bridle', () => {
  it('drafts land in approvals; an approved one is published once at its slot; a restart submits nothing; undo removes it', async () => {
    const tb = (b = await startTestBridle(POLICY, ['growth-agent']));
    const entries = [
      { id: 'soon', at: at(2500), platforms: ['x'], topic: 'our new washed Colombian' },
      { id: 'later', at: at(120_000), platforms: ['linkedin'], topic: 'behind the scenes on roast day', campaign: 'spring' },
    ];
    const lines: string[] = [];
    const first = await agent(tb, 'growth-agent', entries, lines).runOnce();
    expect(first).toMatchObject({ planned: 2, submitted: 2, byStatus: { awaiting_approval: 2 } });
    expect(lines.join('\n')).toMatch(/⏸ awaiting approval\s+x/);

    const inbox = await tb.admin<{ items: ActionView[] }>('GET', '/v1/approvals');
    expect(inbox.body.items.map((a) => a.params.platform).sort()).toEqual(['linkedin', 'x']);
    const soon = inbox.body.items.find((a) => a.params.platform === 'x')!;
    expect(soon).toMatchObject({ status: 'awaiting_approval', idempotencyKey: 'growth:soon/x', notBefore: entries[0]!.at });
    expect((soon as unknown as { rationale: string }).rationale).toMatch(/offline template writer — no model configured.*Confidence 0\.50/);

    const approved = await tb.admin('POST', `/v1/approvals/${soon.id}/approve`, { reason: 'looks good' });
    expect(approved.status).toBe(200);
    // Approved now, published at its slot: nothing in the outbox before the slot.
    expect(approved.body.status).toBe('approved');
    expect(await tb.outboxRows(soon.id)).toBe(0);
    const done = await until(async () => {
      const v = (await tb.admin('GET', `/v1/actions/${soon.id}`)).body;
      return v.status === 'succeeded' ? v : undefined;
    });
    expect(Date.parse((done as unknown as { finishedAt: string }).finishedAt)).toBeGreaterThanOrEqual(Date.parse(entries[0]!.at));
    expect(await tb.outboxRows(soon.id)).toBe(1);
    await new Promise((r) => setTimeout(r, 1500)); // a few more scheduler sweeps
    expect(await tb.outboxRows(soon.id)).toBe(1);

    // Restart: a new process reads the state file, submits nothing, and learns what happened.
    const second = await agent(tb, 'growth-agent', entries).runOnce();
    expect(second).toMatchObject({ submitted: 0, refreshed: 2, byStatus: { succeeded: 1, awaiting_approval: 1 } });
    expect(await tb.actionCount('growth-agent')).toBe(2);

    // A crash after the draft was saved but before Bridle's answer was: the same key gets the same action.
    const file = join(tb.dir, 'growth-agent.json');
    const state = AgentState.load(file);
    const later = state.get('later/linkedin')!;
    state.put({ ...later, status: 'drafted', actionId: null, history: [] });
    const third = await agent(tb, 'growth-agent', entries).runOnce();
    expect(third.submitted).toBe(1);
    expect(AgentState.load(file).get('later/linkedin')).toMatchObject({ status: 'awaiting_approval', actionId: later.actionId });
    expect(await tb.actionCount('growth-agent')).toBe(2);

    const undone = await tb.admin('POST', `/v1/actions/${soon.id}/undo`, { reason: 'wrong day' });
    expect(undone.body.status).toBe('undone');
    expect(await tb.outboxRows(soon.id)).toBe(0);
    await agent(tb, 'growth-agent', entries).runOnce();
    expect(AgentState.load(file).get('soon/x')?.status).toBe('undone');
  }, 30_000);

  it('sends a post naming a competitor to a human even for an agent in auto mode', async () => {
    const tb = (b = await startTestBridle(POLICY, ['trusted-agent']));
    const entries = [
      { id: 'plain', at: at(60_000), platforms: ['x'], topic: 'our spring blend' },
      { id: 'rival', at: at(90_000), platforms: ['x'], topic: 'what Starbucks taught us about consistency' },
    ];
    await agent(tb, 'trusted-agent', entries).runOnce();
    const state = AgentState.load(join(tb.dir, 'trusted-agent.json'));
    expect(state.get('plain/x')?.status).toBe('allowed'); // auto mode: scheduled for its slot, no human
    const rival = state.get('rival/x')!;
    expect(rival).toMatchObject({ status: 'awaiting_approval', code: 'approval_required' });
    const view = (await tb.admin('GET', `/v1/actions/${rival.actionId}`)).body;
    expect(view.decision?.reason).toMatch(/competitors/);

    // An action Bridle no longer knows (its data was reset) is recorded as failed, not resubmitted.
    const file = join(tb.dir, 'trusted-agent.json');
    const st = AgentState.load(file);
    st.put({ ...st.get('rival/x')!, actionId: 'act_unknown' });
    const after = await agent(tb, 'trusted-agent', entries).runOnce();
    expect(after.submitted).toBe(0);
    expect(AgentState.load(file).get('rival/x')).toMatchObject({ status: 'failed', code: 'BRIDLE_E_ACTION_NOT_FOUND' });
    expect(await tb.actionCount('trusted-agent')).toBe(2);
  });

  it('revises a post sent back with feedback and resubmits it as a revision', async () => {
    const tb = (b = await startTestBridle(POLICY, ['trusted-agent']));
    const entries = [{ id: 'latte', at: at(60_000), platforms: ['x'], topic: 'the perfect oat milk flat white' }];
    const lines: string[] = [];
    const sum = await agent(tb, 'trusted-agent', entries, lines).runOnce();
    expect(sum).toMatchObject({ submitted: 2, revised: 1 });
    const s = AgentState.load(join(tb.dir, 'trusted-agent.json')).get('latte/x')!;
    expect(s.history.map((h) => h.code)).toEqual(['needs_revision', 'allowed']);
    expect(s).toMatchObject({ status: 'allowed', revisions: 1, key: 'growth:latte/x#r1' });
    expect(s.draft?.text).not.toMatch(/oat milk/i);
    expect(s.draft?.rationale).toMatch(/revision .*banned_phrases/);
    expect(lines.join('\n')).toMatch(/needs_revision/);
    // Bridle links the revision to the post it revises.
    const first = await tb.bridle.get(s.history[0]!.actionId);
    expect(first.status).toBe('blocked');
    expect(await tb.actionCount('trusted-agent')).toBe(2);
  });
});
