import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AgentState, type SlotState } from './state.js';

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'growth-state-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const slot = (id: string, over: Partial<SlotState> = {}): SlotState => ({
  slotId: id,
  platform: 'x',
  at: 1_780_000_000_000,
  status: 'drafted',
  key: `growth:${id}`,
  actionId: null,
  revisionOf: null,
  draft: { text: 'hello', confidence: 0.5, rationale: 'r', writer: 'offline' },
  revisions: 0,
  attempts: 0,
  history: [],
  code: null,
  reason: null,
  updatedAt: 1,
  ...over,
});

describe('AgentState', () => {
  it('starts empty, persists every put, and reloads the same slots after a restart', () => {
    const file = join(tmp(), 'nested', 'state.json');
    const s = AgentState.load(file);
    expect(s.all()).toEqual([]);
    s.put(slot('b', { at: 2 }));
    s.put(slot('a', { at: 1, status: 'awaiting_approval', actionId: 'act_1', history: [{ actionId: 'act_1', status: 'awaiting_approval', code: 'approval_required' }] }));
    const again = AgentState.load(file);
    expect(again.all().map((x) => x.slotId)).toEqual(['a', 'b']);
    expect(again.get('a')).toMatchObject({ status: 'awaiting_approval', actionId: 'act_1' });
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ version: 1 });
  });

  it('writes atomically: no temp files are left behind, and the file is always whole JSON', () => {
    const dir = tmp();
    const file = join(dir, 'state.json');
    const s = AgentState.load(file);
    for (let i = 0; i < 50; i++) {
      s.put(slot(`s${i}`));
      expect(() => JSON.parse(readFileSync(file, 'utf8'))).not.toThrow();
    }
    expect(readdirSync(dir)).toEqual(['state.json']);
  });

  it('refuses a corrupt or foreign file instead of starting afresh (which would post everything again)', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'bad.json'), '{"version":1,"slots":');
    expect(() => AgentState.load(join(dir, 'bad.json'))).toThrow(expect.objectContaining({ code: 'BRIDLE_E_CONFIG', message: expect.stringMatching(/not valid JSON/) }));
    writeFileSync(join(dir, 'other.json'), '{"hello":"world"}');
    expect(() => AgentState.load(join(dir, 'other.json'))).toThrow(/not a growth-agent state/);
  });

  it('refuses to store an invalid slot', () => {
    const s = AgentState.load(join(tmp(), 'state.json'));
    expect(() => s.put(slot('x', { status: 'nonsense' as never }))).toThrow();
    expect(s.get('x')).toBeUndefined();
  });
});
