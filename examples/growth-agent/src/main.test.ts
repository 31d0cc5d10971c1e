import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EXIT, main } from './main.js';
import { AgentState } from './state.js';
import { startTestBridle, type TestBridle } from './test-bridle.js';

function io(env: NodeJS.ProcessEnv = {}) {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l), env } };
}

let tb: TestBridle | undefined;
afterEach(async () => {
  await tb?.close();
  tb = undefined;
});

describe('bridle-growth-agent command line', () => {
  it('prints help, and refuses bad options with exit 2 and one line naming the fix', async () => {
    const h = io();
    expect(await main(['--help'], h.io)).toBe(EXIT.ok);
    expect(h.out.join('\n')).toMatch(/--writer-key/);

    const noKey = io();
    expect(await main(['--once'], noKey.io)).toBe(EXIT.usage);
    expect(noKey.err).toEqual([expect.stringMatching(/^error BRIDLE_E_CONFIG: no agent key: pass --key or set BRIDLE_AGENT_KEY/)]);

    const badDays = io({ BRIDLE_AGENT_KEY: 'brk_x' });
    expect(await main(['--once', '--days', '0'], badDays.io)).toBe(EXIT.usage);
    expect(badDays.err[0]).toMatch(/--days must be/);

    const unknown = io();
    expect(await main(['--frobnicate'], unknown.io)).toBe(EXIT.usage);

    const missing = io({ BRIDLE_AGENT_KEY: 'brk_x' });
    expect(await main(['--once', '--brand', '/nonexistent/brand.yaml'], missing.io)).toBe(EXIT.usage);
    expect(missing.err[0]).toMatch(/cannot read \/nonexistent\/brand\.yaml/);
  });

  it('exits 1 with one line when Bridle is unreachable or the key is refused', async () => {
    tb = await startTestBridle('agents: { growth-agent: { mode: draft } }\nactions: { social.post: {} }\n', ['growth-agent']);
    const state = join(tb.dir, 'state.json');
    const down = io({ BRIDLE_AGENT_KEY: 'brk_nope' });
    expect(await main(['--once', '--url', 'http://127.0.0.1:9', '--state', state], down.io)).toBe(EXIT.runtime);
    expect(down.err).toEqual([expect.stringMatching(/^error BRIDLE_E_CONNECTOR: cannot reach Bridle at http:\/\/127\.0\.0\.1:9/)]);

    const refused = io({ BRIDLE_AGENT_KEY: 'brk_not_a_real_key' });
    expect(await main(['--once', '--url', tb.url, '--state', state], refused.io)).toBe(EXIT.runtime);
    expect(refused.err[0]).toMatch(/^error BRIDLE_E_UNAUTHENTICATED: /);
  });

  it('runs once against Bridle with the sample brand and a calendar file, printing each decision', async () => {
    tb = await startTestBridle('agents: { growth-agent: { mode: draft } }\nactions: { social.post: { checks: [{ max_length: {} }] } }\n', ['growth-agent']);
    const calendar = join(tb.dir, 'calendar.yaml');
    const soon = new Date(Date.now() + 3_600_000).toISOString();
    writeFileSync(calendar, `entries:\n  - { id: launch, at: "${soon}", platforms: [x, linkedin, reddit], topic: our spring blend }\n`);
    const state = join(tb.dir, 'state.json');
    const r = io({ BRIDLE_URL: tb.url, BRIDLE_AGENT_KEY: tb.keys['growth-agent']! });
    expect(await main(['--once', '--calendar', calendar, '--state', state, '--days', '1'], r.io)).toBe(EXIT.ok);
    const text = r.out.join('\n');
    expect(text).toMatch(/writer: offline template writer — no model configured/);
    expect(text).toMatch(/⏸ awaiting approval\s+reddit/);
    expect(text).toMatch(/3 slots planned, 3 submitted, 0 revised, 0 refreshed — 3 awaiting approval/);
    expect(r.err).toEqual([]);
    const reddit = AgentState.load(state).get('launch/reddit')!;
    const view = (await tb.admin('GET', `/v1/actions/${reddit.actionId}`)).body;
    expect(view.params).toMatchObject({ platform: 'reddit', subreddit: 'Coffee', title: expect.any(String) });
  });
});
