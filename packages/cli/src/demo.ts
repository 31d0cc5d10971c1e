import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { BridleError, createApiKey, createOperator, formatMicroUsd, getOperator, parsePolicy, builtInConnectors, updateOperator, type Store } from '@bridle/core';
import { AgentState, runGrowthAgentOnce, SAMPLE_BRAND_FILE, type Calendar } from '@bridle/growth-agent';
import { startServer, stopOnSignals, type StartOptions } from './serve.js';

/** The demo's policy: a growth agent that auto-publishes within limits, and a draft-mode agent. */
export const DEMO_POLICY = `# Bridle demo policy. Copy it to bridle.yaml to start your own (docs/configuration.md).
agents:
  growth-bot:
    description: Drafts and publishes social posts for the Acme Coffee brand
    mode: auto                 # publish when checks and guards pass
    budget: { daily_usd: 0.25 }
    rate: { per_minute: 120 }
  newsletter-bot:
    description: New agent, not yet trusted
    mode: draft                # a human approves every action
  growth-agent:
    description: The example growth agent (examples/growth-agent); its drafts wait for a human
    mode: draft
actions:
  social.post:
    connector: outbox          # the sandbox: records what would be published
    estimate_usd: 0.02
    checks:
      - max_length: {}         # per-platform limits (X counts weighted characters)
      - banned_phrases: { list: [guaranteed returns, risk-free, get rich quick] }
  email.send:
    connector: outbox
    estimate_usd: 0.001
    approval: always
`;

interface Draft {
  agent: 'growth-bot' | 'newsletter-bot';
  type: string;
  params: Record<string, string>;
  estimatedCostMicroUsd?: number;
  rationale: string;
}

/** A realistic stream: clean posts, a too-long one, banned phrases, approvals, then over budget. */
export const DEMO_STREAM: Draft[] = [
  { agent: 'growth-bot', type: 'social.post', params: { platform: 'x', text: 'New single-origin Ethiopian beans just landed. Bright, floral, a little jammy. ☕ https://acme.coffee/ethiopia' }, rationale: 'Launch post for the new origin' },
  { agent: 'growth-bot', type: 'social.post', params: { platform: 'linkedin', text: 'We just opened our third roastery. Thank you to the 40 people who make Acme Coffee happen every morning, and to every customer who asked us to grow.' }, rationale: 'Company milestone' },
  { agent: 'growth-bot', type: 'social.post', params: { platform: 'x', text: `Thread time: everything we learned about water chemistry this year. ${'Calcium and magnesium matter more than you think, and bicarbonate buffers acidity. '.repeat(4)}` }, rationale: 'Educational thread' },
  { agent: 'growth-bot', type: 'social.post', params: { platform: 'instagram', text: 'Latte art Friday 🎨 Tag us in yours for a chance to be featured. #latteart #acmecoffee' }, rationale: 'Weekly engagement post' },
  { agent: 'growth-bot', type: 'social.post', params: { platform: 'x', text: 'Subscribe now: GUARANTEED   returns on your morning mood, or your money back!' }, rationale: 'Subscription push' },
  { agent: 'growth-bot', type: 'social.post', params: { platform: 'reddit', title: 'We roasted the same bean 12 ways. Here are the tasting notes.', text: 'Long-time lurker, first-time poster from a small roastery. We ran an experiment…' }, rationale: 'Community post in r/coffee' },
  { agent: 'newsletter-bot', type: 'email.send', params: { to: 'subscribers@acme.coffee', subject: 'November beans', text: 'Three new origins this month…' }, rationale: 'Monthly newsletter' },
  { agent: 'growth-bot', type: 'social.post', params: { platform: 'tiktok', text: 'POV: you finally dial in your espresso 😮‍💨 #coffeetok' }, rationale: 'Trend format' },
  { agent: 'growth-bot', type: 'social.post', params: { platform: 'linkedin', text: 'A r i s k - f r e e way to upgrade your office coffee.' }, rationale: 'B2B offer' },
  { agent: 'newsletter-bot', type: 'social.post', params: { platform: 'x', text: 'Our holiday blend is back on Monday.' }, rationale: 'Teaser from the newsletter agent' },
  { agent: 'growth-bot', type: 'social.post', params: { platform: 'x', text: 'AI-generated video: a day at the roastery (rendered in 4K).' }, estimatedCostMicroUsd: 150_000, rationale: 'Video post; rendering is expensive' },
  { agent: 'growth-bot', type: 'social.post', params: { platform: 'x', text: 'Another rendered video: the cupping table.' }, estimatedCostMicroUsd: 150_000, rationale: 'Second video; should hit the daily budget' },
];

const ICON: Record<string, string> = { succeeded: '✔ published to outbox', allowed: '✔ allowed', blocked: '✖ blocked', awaiting_approval: '⏸ awaiting approval', failed: '✖ failed' };

interface DemoOptions extends StartOptions {
  agent?: boolean;
  keep?: boolean;
}

function assertUnlocked(dataDir: string): void {
  let pid: number;
  try {
    pid = Number(readFileSync(join(dataDir, 'bridle.lock'), 'utf8').trim());
    process.kill(pid, 0);
  } catch {
    return;
  }
  throw new BridleError('BRIDLE_E_DATA_DIR_LOCKED', `A demo is already running from ${dataDir} (process ${pid}). Stop it first, or pass --port and --data-dir for a second one.`, { pid, dataDir });
}

/** The demo's operator: a dashboard sign-in for the newcomer. */
export const DEMO_OPERATOR = 'demo';

/** Creates (or, with --keep, re-keys) the demo operator with a fresh random password, and returns it. */
async function demoOperator(store: Store): Promise<string> {
  const password = randomBytes(12).toString('base64url');
  if (await getOperator(store, DEMO_OPERATOR)) await updateOperator(store, DEMO_OPERATOR, { password });
  else await createOperator(store, { name: DEMO_OPERATOR, role: 'admin', password });
  return password;
}

