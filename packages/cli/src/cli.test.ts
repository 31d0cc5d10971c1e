/**
 * End-to-end: the BUILT `bridle` binary, spawned the way a user runs it, each test in a fresh
 * temp directory with its own data directory. Build first (`npx tsc -b packages/cli`).
 */
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '@bridle/core';
import { assertBuilt, postAction, workspace, type RunResult, type Workspace } from './test-cli.js';

const POLICY = `
agents:
  bot:
    mode: auto
    rate: { per_minute: 1000 }
  drafty:
    mode: draft
actions:
  social.post:
    connector: outbox
    checks:
      - max_length: {}
      - banned_phrases: { list: [guaranteed returns] }
`;

const BAD_POLICY = `agents:
  bot:
    mode: automatic
actions:
  social.post:
    connector: outbox
`;

let ws: Workspace | undefined;
const open = (extra: Record<string, string | undefined> = {}) => (ws = workspace(extra));

beforeAll(() => assertBuilt());

afterEach(async () => {
  await ws?.cleanup();
  ws = undefined;
});

const json = <T>(r: RunResult): T => {
  try {
    return JSON.parse(r.stdout) as T;
  } catch {
    throw new Error(`not JSON (exit ${r.code}):\n${r.stdout}\nstderr: ${r.stderr}`);
  }
};

/** One line `error CODE: message`, and nothing that looks like a stack trace. */
function expectOneLineError(r: RunResult, code: string): void {
  expect(r.code, r.stderr).toBe(1);
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(new RegExp(`^error ${code}: \\S.*`));
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(r.stdout).toBe('');
}

async function outboxRows(dataDir: string, actionId: string): Promise<number> {
  const store = await openStore({ dataDir });
  try {
    const rows = await store.db.selectFrom('outbox').select('id').where('action_id', '=', actionId).execute();
    return rows.length;
  } finally {
    await store.close();
  }
}

type ActionView = { id: string; agentId: string; status: string; decision: { code: string } | null };

describe('bridle policy check', () => {
  it('accepts a valid file: exit 0 and its version', async () => {
    const w = open();
    writeFileSync(join(w.dir, 'bridle.yaml'), POLICY);
    const r = await w.run(['policy', 'check', 'bridle.yaml']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/bridle\.yaml is valid \(version sha256:[0-9a-f]{8,}\): 2 agents, 1 action types/);
    expect(r.stderr).toBe('');
  });

  it('rejects an invalid file: exit 1 with file:line:column, field path and hint; --json lists the issues', async () => {
    const w = open();
    writeFileSync(join(w.dir, 'bad.yaml'), BAD_POLICY);
    const [r, j] = await Promise.all([w.run(['policy', 'check', 'bad.yaml']), w.run(['--json', 'policy', 'check', 'bad.yaml'])]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/bad\.yaml has 1 problem/);
    expect(r.stdout).toMatch(/bad\.yaml:3:11\s+agents\.bot\.mode: /);
    expect(r.stdout).toMatch(/hint: .*draft.*auto/);

    expect(j.code).toBe(1);
    const body = json<{ ok: boolean; issues: { file: string; line: number; column: number; path: string; message: string; hint?: string }[] }>(j);
    expect(body.ok).toBe(false);
    expect(body.issues).toHaveLength(1);
    expect(body.issues[0]).toMatchObject({ file: 'bad.yaml', line: 3, column: 11, path: 'agents.bot.mode' });
    expect(body.issues[0]!.hint).toBeTruthy();
  });
});

