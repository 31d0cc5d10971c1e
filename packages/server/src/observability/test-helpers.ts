import type { Connector } from '@bridle/core';
import type { FastifyBaseLogger } from 'fastify';
import { serverPolicy, testServer } from '../test-support.js';
import type { ObservabilityOptions } from './index.js';

export { ADMIN } from '../test-support.js';

/** The server tests' policy plus a failing connector and guards (its `actions:` block is last, so this extends it). */
export const obsPolicy = `${serverPolicy}  flaky.call:
    connector: flaky
    estimate_usd: 0.002
guards:
  breaker: { min_calls: 2, error_rate: 0.4, scopes: [connector] }
  budgets:
    campaigns:
      launch: { daily_usd: 1 }
`;

/** Fails every call: feeds the breaker and the failed-action paths. */
export const flaky: Connector = {
  name: 'flaky',
  async execute() {
    throw new Error('upstream said no');
  },
};

/** A real server on a real store (SQLite unless asked) with observability options, and a key per agent. */
export async function obsServer(observability: ObservabilityOptions = {}, loggerInstance?: FastifyBaseLogger, dialect: 'sqlite' | 'postgres' = 'sqlite') {
  const s = await testServer(dialect, obsPolicy, { connectors: { flaky }, observability, loggerInstance });
  await s.app.ready();
  const submit = async (key: string, body: Record<string, unknown>) => {
    const r = await s.app.inject({ method: 'POST', url: '/v1/actions', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, payload: JSON.stringify(body) });
    return r.json() as { id: string; status: string };
  };
  return { ...s, submit };
}

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses the Prometheus text exposition format (enough of it for assertions). */
export function parseProm(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)$/.exec(line);
    if (!m) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

/** The value of the one sample with this name and (at least) these labels; undefined if none. */
export function valueOf(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const hits = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  if (hits.length > 1) throw new Error(`${hits.length} samples match ${name} ${JSON.stringify(labels)}`);
  return hits[0]?.value;
}