/** Three posts from the sample brand's topics, a minute apart starting a minute from now. */
function demoCalendar(now: number): Calendar {
  // Ids carry the minute, so a --keep rerun plans new slots instead of finding the old ones done.
  const run = Math.floor(now / 60_000);
  const slot = (n: number, platforms: ('x' | 'linkedin' | 'instagram')[], topic: string) => ({ id: `demo-${run}-${n}`, at: new Date(now + n * 60_000).toISOString(), platforms, topic });
  return {
    timezone: 'UTC',
    entries: [slot(1, ['x'], 'new single-origin Ethiopian beans, bright and floral'), slot(2, ['linkedin'], 'behind the scenes at the roastery on roast day'), slot(3, ['instagram'], 'latte art from our community')],
  };
}

/** `bridle demo`: a fresh server on the embedded store, keys for the demo agents, and the stream. */
export async function runDemo(o: DemoOptions): Promise<void> {
  const dataDir = o.dataDir ?? process.env.BRIDLE_DATA_DIR ?? '.bridle/demo';
  // Never wipe a demo that is still running: its lock names a live process.
  if (!o.keep) {
    assertUnlocked(dataDir);
    rmSync(dataDir, { recursive: true, force: true });
  }
  const policy = parsePolicy(DEMO_POLICY, { file: '(built-in demo policy)', connectors: [...builtInConnectors] });
  const r = await startServer({ ...o, dataDir }, policy);
  stopOnSignals(r);
  const keys: Record<string, string> = {};
  for (const agent of ['growth-bot', 'newsletter-bot']) keys[agent] = (await createApiKey(r.bridle, agent, { label: 'demo', actor: { type: 'system', id: 'demo' } })).key;
  const out = (s: string) => process.stdout.write(s + '\n');
  out(`\nBridle demo running at ${r.url}  (policy ${policy.version}, data in ${dataDir})\n`);
  if (o.agent !== false) {
    out('The demo agents submit a stream of drafts through the HTTP API:\n');
    for (const d of DEMO_STREAM) {
      const res = await fetch(`${r.url}/v1/actions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${keys[d.agent]}`, 'content-type': 'application/json' },
        body: JSON.stringify({ type: d.type, params: d.params, rationale: d.rationale, ...(d.estimatedCostMicroUsd ? { estimatedCostMicroUsd: d.estimatedCostMicroUsd } : {}) }),
      });
      const a = (await res.json()) as { id: string; status: string; decision?: { code: string; reason: string } };
      const where = d.params.platform ?? d.type;
      const preview = (d.params.title ?? d.params.subject ?? d.params.text ?? '').replace(/\s+/g, ' ').slice(0, 48);
      out(`  ${(ICON[a.status] ?? a.status).padEnd(22)} ${d.agent.padEnd(15)} ${where.padEnd(10)} “${preview}…”`);
      if (a.status === 'blocked' || a.status === 'awaiting_approval') out(`      ${a.decision?.code}: ${a.decision?.reason}`);
      await new Promise((res) => setTimeout(res, 150));
    }
  }
  const password = await demoOperator(r.store);
  const growthKey = (await createApiKey(r.bridle, 'growth-agent', { label: 'demo', actor: { type: 'system', id: 'demo' } })).key;
  let growthIds: string[] = [];
  if (o.agent !== false) {
    out('\nThe growth agent (examples/growth-agent) drafts the next posts from its content calendar, each scheduled for its slot:');
    const stateFile = join(dataDir, 'growth-agent', 'state.json');
    const summary = await runGrowthAgentOnce({ url: r.url, key: growthKey, brand: SAMPLE_BRAND_FILE, calendar: demoCalendar(Date.now()), state: stateFile, days: 1, log: (l) => out(l.startsWith('  ') ? l : `  ${l}`) });
    out(`  ${summary.submitted} drafts submitted; ${summary.byStatus.awaiting_approval ?? 0} wait in the approvals inbox.`);
    growthIds = AgentState.load(stateFile).all().flatMap((s) => (s.status === 'awaiting_approval' && s.actionId ? [s.actionId] : []));
  }
  const usage = await r.bridle.store.db.selectFrom('budget_usage').selectAll().where('scope', '=', 'agent:growth-bot').where('period', 'like', 'd:%').executeTakeFirst();
  out(`\ngrowth-bot spent ${formatMicroUsd(usage?.spent_micro ?? 0)} of its ${formatMicroUsd(250_000)} daily budget.`);
  out(`
Sign in to the dashboard at ${r.url}/ as "${DEMO_OPERATOR}" with the password ${password}
(demo only: a new one is made on every start).

Try it yourself (in another terminal, from this folder):
  export BRIDLE_DATA_DIR=${dataDir}
  npx bridle approvals list                       # what is waiting for a human
  npx bridle approvals approve ${growthIds[0] ?? '<id>'}   # approve a growth-agent draft: it is published to the outbox at its slot, exactly once
  npx bridle actions list
  npx bridle actions undo ${growthIds[0] ?? '<id>'}        # once published: removes it from the outbox
  npx bridle audit verify                         # checks every hash and signed checkpoint

  # Run the growth agent again (it remembers its slots and submits nothing twice):
  npx bridle-growth-agent --once --url ${r.url} --key ${growthKey}

  curl -s ${r.url}/v1/actions \\
    -H 'authorization: Bearer ${keys['growth-bot']}' \\
    -H 'content-type: application/json' \\
    -d '{"type":"social.post","params":{"platform":"x","text":"Hello from curl"}}'

Press Ctrl-C to stop.`);
}