describe('bridle start and the operator commands against it', () => {
  it('runs the whole operator workflow: lock, keys, actions, approvals, kill switch, audit, revocation', async () => {
    const w = open();
    writeFileSync(join(w.dir, 'bridle.yaml'), POLICY);
    const server = await w.start([]);
    expect(server.stdout()).toMatch(/store\s+sqlite in /);
    // The advert lets CLI commands find this server whatever port it took.
    expect(JSON.parse(readFileSync(join(w.dataDir, 'server.json'), 'utf8'))).toMatchObject({ url: server.url, pid: server.proc.pid });

    // keys create: the key is printed exactly once, and never again (keys list shows a prefix).
    // Independent commands run side by side to keep the test short.
    // Meanwhile, a second server on the same data directory is refused (and does no harm).
    const [created, draftyCreated, second] = await Promise.all([w.run(['keys', 'create', '--agent', 'bot']), w.run(['keys', 'create', '--agent', 'drafty', '--json']), w.run(['start', '--port', '0'])]);
    expectOneLineError(second, 'BRIDLE_E_DATA_DIR_LOCKED');
    expect(second.stderr).toContain(`in use by process ${server.proc.pid}`);
    expect(created.code, created.stderr).toBe(0);
    const botKeys = created.stdout.match(/brk_[\w-]+/g) ?? [];
    expect(botKeys).toHaveLength(1);
    const botKey = botKeys[0]!;
    expect(draftyCreated.code, draftyCreated.stderr).toBe(0);
    const draftyKey = json<{ key: string; agentId: string }>(draftyCreated);
    expect(draftyKey.agentId).toBe('drafty');
    expect(draftyKey.key).toMatch(/^brk_/);

    // The key works against the running server (what `curl` would do).
    const ok = await postAction(server.url, botKey, { type: 'social.post', params: { platform: 'x', text: 'hello from the e2e test' } });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ status: 'succeeded', agentId: 'bot' });
    const okId = ok.body.id!;
    expect(await outboxRows(w.dataDir, okId)).toBe(1);

    const [listed, actions] = await Promise.all([w.run(['keys', 'list']), w.run(['actions', 'list', '--json'])]);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain('bot');
    expect(listed.stdout).not.toContain(botKey);
    expect(listed.stdout).not.toContain(draftyKey.key);
    expect(listed.stdout).toContain(`${botKey.slice(0, 10)}…`);
    expect(actions.code, actions.stderr).toBe(0);
    expect(json<ActionView[]>(actions).find((a) => a.id === okId)).toMatchObject({ status: 'succeeded', agentId: 'bot', decision: { code: 'allowed' } });

    // Draft mode: waits for a human.
    const draft = await postAction(server.url, draftyKey.key, { type: 'social.post', params: { platform: 'x', text: 'a draft for a human' } });
    expect(draft.status).toBe(202);
    expect(draft.body).toMatchObject({ status: 'awaiting_approval', decision: { code: 'approval_required' } });
    const draftId = draft.body.id!;

    const waiting = await w.run(['approvals', 'list']);
    expect(waiting.code).toBe(0);
    expect(waiting.stdout).toMatch(new RegExp(`^${draftId}\\s+drafty\\s+social\\.post\\s+awaiting_approval\\s`, 'm'));
    expect(waiting.stdout).not.toContain(okId);

    // The server runs the approved action, exactly once.
    const approved = await w.run(['approvals', 'approve', draftId, '--reason', 'looks good']);
    expect(approved.code, approved.stderr).toBe(0);
    expect(approved.stdout).toContain(`Approved ${draftId}`);
    expect(approved.stdout).toContain('now succeeded');
    const [again, succeeded] = await Promise.all([w.run(['approvals', 'approve', draftId]), w.run(['actions', 'list', '--status', 'succeeded', '--json'])]);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain('BRIDLE_E_INVALID_STATE');
    expect(again.stderr).not.toMatch(/\n\s+at /);
    expect(json<ActionView[]>(succeeded).map((a) => a.id).sort()).toEqual([okId, draftId].sort());
    expect(await outboxRows(w.dataDir, draftId)).toBe(1);

    // Kill switch: the running server blocks the agent's next action at once.
    const kill = await w.run(['agents', 'kill', 'bot', '--reason', 'e2e']);
    expect(kill.code, kill.stderr).toBe(0);
    expect(kill.stdout).toContain('bot is stopped');
    const blocked = await postAction(server.url, botKey, { type: 'social.post', params: { platform: 'x', text: 'after the kill' } });
    expect(blocked.status).toBe(200);
    expect(blocked.body).toMatchObject({ status: 'blocked', decision: { code: 'agent_killed' } });
    expect(await outboxRows(w.dataDir, blocked.body.id!)).toBe(0);
    const noScope = await w.run(['kill', '--reason', 'x']);
    expect(noScope.code).not.toBe(0);
    expect(noScope.stderr).toContain('BRIDLE_E_VALIDATION');
    const global = await w.run(['kill', '--global', '--reason', 'incident']);
    expect(global.code, global.stderr).toBe(0);
    expect(global.stdout).toContain('global is stopped');
    const draftBlocked = await postAction(server.url, draftyKey.key, { type: 'social.post', params: { platform: 'x', text: 'during the incident' } });
    expect(draftBlocked.body).toMatchObject({ status: 'blocked', decision: { code: 'kill_switch' } });
    const resumed = await w.run(['resume', '--global']);
    expect(resumed.stdout).toContain('global resumed');
    // Trusting an agent: draft → auto at run time, through the running server.
    const mode = await w.run(['agents', 'mode', 'drafty', 'auto', '--reason', 'trusted']);
    expect(mode.code, mode.stderr).toBe(0);
    expect(mode.stdout).toContain('drafty is in auto mode');
    const auto = await postAction(server.url, draftyKey.key, { type: 'social.post', params: { platform: 'x', text: 'published directly' } });
    expect(auto.body).toMatchObject({ status: 'succeeded' });
    expect((await w.run(['agents', 'mode', 'drafty', 'sometimes'])).stderr).toContain('BRIDLE_E_VALIDATION');
    expect((await w.run(['agents', 'mode', 'drafty', 'draft'])).stdout).toContain('drafty is in draft mode');
    // An approver edits the copy from the CLI: the edit is what gets published.
    const toEdit = await postAction(server.url, draftyKey.key, { type: 'social.post', params: { platform: 'x', text: 'first try' } });
    expect((await w.run(['approvals', 'approve', toEdit.body.id!, '--params', '{"platform":"x"'])).stderr).toContain('BRIDLE_E_VALIDATION');
    const edited = await w.run(['approvals', 'approve', toEdit.body.id!, '--params', '{"platform":"x","text":"edited by a human"}']);
    expect(edited.code, edited.stderr).toBe(0);
    const store = await openStore({ dataDir: w.dataDir });
    try {
      const out = await store.db.selectFrom('outbox').select('payload').where('action_id', '=', toEdit.body.id!).execute();
      expect(out.map((r) => JSON.parse(r.payload).params.text)).toEqual(['edited by a human']);
    } finally {
      await store.close();
    }

    // Audit: the store verifies, and so does an export of it, offline.
    const [verify, exported] = await Promise.all([w.run(['audit', 'verify']), w.run(['audit', 'export', '--out', 'f.jsonl'])]);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    const intact = /audit log intact: (\d+) entries in (\d+) chains, (\d+) signed checkpoints checked/.exec(verify.stdout);
    expect(intact, verify.stdout).not.toBeNull();
    // bot: received+allowed+executing+succeeded, received+blocked, agent.killed; drafty: received+awaiting+approved+executing+succeeded
    expect(Number(intact![1])).toBeGreaterThanOrEqual(12);
    expect(Number(intact![3])).toBeGreaterThan(0);
    expect(exported.code, exported.stderr).toBe(0);
    const lines = readFileSync(join(w.dir, 'f.jsonl'), 'utf8').trim().split('\n');
    expect(lines.filter((l) => l.includes(okId)).length).toBeGreaterThan(0);
    // A changed byte in the export must be caught (exit 2, naming the broken entry).
    writeFileSync(join(w.dir, 'tampered.jsonl'), lines.map((l) => l.replace('hello from the e2e test', 'hello from the e3e test')).join('\n') + '\n');
    // Revocation needs fresh keys: never used, so never in the server's 5 s auth cache.
    const [fileVerify, tampered, freshRun] = await Promise.all([
      w.run(['audit', 'verify', '--file', 'f.jsonl']),
      w.run(['audit', 'verify', '--file', 'tampered.jsonl']),
      w.run(['keys', 'create', '--agent', 'drafty', '--json']),
    ]);
    expect(fileVerify.code, fileVerify.stdout + fileVerify.stderr).toBe(0);
    expect(fileVerify.stdout).toContain('audit log intact');
    expect(tampered.code).toBe(2);
    expect(tampered.stdout).toMatch(/audit log BROKEN at bot #\d+/);

    // Revocation: the revoked key is refused at once (drafty's first key, cold when first used
    // above, showed that a fresh key works).
    const fresh = json<{ key: string; id: string }>(freshRun);
    const revoked = await w.run(['keys', 'revoke', fresh.id]);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.stdout).toContain(`Revoked ${fresh.id}`);
    const refused = await postAction(server.url, fresh.key, { type: 'social.post', params: { platform: 'x', text: 'revoked' } });
    expect(refused.status).toBe(401);
    expect(refused.body).toMatchObject({ error: { code: 'BRIDLE_E_UNAUTHENTICATED' } });
    const accepted = await postAction(server.url, draftyKey.key, { type: 'social.post', params: { platform: 'x', text: 'not revoked' } });
    expect(accepted.status).toBe(202);

    // A clean stop: exit 0, the advert is removed and the lock released.
    const stopped = await server.stop('SIGTERM');
    expect(stopped).toEqual({ code: 0, signal: null });
    expect(server.stderr()).toContain('stopped.');
    expect(existsSync(join(w.dataDir, 'server.json'))).toBe(false);
    expect(existsSync(join(w.dataDir, 'bridle.lock'))).toBe(false);
    // ~15 CLI runs of ~1 s each: the bound is generous for loaded machines; every wait inside is bounded too.
  }, 90_000);
});

