// Latency of code_security + code_perf together on ~100-line files (the target is p50 ≤ 10 ms).
// A benchmark, not a test: run `npx vitest bench --run packages/core/src/checks/code`.
// The files are whole rows of the repo's labelled sets (evals/), joined until 100 lines.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, bench, describe } from 'vitest';
import { codePerf } from '../code-perf/index.js';
import { codeSecurity } from '../code-security/index.js';
import type { CheckInput } from '../types.js';

const root = join(import.meta.dirname, '../../../../..');
const rows = readFileSync(join(root, 'evals/insecure-code-bridle.jsonl'), 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((l) => JSON.parse(l) as { code: string; lang: string });

function hundredLines(lang: string): string {
  const out: string[] = [];
  for (const r of rows) {
    if (r.lang !== lang || out.length >= 100) continue;
    out.push(...r.code.split('\n'));
  }
  return out.join('\n');
}

const security = codeSecurity.create(codeSecurity.options.parse({}));
const perf = codePerf.create(codePerf.options.parse({}));
const signal = new AbortController().signal;
const times = new Map<string, number[]>();

for (const lang of ['javascript', 'typescript', 'python']) {
  const code = hundredLines(lang);
  const input: CheckInput = { agentId: 'bench', actionType: 'code', params: { code, lang } };
  describe(`${lang}, ${code.split('\n').length} lines`, () => {
    bench('code_security + code_perf', () => {
      const t = performance.now();
      security.run(input, signal);
      perf.run(input, signal);
      const list = times.get(lang) ?? [];
      list.push(performance.now() - t);
      times.set(lang, list);
    });
  });
}

afterAll(() => {
  for (const [lang, list] of times) {
    const sorted = [...list].sort((a, b) => a - b);
    const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!.toFixed(2);
    console.log(`${lang}: p50 ${q(0.5)} ms, p90 ${q(0.9)} ms, p99 ${q(0.99)} ms over ${sorted.length} runs`);
  }
});
