/**
 * `bridle users …` end to end: the BUILT binary (build first: `npx tsc -b packages/cli`),
 * a fresh temp workspace per test, and a real server for the tokens it prints.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openStore, verifyPassword } from '@bridle/core';
import { assertBuilt, BIN, workspace, type RunResult, type Workspace } from './test-cli.js';

const POLICY = `
agents:
  bot:
    mode: draft
actions:
  social.post:
    connector: outbox
`;

let ws: Workspace | undefined;
beforeAll(() => assertBuilt());
afterEach(async () => {
  await ws?.cleanup();
  ws = undefined;
});

function open(): Workspace {
  ws = workspace();
  writeFileSync(join(ws.dir, 'bridle.yaml'), POLICY);
  return ws;
}

const json = <T>(r: RunResult): T => {
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as T;
};

function expectOneLineError(r: RunResult, code: string): void {
  expect(r.code, r.stdout).toBe(1);
  expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(r.stderr).toMatch(new RegExp(`^error ${code}: \\S`));
}

/** Runs the CLI with `input` on standard input (the workspace harness gives it none). */
function runWithStdin(w: Workspace, args: string[], input: string): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [BIN, ...args], { cwd: w.dir, env: w.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    p.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      p.kill('SIGKILL');
      reject(new Error(`timed out: bridle ${args.join(' ')}`));
    }, 20_000);
    p.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    p.stdin.end(input);
  });
}

