import { describe, it, expect } from 'vitest';
import type { CheckResult } from '../types.js';
import type { JsonObject } from '../../json.js';
import { competitors } from './index.js';

const signal = new AbortController().signal;

function run(raw: unknown, params: JsonObject): CheckResult {
  const check = competitors.create(competitors.options.parse(raw));
  expect(check.sync).toBe(true);
  const result = check.run({ agentId: 'a', actionType: 'social.post', params }, signal);
  if (result instanceof Promise) throw new Error('competitors must be synchronous');
  return result;
}

/** [canonical name, original text] of each finding, in order. */
function found(names: unknown[], text: string): [string, string][] {
  return run({ names }, { text }).findings.map((f) => [f.message, f.match ?? '']);
}

describe('competitors matching', () => {
  it('matches a name ignoring case, accents and punctuation around it, with an exact span', () => {
    const text = "Unlike ACME's new plan, ours is free.";
    const r = run({ names: ['Acme'] }, { text });
    expect(r).toMatchObject({ passed: false, score: 0, reason: 'mentions competitor "Acme"', category: 'competitor' });
    expect(r.findings).toEqual([{ message: 'competitor "Acme"', field: 'text', span: { start: 7, end: 11 }, match: 'ACME' }]);
    expect(found(['Acme'], 'Ácme, a.c.m.e and #acme')).toEqual([
      ['competitor "Acme"', 'Ácme'],
      ['competitor "Acme"', 'a.c.m.e'],
      ['competitor "Acme"', 'acme'],
    ]);
  });

  it('matches only whole words', () => {
    expect(found(['Acme'], 'acmeology and Acmes and subacme')).toEqual([]);
    expect(found(['Go'], 'going to Gorham')).toEqual([]);
    expect(run({ names: ['Acme'] }, { text: 'A fair offer.' })).toEqual({ passed: true, score: 1, reason: 'no competitors mentioned', findings: [] });
  });

  it('names the competitor whichever alias matched, in reading order', () => {
    const names = [{ name: 'Globex', aliases: ['Globex Corp', 'GBX'] }, 'Initech'];
    const text = 'Initech, gbx and GLOBEX CORP.';
    const r = run({ names }, { text });
    expect(r.findings.map((f) => [f.message, f.span, f.match])).toEqual([
      ['competitor "Initech"', { start: 0, end: 7 }, 'Initech'],
      ['competitor "Globex"', { start: 9, end: 12 }, 'gbx'],
      ['competitor "Globex"', { start: 17, end: 28 }, 'GLOBEX CORP'],
    ]);
    expect(r.reason).toBe('mentions competitors "Initech", "Globex"');
  });

  it('reports the longest name once rather than a shorter name inside it', () => {
    expect(found(['Acme', 'Acme Labs'], 'Acme Labs and Acme')).toEqual([
      ['competitor "Acme Labs"', 'Acme Labs'],
      ['competitor "Acme"', 'Acme'],
    ]);
  });

  it('searches only the named string fields', () => {
    const r = run({ names: ['Acme'], fields: ['title', 'body', 'n'] }, { title: 'vs Acme', text: 'Acme', body: 'x', n: 1 });
    expect(r.findings.map((f) => [f.field, f.span])).toEqual([['title', { start: 3, end: 7 }]]);
  });
});

describe('competitors options', () => {
  it('has defaults', () => {
    expect(competitors.options.parse({ names: ['Acme', { name: 'Globex' }] })).toEqual({
      names: ['Acme', { name: 'Globex', aliases: [] }],
      fields: ['text'],
    });
  });

  it('rejects an empty list, blank names, unknown keys and one spelling for two competitors', () => {
    expect(competitors.options.safeParse({ names: [] }).error?.issues[0]?.message).toBe('names needs at least one competitor');
    expect(competitors.options.safeParse({ names: ['Acme', ' - '] }).success).toBe(false);
    expect(competitors.options.safeParse({ names: [{ name: 'Acme', aliases: [''] }] }).success).toBe(false);
    expect(competitors.options.safeParse({ names: [{ name: 'Acme', alias: ['x'] }] }).success).toBe(false);
    expect(competitors.options.safeParse({ names: ['Acme'], on_fail: 'block' }).success).toBe(false);
    const clash = competitors.options.safeParse({ names: ['Acme', { name: 'Globex', aliases: ['ACME'] }] });
    expect(clash.error?.issues[0]).toMatchObject({ path: ['names', 1], message: '"ACME" already names competitor "Acme"' });
    expect(competitors.options.safeParse({ names: ['Acme', 'acme'] }).success).toBe(true);
  });
});
