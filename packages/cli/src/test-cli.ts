/**
 * Test-only helpers for driving the BUILT `bridle` binary as a user would: spawn it in a temp
 * directory with its own data directory, wait (bounded) for what it prints, and always clean up.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));

export function assertBuilt(): void {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: build first with \`npx tsc -b packages/cli\` (npm test does)`);
}

/** The parent's environment without any BRIDLE_* variable, so a developer's settings never leak in. */
export function cleanEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('BRIDLE_')) env[k] = v;
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) env[k] = v;
  return env;
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface Workspace {
  /** The temp directory the CLI runs in (its cwd). */
  dir: string;
  /** The data directory passed as BRIDLE_DATA_DIR. */
  dataDir: string;
  env: NodeJS.ProcessEnv;
  /** Runs `bridle ARGS` to completion (bounded) and collects its output. */
  run(args: string[], opts?: { timeoutMs?: number; env?: Record<string, string | undefined> }): Promise<RunResult>;
  /** Spawns a long-running `bridle ARGS` (start, demo); it is killed in cleanup if still alive. */
  spawn(args: string[], opts?: { env?: Record<string, string | undefined> }): Server;
  /** Spawns `bridle start ARGS --port 0` and resolves once it prints its URL. */
  start(args: string[], opts?: { env?: Record<string, string | undefined>; timeoutMs?: number }): Promise<Server & { url: string }>;
  cleanup(): Promise<void>;
}

export interface Server {
  proc: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code and signal once the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves with the first match of `re` in stdout; rejects on timeout or early exit. */
  waitFor(re: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  /** Sends `signal` and waits (bounded) for exit; falls back to SIGKILL. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function bounded<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
    }),
  ]);
}

function spawnBridle(args: string[], cwd: string, env: NodeJS.ProcessEnv): Server {
  const proc = spawn(process.execPath, [BIN, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => proc.once('close', (code, signal) => resolve({ code, signal })));
  let done = false;
  void exited.then(() => (done = true));
  const s: Server = {
    proc,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitFor(re, timeoutMs = 15_000) {
      return bounded(
        new Promise<RegExpExecArray>((resolve, reject) => {
          const check = () => {
            const m = re.exec(out);
            if (m) {
              cleanup();
              resolve(m);
            }
          };
          const onExit = () => {
            cleanup();
            const m = re.exec(out);
            if (m) resolve(m);
            else reject(new Error(`bridle ${args.join(' ')} exited before printing ${re}\nstdout: ${out}\nstderr: ${err}`));
          };
          const cleanup = () => {
            proc.stdout!.off('data', check);
            proc.off('close', onExit);
          };
          proc.stdout!.on('data', check);
          proc.once('close', onExit);
          check();
          if (done) onExit();
        }),
        timeoutMs,
        `bridle ${args.join(' ')} to print ${re}\nstdout: ${out}\nstderr: ${err}`,
      );
    },
    async stop(signal = 'SIGTERM', timeoutMs = 5000) {
      if (!done) proc.kill(signal);
      try {
        return await bounded(exited, timeoutMs, `bridle ${args.join(' ')} to exit on ${signal}`);
      } catch (e) {
        proc.kill('SIGKILL');
        await bounded(exited, 5000, 'SIGKILL').catch(() => {});
        throw e;
      }
    },
  };
  return s;
}

/** A fresh temp cwd and data directory; every process spawned through it is killed in cleanup. */
export function workspace(extraEnv: Record<string, string | undefined> = {}): Workspace {
  const dir = mkdtempSync(join(tmpdir(), 'bridle-cli-'));
  const dataDir = join(dir, 'data');
  const env = cleanEnv({ BRIDLE_DATA_DIR: dataDir, BRIDLE_OPERATOR: 'tester', ...extraEnv });
  const live = new Set<Server>();
  const ws: Workspace = {
    dir,
    dataDir,
    env,
    async run(args, opts = {}) {
      const s = spawnBridle(args, dir, withExtra(env, opts.env));
      live.add(s);
      try {
        const r = await bounded(s.exited, opts.timeoutMs ?? 20_000, `bridle ${args.join(' ')}\nstdout: ${s.stdout()}\nstderr: ${s.stderr()}`);
        return { ...r, stdout: s.stdout(), stderr: s.stderr() };
      } finally {
        live.delete(s);
        if (s.proc.exitCode === null && s.proc.signalCode === null) s.proc.kill('SIGKILL');
      }
    },
    spawn(args, opts = {}) {
      const s = spawnBridle(args, dir, withExtra(env, opts.env));
      live.add(s);
      void s.exited.then(() => live.delete(s));
      return s;
    },
    async start(args, opts = {}) {
      const s = ws.spawn(['start', '--port', '0', ...args], opts);
      const m = await s.waitFor(/Bridle listening on (http:\/\/\S+)/, opts.timeoutMs ?? 15_000);
      return Object.assign(s, { url: m[1]! });
    },
    async cleanup() {
      await Promise.all([...live].map((s) => s.stop('SIGTERM', 3000).catch(() => {})));
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return ws;
}

function withExtra(env: NodeJS.ProcessEnv, extra: Record<string, string | undefined> | undefined): NodeJS.ProcessEnv {
  const out = { ...env };
  for (const [k, v] of Object.entries(extra ?? {})) {
    if (v === undefined) delete out[k];
    else out[k] = v;
  }
  return out;
}

/** POSTs an action with an agent key, bounded; returns the HTTP status and parsed body. */
export async function postAction(url: string, key: string, body: Record<string, unknown>, headers: Record<string, string> = {}): Promise<{ status: number; body: Record<string, unknown> & { id?: string; status?: string; decision?: { code: string; reason: string } } }> {
  const res = await fetch(`${url}/v1/actions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  return { status: res.status, body: (await res.json()) as never };
}