describe('bridle start fails with one line and a stable code', () => {
  it('with no policy file', async () => {
    const w = open();
    const r = await w.run(['start', '--port', '0']);
    expectOneLineError(r, 'BRIDLE_E_POLICY_NOT_FOUND');
    expect(r.stderr).toContain(join(w.dir, 'bridle.yaml'));
  });

  it('with a port that is not a number', async () => {
    const w = open();
    writeFileSync(join(w.dir, 'bridle.yaml'), POLICY);
    const r = await w.run(['start', '--port', 'abc']);
    expectOneLineError(r, 'BRIDLE_E_CONFIG');
    expect(r.stderr).toContain('"abc"');
  });

  it('with an invalid policy, naming file:line:column', async () => {
    const w = open();
    writeFileSync(join(w.dir, 'bridle.yaml'), BAD_POLICY);
    const r = await w.run(['start', '--port', '0']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error BRIDLE_E_POLICY_INVALID: [\s\S]*bridle\.yaml:3:11 agents\.bot\.mode: /);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('bridle approvals without a server', () => {
  it('opens the store locally and reports an unknown action', async () => {
    const w = open();
    writeFileSync(join(w.dir, 'bridle.yaml'), POLICY);
    const r = await w.run(['approvals', 'approve', 'act_does_not_exist']);
    expectOneLineError(r, 'BRIDLE_E_ACTION_NOT_FOUND');
    expect(r.stderr).toContain('act_does_not_exist');
    // It really went to the local store (created on first open), not to some server.
    expect(existsSync(join(w.dataDir, 'bridle.db'))).toBe(true);
    expect(existsSync(join(w.dataDir, 'bridle.lock'))).toBe(false);
  });
});

describe('bridle demo', () => {
  it('shows allowed, blocked and awaiting-approval actions, then stops cleanly on SIGTERM', async () => {
    const w = open();
    const demo = w.spawn(['demo', '--port', '0', '--data-dir', join(w.dir, 'demo-data')]);
    await demo.waitFor(/Press Ctrl-C to stop\./, 25_000);
    const out = demo.stdout();
    expect(out).toMatch(/Bridle demo running at http:\/\/127\.0\.0\.1:\d+/);
    expect(out).toMatch(/✔ published to outbox\s+growth-bot/);
    expect(out).toMatch(/✖ blocked\s+growth-bot/);
    expect(out).toMatch(/check_failed: max_length/);
    expect(out).toMatch(/check_failed: banned_phrases: found banned phrase "guaranteed returns"/);
    expect(out).toMatch(/check_failed: banned_phrases: found banned phrase "risk-free"/);
    expect(out).toMatch(/budget_exceeded: daily budget of \$0\.25 for agent:growth-bot would be exceeded/);
    expect(out).toMatch(/⏸ awaiting approval\s+newsletter-bot/);
    expect(out).toMatch(/approval_required: /);
    expect(out).toContain('growth-bot spent $0.25 of its $0.25 daily budget.');
    const exit = await demo.stop('SIGTERM', 10_000);
    expect(exit).toEqual({ code: 0, signal: null });
    // Lifecycle log lines (JSON on a non-terminal stderr) may land between the two halves.
    expect(demo.stderr()).toMatch(/SIGTERM: stopping…[\s\S]*stopped\./);
    expect(demo.stderr()).not.toMatch(/error|\n\s+at /i);
  }, 60_000);
});
