/**
 * "kill -9 of the server mid-load loses no acknowledged action" (invariant 3), proved against
 * the BUILT binary: a bounded concurrent load, SIGKILL in the middle of it, then the store, the
 * audit chain and a restart are examined. Runs on the embedded SQLite store, and on PostgreSQL
 * (a throwaway database and schema) when BRIDLE_TEST_PG_URL is set.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '@bridle/core';
import { assertBuilt, postAction, workspace, type Workspace } from './test-cli.js';

const POLICY = `
agents:
  loader:
    mode: auto
    rate: { per_minute: 1000000 }
actions:
  job.run:
    connector: outbox
`;

const PG_URL = process.env.BRIDLE_TEST_PG_URL;

interface Ack {
  id: string;
  key: string;
  status: string;
}

interface LoadResult {
  acked: Ack[];
  /** Idempotency keys sent whose response never came back (in flight at the kill). */
  unanswered: string[];
  /** HTTP answers other than 200, before the kill (there should be none). */
  rejected: { status: number; body: string }[];
  /** Network errors before the kill (there should be none). */
  earlyErrors: string[];
  sent: number;
  /** Workers still running when the server was killed. */
  activeAtKill: number;
}

/**
 * `workers` concurrent loops, each POSTing actions with unique idempotency keys, recording every
 * 200 with its action id; `kill` is called after `killAfterMs`. Bounded by `maxMs` and `maxRequests`.
 */
async function loadAndKill(url: string, key: string, o: { workers: number; maxMs: number; maxRequests: number; killAfterMs: number; minAcks: number; kill: () => void }): Promise<LoadResult> {
  const r: LoadResult = { acked: [], unanswered: [], rejected: [], earlyErrors: [], sent: 0, activeAtKill: 0 };
  const t0 = Date.now();
  const deadline = t0 + o.maxMs;
  let killed = false;
  let active = 0;
  // Kill once the load has run killAfterMs and has some acknowledgements (a slow machine may
  // need longer for those), and in any case well before the load's own deadline.
  const timer = setInterval(() => {
    const ran = Date.now() - t0;
    if ((ran >= o.killAfterMs && r.acked.length >= o.minAcks) || ran >= o.maxMs * 0.8) {
      clearInterval(timer);
      r.activeAtKill = active;
      killed = true;
      o.kill();
    }
  }, 10);
  const worker = async (w: number) => {
    active++;
    try {
      while (!killed && Date.now() < deadline && r.sent < o.maxRequests) {
        const idem = `load-${w}-${r.sent++}`;
        let status: number;
        let text: string;
        try {
          const res = await fetch(`${url}/v1/actions`, {
            method: 'POST',
            headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'idempotency-key': idem },
            body: JSON.stringify({ type: 'job.run', params: { n: idem } }),
            signal: AbortSignal.timeout(5000),
          });
          status = res.status;
          text = await res.text();
        } catch (e) {
          r.unanswered.push(idem);
          if (!killed) r.earlyErrors.push(String((e as Error).cause ?? e));
          return;
        }
        let body: { id?: string; status?: string };
        try {
          body = JSON.parse(text) as typeof body;
        } catch {
          // A torn body is not an acknowledgement.
          r.unanswered.push(idem);
          continue;
        }
        if (status === 200 && body.id && body.status) r.acked.push({ id: body.id, key: idem, status: body.status });
        else if (!killed) r.rejected.push({ status, body: text.slice(0, 300) });
        else r.unanswered.push(idem);
      }
    } finally {
      active--;
    }
  };
  try {
    await Promise.all(Array.from({ length: o.workers }, (_, w) => worker(w)));
  } finally {
    clearInterval(timer);
  }
  if (!killed) {
    // The load ended before the kill was due: still kill, but the caller will see activeAtKill 0.
    killed = true;
    o.kill();
  }
  return r;
}

interface Snapshot {
  actions: Map<string, { status: string; key: string | null; error: string | null }>;
  /** action id → kinds of its audit entries, in chain order. */
  audit: Map<string, string[]>;
  auditBodies: Map<string, string[]>;
  /** action id → number of outbox rows. */
  outbox: Map<string, number>;
}

