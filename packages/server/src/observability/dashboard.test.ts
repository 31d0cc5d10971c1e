import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { obsServer } from './test-helpers.js';

interface Panel {
  type: string;
  title: string;
  datasource?: { uid: string };
  targets?: { expr: string }[];
}

const dashboard = JSON.parse(readFileSync(fileURLToPath(new URL('../../../../deploy/grafana/bridle.json', import.meta.url)), 'utf8')) as { panels: Panel[]; templating: { list: { name: string; type: string }[] } };

describe('deploy/grafana/bridle.json', () => {
  let s: Awaited<ReturnType<typeof obsServer>> | undefined;
  afterEach(async () => {
    await s?.close();
  });

  it('charts every bridle_* metric the server exports, through the datasource variable', async () => {
    s = await obsServer({ metrics: { public: true } });
    const names = (await s.app.inject({ method: 'GET', url: '/metrics' })).body.split('\n').filter((l) => l.startsWith('# TYPE bridle_')).map((l) => l.split(' ')[2]!);
    expect(names.length).toBeGreaterThanOrEqual(10);
    const charts = dashboard.panels.filter((p) => p.type !== 'row');
    const exprs = charts.flatMap((p) => (p.targets ?? []).map((t) => t.expr)).join('\n');
    for (const n of names) expect(exprs, n).toContain(n);
    expect(dashboard.templating.list.find((v) => v.name === 'datasource')?.type).toBe('datasource');
    for (const p of charts) expect(p.datasource?.uid, p.title).toBe('${datasource}');
  });
});