async function withStore<T>(dataDir: string, fn: (s: Awaited<ReturnType<typeof openStore>>) => Promise<T>): Promise<T> {
  const store = await openStore({ dataDir });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

describe('bridle users', () => {
  it('adds, lists and removes operators, auditing each change', async () => {
    const w = open();
    const alice = json<{ name: string; role: string; groups: string[]; password: boolean }>(await w.run(['--json', 'users', 'add', 'alice', '--role', 'approver', '--group', 'legal', '--group', 'finance', '--slack-user', 'U0ALICE', '--email', 'alice@example.com']));
    expect(alice).toMatchObject({ name: 'alice', role: 'approver', groups: ['finance', 'legal'], slackUserId: 'U0ALICE', email: 'alice@example.com', password: false });
    expect((await w.run(['users', 'add', 'bob', '--role', 'viewer'])).stdout).toMatch(/Created viewer bob\./);
    const human = await w.run(['users', 'list']);
    expect(human.stdout).toMatch(/^NAME\s+ROLE\s+GROUPS/);
    expect(human.stdout).toMatch(/alice\s+approver\s+finance,legal/);
    expect(human.stdout).toMatch(/bob\s+viewer/);

    expect((await w.run(['users', 'remove', 'bob'])).stdout).toMatch(/Removed bob/);
    const all = json<{ name: string; role: string; disabledAt: string | null }[]>(await w.run(['--json', 'users', 'list', '--all']));
    expect(all.map((o) => [o.name, o.role, o.disabledAt === null])).toEqual([['alice', 'approver', true], ['bob', 'viewer', false]]);
    const kinds = await withStore(w.dataDir, async (s) => (await s.db.selectFrom('audit').select('kind').where('agent_id', '=', '_system').execute()).map((r) => r.kind));
    expect(kinds.filter((k) => k === 'operator.created')).toHaveLength(2);
    expect(kinds).toContain('operator.removed');
  });

  it('refuses bad roles and names, duplicates and unknown names with one-line errors; no password in argv', async () => {
    const w = open();
    expect((await w.run(['users', 'add', 'alice', '--role', 'viewer'])).code).toBe(0);
    const [role, name, dup, gone, argvPw] = await Promise.all([
      w.run(['users', 'add', 'dave', '--role', 'owner']),
      w.run(['users', 'add', 'Dave', '--role', 'viewer']),
      w.run(['users', 'add', 'alice', '--role', 'admin']),
      w.run(['users', 'remove', 'nobody']),
      w.run(['users', 'add', 'eve', '--role', 'viewer', '--password', 'eve-password-123']),
    ]);
    expectOneLineError(role, 'BRIDLE_E_VALIDATION');
    expect(role.stderr).toMatch(/viewer, approver or admin/);
    expectOneLineError(name, 'BRIDLE_E_VALIDATION');
    expectOneLineError(dup, 'BRIDLE_E_CONFLICT');
    expectOneLineError(gone, 'BRIDLE_E_NOT_FOUND');
    expect(argvPw.code).not.toBe(0);
    expect(argvPw.stderr).toMatch(/unknown option '--password'/);
    const names = await withStore(w.dataDir, async (s) => (await s.db.selectFrom('operators').select(['name', 'role']).execute()).map((r) => `${r.name}:${r.role}`));
    expect(names).toEqual(['alice:viewer']);
  });

  it('takes a password from standard input only, stores it hashed, and checks its length', async () => {
    const w = open();
    // One after the other: the first run creates the store, and two first runs would race for it.
    const ok = await runWithStdin(w, ['users', 'add', 'bob', '--role', 'viewer', '--password-stdin'], 'bob-secret-password\n');
    const short = await runWithStdin(w, ['users', 'add', 'carol', '--role', 'viewer', '--password-stdin'], 'short\n');
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/Created viewer bob with a password/);
    expect(ok.stdout + ok.stderr).not.toContain('bob-secret-password');
    expectOneLineError(short, 'BRIDLE_E_VALIDATION');
    await withStore(w.dataDir, async (store) => {
      expect(await verifyPassword(store, 'bob', 'bob-secret-password')).toMatchObject({ name: 'bob' });
      expect(await verifyPassword(store, 'bob', 'bob-secret-password\n')).toBeNull();
      const row = await store.db.selectFrom('operators').select('password_hash').where('name', '=', 'bob').executeTakeFirstOrThrow();
      expect(row.password_hash).toMatch(/^scrypt\$131072\$8\$1\$/);
      expect(await store.db.selectFrom('operators').select('name').where('name', '=', 'carol').executeTakeFirst()).toBeUndefined();
    });
  });

  it('prints a token once that a running server accepts with the operator’s role, until the operator is removed', async () => {
    const w = open();
    const server = await w.start([]);
    expect((await w.run(['users', 'add', 'vera', '--role', 'viewer'])).code).toBe(0);
    expect((await w.run(['users', 'add', 'root', '--role', 'admin'])).code).toBe(0);
    const human = await w.run(['users', 'token', 'vera', '--label', 'laptop']);
    expect(human.code, human.stderr).toBe(0);
    const tokens = human.stdout.match(/bro_[\w-]+/g) ?? [];
    expect(tokens).toHaveLength(1);
    const vera = tokens[0]!;
    const root = json<{ token: string; operator: string }>(await w.run(['--json', 'users', 'token', 'root']));
    expect(root.operator).toBe('root');
    expectOneLineError(await w.run(['users', 'token', 'nobody']), 'BRIDLE_E_NOT_FOUND');
    // Listing never shows a token again.
    expect((await w.run(['--json', 'users', 'list'])).stdout).not.toMatch(/bro_/);

    const call = (method: string, path: string, token: string, body?: unknown) =>
      fetch(`${server.url}${path}`, { method, headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}), signal: AbortSignal.timeout(10_000) });
    expect((await call('GET', '/v1/approvals', vera)).status).toBe(200);
    const kill = await call('POST', '/v1/agents/bot/kill', vera, { reason: 'x' });
    expect(kill.status).toBe(403);
    expect((await call('POST', '/v1/agents/bot/kill', root.token, { reason: 'x' })).status).toBe(200);

    expect((await w.run(['users', 'remove', 'vera'])).code).toBe(0);
    expect((await call('GET', '/v1/approvals', vera)).status).toBe(401);
    expect((await call('GET', '/v1/approvals', root.token)).status).toBe(200);
  });
});
