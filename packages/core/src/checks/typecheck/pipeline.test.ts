import { describe, expect, it } from 'vitest';
import { pipelineFor } from '../../test-pipeline.js';
import { parsePolicy } from '../../policy/load.js';
import { scanChecks, scanOne } from '../scan.js';

const policy = `
agents:
  coder: { mode: auto }
actions:
  deploy.code:
    checks:
      - typecheck:
          ambient: |
            declare module 'bridle:kv' {
              export function put(key: string, value: string, ttlSeconds?: number): Promise<void>;
            }
          on_fail: retry_with_feedback
`;

describe('typecheck through the pipeline', () => {
  const p = pipelineFor(policy);
  const deploy = (code: string, revisionOf?: string) =>
    p.bridle.submit({ agentId: 'coder', type: 'deploy.code', params: { lang: 'typescript', code }, ...(revisionOf ? { revisionOf } : {}) });

  it('sends type errors back to the agent, then accepts the fixed code', async () => {
    const bad = "import { put } from 'bridle:kv';\nawait put('greeting', 42);\n";
    const first = await deploy(bad);
    expect(first.decision?.code).toBe('needs_revision');
    const feedback = first.decision?.feedback?.findings[0];
    expect(feedback).toMatchObject({ check: 'typecheck', reason: '1 TypeScript type error: TS2345' });
    expect(feedback?.findings).toEqual([
      { message: "TS2345 at 2:23: Argument of type 'number' is not assignable to parameter of type 'string'.", field: 'code', category: 'type_error', span: { start: bad.indexOf('42'), end: bad.indexOf('42') + 2 }, match: '42' },
    ]);
    const fixed = await deploy(bad.replace('42', "'hello', 60"), first.id);
    expect(fixed.status).toBe('succeeded');
    expect(fixed.decision?.checks.find((c) => c.name === 'typecheck')).toMatchObject({ passed: true, reason: 'no type errors' });
  });

  it('rejects a bad typecheck option at policy load with its path', () => {
    expect(() => parsePolicy(policy.replace('on_fail: retry_with_feedback', 'lib: [dom]\n          on_fail: retry_with_feedback'))).toThrow(/typecheck\.lib/);
    expect(() => parsePolicy(policy.replace('ttlSeconds?: number)', 'ttlSeconds?: )'))).toThrow(/typecheck\.ambient/);
  });
});

describe('typecheck in bridle scan', () => {
  it('is among the default scan checks and passes text and non-TypeScript code without checking it', async () => {
    const checks = await scanChecks(undefined);
    expect(checks.map((c) => c.name)).toContain('typecheck');
    const only = checks.filter((c) => c.name === 'typecheck');
    for (const rec of [{ id: 1, text: 'const x: number = "a"' }, { id: 2, code: 'x: int = "a"', lang: 'python' }]) {
      expect(await scanOne(rec, only)).toMatchObject({ flagged: false, score: 1, findings: [] });
    }
    const ts = await scanOne({ id: 3, code: 'const x: number = "a";', lang: 'ts' }, only);
    expect(ts).toMatchObject({ flagged: true, category: 'type_error', findings: [{ check: 'typecheck', span: { start: 6, end: 7 } }] });
  });
});
