import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

// The heap settings Bridle's server is measured with (bench/lib.js) must be the ones `npm start`
// runs and docs/configuration.md recommends; otherwise the benchmark's memory figures describe a
// server nobody runs.
const root = new URL('../../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');

function benchFlags(): string[] {
  const m = /export const SERVER_NODE_FLAGS = \[([^\]]*)\]/.exec(read('bench/lib.js'));
  expect(m, 'bench/lib.js declares SERVER_NODE_FLAGS').not.toBeNull();
  return [...m![1]!.matchAll(/'([^']+)'/g)].map((x) => x[1]!);
}

describe('the server heap settings', () => {
  it('are V8 heap limits Node accepts in NODE_OPTIONS', () => {
    const flags = benchFlags();
    expect(flags.map((f) => f.split('=')[0]).sort()).toEqual(['--max-old-space-size', '--max-semi-space-size']);
    for (const f of flags) expect(f).toMatch(/^--[a-z-]+=\d+$/);
  });

  it('are what `npm start` runs the demo with', () => {
    const start = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts.start!;
    expect(start).toBe(`node ${benchFlags().join(' ')} packages/cli/bin/bridle.js demo`);
  });

  it('are what the configuration reference recommends', () => {
    expect(read('docs/configuration.md')).toContain(`NODE_OPTIONS="${benchFlags().join(' ')}" npx bridle start`);
  });
});
