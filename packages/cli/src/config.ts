import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BridleError, loadPolicyFile, openStore, builtInConnectors, type LoadedPolicy, type OpenStoreOptions, type Store } from '@bridle/core';

export interface CommonOptions {
  dataDir?: string;
  policy?: string;
  json?: boolean;
}

export const DEFAULT_PORT = 8787;

export function dataDirOf(o: CommonOptions): string {
  return resolve(o.dataDir ?? process.env.BRIDLE_DATA_DIR ?? '.bridle');
}

/** The policy file: --policy, then BRIDLE_POLICY, then ./bridle.yaml. */
export function policyPathOf(o: CommonOptions): string {
  const p = o.policy ?? process.env.BRIDLE_POLICY ?? 'bridle.yaml';
  if (!existsSync(p)) {
    throw new BridleError('BRIDLE_E_POLICY_NOT_FOUND', `No policy file at ${resolve(p)}. Pass --policy FILE, set BRIDLE_POLICY, or create bridle.yaml (see examples/bridle.yaml; \`bridle demo\` runs without one).`);
  }
  return p;
}

/**
 * For commands run beside a server (keys, approvals): the explicit policy if any, else the one
 * the last server in this data directory ran, which it saved there.
 */
export function adminPolicy(o: CommonOptions): LoadedPolicy {
  const saved = join(dataDirOf(o), 'running-policy.yaml');
  if (!o.policy && !process.env.BRIDLE_POLICY && !existsSync('bridle.yaml') && existsSync(saved)) return loadPolicy(saved);
  return loadPolicy(policyPathOf(o));
}

export function loadPolicy(path: string): LoadedPolicy {
  return loadPolicyFile(path, { connectors: [...builtInConnectors] });
}

export function openCliStore(o: CommonOptions, extra: Partial<OpenStoreOptions> = {}): Promise<Store> {
  return openStore({ dataDir: dataDirOf(o), databaseUrl: process.env.BRIDLE_DATABASE_URL, ...extra });
}

/**
 * The operator token: BRIDLE_ADMIN_TOKEN, else a random one kept in the data directory (owner
 * read-only) so the CLI on the same machine finds it without it ever being printed.
 */
export function adminToken(dataDir: string, create: boolean): string | undefined {
  const env = process.env.BRIDLE_ADMIN_TOKEN;
  if (env) {
    if (env.length < 16) throw new BridleError('BRIDLE_E_CONFIG', 'BRIDLE_ADMIN_TOKEN must be at least 16 characters');
    return env;
  }
  const file = join(dataDir, 'admin-token');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  if (!create) return undefined;
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const token = `bra_${randomBytes(24).toString('base64url')}`;
  writeFileSync(file, token + '\n', { mode: 0o600 });
  return token;
}

/** --url, then BRIDLE_URL, then the server this data directory says is running, then the default. */
export function serverUrl(o: CommonOptions & { url?: string }): string {
  const explicit = o.url ?? process.env.BRIDLE_URL;
  if (explicit) return explicit.replace(/\/$/, '');
  try {
    const { url, pid } = JSON.parse(readFileSync(join(dataDirOf(o), 'server.json'), 'utf8')) as { url: string; pid: number };
    process.kill(pid, 0);
    return url;
  } catch {
    return `http://127.0.0.1:${DEFAULT_PORT}`;
  }
}
