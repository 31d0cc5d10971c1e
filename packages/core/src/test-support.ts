import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openStore, type Store } from './store/open.js';

/** Dialects the store tests run on: SQLite always, PostgreSQL when BRIDLE_TEST_PG_URL is set. */
export const dialects: ('sqlite' | 'postgres')[] = process.env.BRIDLE_TEST_PG_URL ? ['sqlite', 'postgres'] : ['sqlite'];

export interface TestStore {
  store: Store;
  dataDir: string;
  /** Opens the same database again (a restart). */
  reopen(): Promise<Store>;
  cleanup(): Promise<void>;
}

let n = 0;

/** A fresh, real store: a temp SQLite directory, or a throwaway Postgres schema. */
export async function testStore(dialect: 'sqlite' | 'postgres'): Promise<TestStore> {
  const dataDir = mkdtempSync(join(tmpdir(), 'bridle-test-'));
  const url = process.env.BRIDLE_TEST_PG_URL;
  const pgSchema = dialect === 'postgres' ? `t_${process.pid}_${Date.now()}_${++n}` : undefined;
  const open = () => openStore({ dataDir, exclusive: dialect === 'sqlite', ...(dialect === 'postgres' ? { databaseUrl: url, pgSchema } : {}) });
  const dropSchema = async () => {
    if (!pgSchema) return;
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    await c.query(`DROP SCHEMA IF EXISTS ${pgSchema} CASCADE`);
    await c.end();
  };
  let store: Store;
  try {
    store = await open();
  } catch (e) {
    await dropSchema().catch(() => {});
    rmSync(dataDir, { recursive: true, force: true });
    throw e;
  }
  return {
    get store() {
      return store;
    },
    dataDir,
    async reopen() {
      await store.close().catch(() => {});
      store = await open();
      return store;
    },
    async cleanup() {
      await store.close().catch(() => {});
      await dropSchema();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export const basePolicy = `
agents:
  bot:
    mode: auto
    budget: { daily_usd: 1 }
    rate: { per_minute: 1000 }
  drafty:
    mode: draft
actions:
  social.post:
    connector: outbox
    estimate_usd: 0.01
    checks:
      - max_length: {}
      - banned_phrases: { list: [guaranteed returns] }
  refund:
    approval: always
    estimate_usd: 0.1
`;
