import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, workspace, type Workspace } from './test-cli.js';

describe('bridle scan (built binary)', () => {
  let ws: Workspace;
  beforeAll(() => assertBuilt());
  afterEach(async () => {
    await ws?.cleanup();
  });

  it('writes one result line per input line, flags with spans, and answers a bad line with an error record and exit 1', async () => {
    ws = workspace();
    const input = join(ws.dir, 'in.jsonl');
    writeFileSync(input, ['{"id":"a","text":"A totally risk-free investment"}', '{"id":"b","code":"const x = 1"}', 'not json', '{"id":"d","lang":"en"}', ''].join('\n'));
    const r = await ws.run(['scan', '--check', 'banned_phrases', '--options', '{"banned_phrases":{"list":["risk free"]}}', '--in', input]);
    expect(r.code).toBe(1);
    const out = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(out).toHaveLength(4);
    expect(out[0]).toMatchObject({ id: 'a', flagged: true, category: 'banned_phrase', score: 0, findings: [{ span: { start: 10, end: 19 }, match: 'risk-free', check: 'banned_phrases' }] });
    expect(out[1]).toMatchObject({ id: 'b', flagged: false, category: null, score: 1, findings: [] });
    expect(out[2]).toMatchObject({ id: null, line: 3, error: { code: 'BRIDLE_E_VALIDATION' } });
    expect(out[3].error.message).toMatch(/line 4: needs a "text" or "code" string/);
    expect(r.stderr).toMatch(/scanned 2 records with banned_phrases: 1 flagged, 2 unreadable lines/);
  });

  it('refuses an unknown check or bad options with a stable code and no output', async () => {
    ws = workspace();
    const unknown = await ws.run(['scan', '--check', 'telepathy', '--in', '/dev/null']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^error BRIDLE_E_VALIDATION: Unknown check "telepathy"/);
    const bad = await ws.run(['scan', '--check', 'banned_phrases', '--options', '{"banned_phrases":{"list":[]}}', '--in', '/dev/null']);
    expect(bad.stderr).toMatch(/BRIDLE_E_VALIDATION: Options for banned_phrases: list/);
    const notJson = await ws.run(['scan', '--options', '{oops', '--in', '/dev/null']);
    expect(notJson.stderr).toMatch(/--options must be JSON/);
    expect(unknown.stdout + bad.stdout + notJson.stdout).toBe('');
  });
});