async function snapshot(store: Store): Promise<Snapshot> {
  const actions = new Map<string, { status: string; key: string | null; error: string | null }>();
  for (const a of await store.db.selectFrom('actions').select(['id', 'status', 'idempotency_key', 'error']).execute()) actions.set(a.id, { status: a.status, key: a.idempotency_key, error: a.error });
  const audit = new Map<string, string[]>();
  const auditBodies = new Map<string, string[]>();
  for (const e of await store.db.selectFrom('audit').select(['action_id', 'kind', 'body']).where('action_id', 'is not', null).orderBy('agent_id').orderBy('seq').execute()) {
    const k = audit.get(e.action_id!) ?? [];
    k.push(e.kind);
    audit.set(e.action_id!, k);
    const b = auditBodies.get(e.action_id!) ?? [];
    b.push(e.body);
    auditBodies.set(e.action_id!, b);
  }
  const outbox = new Map<string, number>();
  for (const o of await store.db.selectFrom('outbox').select('action_id').execute()) outbox.set(o.action_id, (outbox.get(o.action_id) ?? 0) + 1);
  return { actions, audit, auditBodies, outbox };
}

async function withStore<T>(dataDir: string, databaseUrl: string | undefined, fn: (s: Store) => Promise<T>): Promise<T> {
  // Non-exclusive, as any read-only CLI command opens it.
  const store = await openStore({ dataDir, databaseUrl });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

let ws: Workspace | undefined;
/** Drops the Postgres test database, if one was made. */
let dropSchema: (() => Promise<void>) | undefined;

beforeAll(() => assertBuilt());

afterEach(async () => {
  await ws?.cleanup();
  ws = undefined;
  await dropSchema?.();
  dropSchema = undefined;
});

interface Retry {
  key: string;
  ms: number;
  status: number;
  body: Record<string, unknown>;
}

/** The whole crash scenario with its assertions, on one dialect. */
async function crashScenario(dialect: 'sqlite' | 'postgres', databaseUrl?: string): Promise<void> {
  const w = (ws = workspace(databaseUrl ? { BRIDLE_DATABASE_URL: databaseUrl } : {}));
  writeFileSync(join(w.dir, 'bridle.yaml'), POLICY);
  const server = await w.start([]);
  expect(server.stdout()).toContain(`store    ${dialect}`);
  const created = await w.run(['keys', 'create', '--agent', 'loader', '--json']);
  expect(created.code, created.stderr).toBe(0);
  const key = (JSON.parse(created.stdout) as { key: string }).key;

  // ── load, and kill -9 in the middle of it ────────────────────────────────────────────────
  const load = await loadAndKill(server.url, key, { workers: 32, maxMs: 3000, maxRequests: 20_000, killAfterMs: 1000, minAcks: 50, kill: () => server.proc.kill('SIGKILL') });
  const exit = await server.stop('SIGKILL', 5000);
  expect(exit.signal).toBe('SIGKILL');

  expect(load.earlyErrors, 'network errors before the kill').toEqual([]);
  expect(load.rejected, 'non-200 answers before the kill').toEqual([]);
  // The kill really landed mid-load, after a meaningful number of acknowledgements.
  expect(load.activeAtKill).toBeGreaterThan(0);
  expect(load.sent).toBeLessThan(20_000);
  expect(load.acked.length).toBeGreaterThan(20);
  expect(new Set(load.acked.map((a) => a.id)).size).toBe(load.acked.length);
  for (const a of load.acked) expect(a.status).toBe('succeeded');
  if (dialect === 'sqlite') {
    // The dead server's lock is left behind; the restart below must take it over.
    expect(readFileSync(join(w.dataDir, 'bridle.lock'), 'utf8').trim()).toBe(String(server.proc.pid));
  }

  // ── the audit chain is intact after the crash ────────────────────────────────────────────
  const [verify, before] = await Promise.all([w.run(['audit', 'verify'], { timeoutMs: 30_000 }), withStore(w.dataDir, databaseUrl, snapshot)]);
  expect(verify.code, verify.stdout + verify.stderr).toBe(0);
  expect(verify.stdout).toContain('audit log intact');

  // ── every acknowledged action is there, succeeded, audited, and in the outbox once ───────
  const missing: string[] = [];
  for (const a of load.acked) {
    const row = before.actions.get(a.id);
    if (!row || row.status !== 'succeeded' || row.key !== a.key || !before.audit.get(a.id)?.includes('action.succeeded') || before.outbox.get(a.id) !== 1) {
      missing.push(`${a.id} (${a.key}): ${row ? row.status : 'no row'}, audit ${JSON.stringify(before.audit.get(a.id) ?? [])}, outbox ${before.outbox.get(a.id) ?? 0}`);
    }
  }
  expect(missing, 'acknowledged actions lost or incomplete').toEqual([]);

  const executing: string[] = [];
  for (const [id, a] of before.actions) {
    const kinds = before.audit.get(id) ?? [];
    // One write commits received → allowed → executing together, so nothing is caught before executing.
    expect(['succeeded', 'executing'], `${id} is ${a.status}`).toContain(a.status);
    expect(kinds.slice(0, 3), id).toEqual(['action.received', 'action.allowed', 'action.executing']);
    if (a.status === 'succeeded') {
      expect(kinds, id).toEqual(['action.received', 'action.allowed', 'action.executing', 'action.succeeded']);
      expect(before.outbox.get(id), `outbox rows of ${id}`).toBe(1);
    } else {
      expect(kinds, id).toEqual(['action.received', 'action.allowed', 'action.executing']);
      executing.push(id);
    }
  }
  for (const [actionId, n] of before.outbox) {
    expect(n, `outbox rows of ${actionId}`).toBe(1);
    expect(before.actions.has(actionId), `outbox row for unknown action ${actionId}`).toBe(true);
  }
  // Unique idempotency keys: one action per key.
  const keys = [...before.actions.values()].map((a) => a.key);
  expect(new Set(keys).size).toBe(keys.length);

  // ── restart on the same data: it serves again, and settles what the crash interrupted ────
  const restarted = await w.start([]);
  if (dialect === 'sqlite') expect(readFileSync(join(w.dataDir, 'bridle.lock'), 'utf8').trim()).toBe(String(restarted.proc.pid));
  const fresh = await postAction(restarted.url, key, { type: 'job.run', params: { n: 'after-restart' } }, { 'idempotency-key': 'after-restart' });
  expect(fresh.status).toBe(200);
  expect(fresh.body.status).toBe('succeeded');
  // An acknowledged request retried with its key gets the same action back, not a second one.
  const first = load.acked[0]!;
  const replay = await postAction(restarted.url, key, { type: 'job.run', params: { n: first.key } }, { 'idempotency-key': first.key });
  expect(replay.status).toBe(200);
  expect(replay.body).toMatchObject({ id: first.id, status: 'succeeded' });

  // Requests in flight at the kill, retried by their agent with the same idempotency key. On
  // Postgres a request may have died holding its key's claim (idempotency_keys); the claim is
  // taken over once older than 30 s (retries before that get 409 "retry shortly"). Age the
  // claims instead of waiting those 30 s.
  if (dialect === 'postgres') {
    await withStore(w.dataDir, databaseUrl, (st) => st.db.updateTable('idempotency_keys').set((eb) => ({ created_at: eb('created_at', '-', 60_000) })).execute());
  }
  const retries: Retry[] = await Promise.all(
    load.unanswered.map(async (k) => {
      const t0 = Date.now();
      try {
        const res = await fetch(`${restarted.url}/v1/actions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'idempotency-key': k },
          body: JSON.stringify({ type: 'job.run', params: { n: k } }),
          signal: AbortSignal.timeout(15_000),
        });
        return { key: k, ms: Date.now() - t0, status: res.status, body: (await res.json()) as Record<string, unknown> };
      } catch (e) {
        return { key: k, ms: Date.now() - t0, status: 0, body: { error: String(e) } };
      }
    }),
  );
  const after = await withStore(w.dataDir, databaseUrl, snapshot);
  for (const id of executing) {
    const a = after.actions.get(id)!;
    expect(a.status, id).toBe('failed');
    expect(a.error, id).toMatch(/outcome is unknown/);
    expect(after.audit.get(id), id).toEqual(['action.received', 'action.allowed', 'action.executing', 'action.failed']);
    expect(after.auditBodies.get(id)!.at(-1), id).toContain('"recovered":true');
    // Never re-run: at most the one side effect the interrupted run may have made.
    expect(after.outbox.get(id) ?? 0, id).toBeLessThanOrEqual(1);
  }
  for (const [id, a] of before.actions) {
    if (a.status === 'succeeded') expect(after.actions.get(id)?.status, id).toBe('succeeded');
  }
  expect([...after.actions.values()].filter((a) => a.status === 'executing')).toEqual([]);
  const retried = retries.filter((r) => r.status === 200 && typeof r.body.id === 'string');
  expect(after.actions.size).toBe(before.actions.size + 1 + retried.filter((r) => !before.actions.has(r.body.id as string)).length);
  expect(after.outbox.get(fresh.body.id!)).toBe(1);

  // Whatever the retries got, no key ever maps to two actions.
  const keysAfter = [...after.actions.values()].map((a) => a.key);
  expect(new Set(keysAfter).size).toBe(keysAfter.length);

  const stopped = await restarted.stop('SIGTERM', 10_000);
  expect(stopped).toEqual({ code: 0, signal: null });
  if (dialect === 'sqlite') expect(existsSync(join(w.dataDir, 'bridle.lock'))).toBe(false);
  const verifyAgain = await w.run(['audit', 'verify'], { timeoutMs: 30_000 });
  expect(verifyAgain.code, verifyAgain.stdout + verifyAgain.stderr).toBe(0);
  expect(retries.length).toBe(load.unanswered.length);
  expectRetriesAnswered(retries, before);
}

/**
 * A retried in-flight request gets a definite answer: the action recorded before the crash
 * (settled by recovery) if it got that far, else a newly run one.
 */
function expectRetriesAnswered(retries: Retry[], before: Snapshot): void {
  const bad = retries.filter((r) => r.status !== 200 || typeof r.body.id !== 'string');
  expect(bad.map((r) => `${r.key}: ${r.status} after ${r.ms} ms ${JSON.stringify(r.body).slice(0, 200)}`), 'retries without a definite answer').toEqual([]);
  for (const r of retries) {
    const was = before.actions.get(r.body.id as string);
    if (was) {
      expect(was.key, r.key).toBe(r.key);
      expect(r.body.status, r.key).toBe(was.status === 'executing' ? 'failed' : was.status);
    } else {
      expect([...before.actions.values()].some((a) => a.key === r.key), r.key).toBe(false);
      expect(r.body.status, r.key).toBe('succeeded');
    }
  }
}

describe('kill -9 mid-load loses no acknowledged action', () => {
  it('on the embedded SQLite store', async () => {
    await crashScenario('sqlite');
  }, 90_000);

  it.skipIf(!PG_URL)('on PostgreSQL (a throwaway database and schema)', async () => {
    const name = `bridle_crash_${process.pid}_${Date.now()}`;
    const query = async (url: string, text: string) => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      try {
        return await c.query(text);
      } finally {
        await c.end();
      }
    };
    // A database of its own, not just a schema in the shared one: Kysely's Migrator (openStore
    // passes no migrationTableSchema) introspects EVERY schema of the database, so other tests'
    // throwaway schemas break our migrations (reported as a bug): it either skips creating its
    // tables in ours ('relation "kysely_migration_lock" does not exist') or trips over a schema
    // dropped mid-introspection ('schema "t_…" does not exist').
    await query(PG_URL!, `CREATE DATABASE ${name}`);
    dropSchema = () => query(PG_URL!, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).then(() => {});
    const u = new URL(PG_URL!);
    u.pathname = `/${name}`;
    const dbUrl = u.toString();
    await query(dbUrl, `CREATE SCHEMA ${name}`);
    // node-postgres passes the URL's `options` to the server: every connection gets this search_path.
    const url = `${dbUrl}${u.search ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${name}`)}`;
    await crashScenario('postgres', url);
    // The isolation really worked: the server's tables are in the fresh schema, none in public.
    const { rows } = await query(dbUrl, `SELECT table_schema AS s, count(*)::int AS n FROM information_schema.tables WHERE table_name IN ('actions', 'audit', 'outbox') GROUP BY 1`);
    expect(rows).toEqual([{ s: name, n: 3 }]);
  }, 90_000);
});
