import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BridleError } from '../errors.js';
import { basePolicy } from '../test-support.js';
import { loadPolicyFile, parsePolicy, type LoadOptions, type PolicyIssue } from './load.js';

/** The 1-based line and column where `needle` first occurs (after `after`, when given). */
function at(text: string, needle: string, after = ''): { line: number; column: number } {
  const from = after ? text.indexOf(after) : 0;
  if (from < 0) throw new Error(`marker ${after} not in text`);
  const i = text.indexOf(needle, from);
  if (i < 0) throw new Error(`${needle} not in text`);
  const before = text.slice(0, i).split('\n');
  return { line: before.length, column: before[before.length - 1]!.length + 1 };
}

function invalid(text: string, opts: LoadOptions = {}): { error: BridleError; issues: PolicyIssue[] } {
  let thrown: unknown;
  try {
    parsePolicy(text, opts);
  } catch (e) {
    thrown = e;
  }
  expect(thrown, 'expected the policy to be rejected').toBeInstanceOf(BridleError);
  const error = thrown as BridleError;
  expect(error.code).toBe('BRIDLE_E_POLICY_INVALID');
  const issues = error.details?.issues as PolicyIssue[];
  expect(Array.isArray(issues)).toBe(true);
  expect(issues.length).toBeGreaterThan(0);
  return { error, issues };
}

/** The single issue at `path` (failing if there is none or several). */
function issueAt(issues: PolicyIssue[], path: string): PolicyIssue {
  const found = issues.filter((i) => i.path === path);
  expect(found.map((i) => i.path), `issues: ${JSON.stringify(issues)}`).toEqual([path]);
  return found[0]!;
}

describe('parsePolicy: version', () => {
  const v = (text: string) => parsePolicy(text).version;

  it('returns the parsed document, the text and a sha256 version, the same on every parse', () => {
    const p = parsePolicy(basePolicy, { file: 'policies/bridle.yaml' });
    expect(p.version).toMatch(/^sha256:[0-9a-f]{16}$/);
    expect(p.file).toBe('policies/bridle.yaml');
    expect(p.text).toBe(basePolicy);
    expect(p.document.agents.bot!.budget!.daily_usd).toBe(1);
    expect(p.document.agents.drafty!.mode).toBe('draft');
    expect(p.document.actions['social.post']!.checks.map((c) => c.kind)).toEqual(['max_length', 'banned_phrases']);
    // Defaults are applied.
    expect(p.document.actions.refund!.connector).toBe('outbox');
    expect(p.document.defaults).toEqual({ check_timeout_ms: 250, max_retries: 2, on_error: 'deny' });
    expect(parsePolicy(basePolicy).version).toBe(p.version);
    // The file name is not part of what the policy means.
    expect(parsePolicy(basePolicy, { file: 'other.yaml' }).version).toBe(p.version);
  });

  it('is the same for reordered keys, flow vs block style, comments, quoting and spelt-out defaults', () => {
    const equivalent = `
# same meaning, written differently
actions:
  refund: { estimate_usd: 0.10, approval: "always", connector: outbox }
  "social.post":
    checks:
      - max_length: {}
      - banned_phrases:
          list:
            - guaranteed returns
    estimate_usd: 1.0e-2
    modes: [execute, authorize]
agents:
  drafty: {}          # mode defaults to draft
  bot:
    rate: { per_minute: 1000 }
    budget:
      daily_usd: 1.0
    mode: 'auto'
version: 1
defaults: { on_error: deny, check_timeout_ms: 250 }
`;
    expect(v(equivalent)).toBe(v(basePolicy));
  });

  it('changes when any value changes', () => {
    const base = v(basePolicy);
    const variants = [
      basePolicy.replace('daily_usd: 1 }', 'daily_usd: 2 }'),
      basePolicy.replace('daily_usd: 1 }', 'daily_usd: 1.000001 }'),
      basePolicy.replace('mode: auto', 'mode: draft'),
      basePolicy.replace('guaranteed returns', 'guaranteed return'),
      basePolicy.replace('per_minute: 1000', 'per_minute: 999'),
      basePolicy.replace('approval: always', 'approval: never'),
      basePolicy.replace('  drafty:\n    mode: draft\n', '  drafty:\n    mode: draft\n  third: {}\n'),
    ];
    const versions = variants.map((t) => {
      expect(t).not.toBe(basePolicy);
      return v(t);
    });
    for (const ver of versions) expect(ver).not.toBe(base);
    expect(new Set(versions).size).toBe(versions.length);
  });
});

describe('parsePolicy: errors name file, line, column, path and a hint', () => {
  it('wrong type: daily_usd: "ten"', () => {
    const text = `agents:\n  bot:\n    budget:\n      daily_usd: "ten"\nactions: {}\n`;
    const { error, issues } = invalid(text, { file: 'conf/bridle.yaml' });
    const i = issueAt(issues, 'agents.bot.budget.daily_usd');
    expect(i).toMatchObject({ file: 'conf/bridle.yaml', line: 4, column: 18, hint: 'expected number' });
    expect(at(text, '"ten"')).toEqual({ line: 4, column: 18 });
    expect(error.message).toContain('conf/bridle.yaml:4:18 agents.bot.budget.daily_usd:');
    expect(error.status).toBe(400);
  });

  it('negative cap', () => {
    const text = `agents:\n  bot:\n    budget: { daily_usd: -5 }\nactions: {}\n`;
    const i = issueAt(invalid(text).issues, 'agents.bot.budget.daily_usd');
    expect(i).toMatchObject({ file: 'bridle.yaml', ...at(text, '-5') });
    expect(i.line).toBe(3);
    expect(i.column).toBe(26);
    expect(i.message).toMatch(/>=\s*0/);
  });

  it('unknown top-level key, with a "did you mean" hint', () => {
    const text = `actions: {}\nagent:\n  bot: {}\n`;
    const { issues } = invalid(text);
    const i = issueAt(issues, 'agent');
    expect(i).toMatchObject({ line: 2, column: 1, message: 'unknown field "agent"', hint: 'did you mean "agents"?' });
    // …and the missing `agents` is reported too.
    expect(issues.some((x) => x.path === 'agents')).toBe(true);
  });

  it('unknown top-level key with nothing close gets a pointer to the docs, not a wild guess', () => {
    const text = `agents: {}\nactions: {}\nzzzzzz: 1\n`;
    const i = issueAt(invalid(text).issues, 'zzzzzz');
    expect(i).toMatchObject({ line: 3, column: 1 });
    expect(i.hint).not.toMatch(/did you mean/);
    expect(i.hint).toMatch(/docs\/configuration\.md/);
  });

  it('unknown key inside an agent points at the key', () => {
    const text = `agents:\n  bot:\n    mode: auto\n    budgett: { daily_usd: 1 }\nactions: {}\n`;
    const i = issueAt(invalid(text).issues, 'agents.bot.budgett');
    expect(i).toMatchObject({ line: 4, column: 5, message: 'unknown field "budgett"' });
    expect(i.hint).toBeTruthy();
  });

  it('several unknown keys are each reported at their own position', () => {
    const text = `agents:\n  bot:\n    colour: red\n    size: 3\nactions: {}\n`;
    const { issues } = invalid(text);
    expect(issueAt(issues, 'agents.bot.colour')).toMatchObject(at(text, 'colour'));
    expect(issueAt(issues, 'agents.bot.size')).toMatchObject(at(text, 'size'));
  });

  it('unknown check kind, with a suggestion', () => {
    const text = `agents: {}\nactions:\n  social.post:\n    checks:\n      - max_length: {}\n      - max_lenght: {}\n`;
    const i = issueAt(invalid(text).issues, 'actions.social.post.checks.1.max_lenght');
    expect(i.line).toBe(6);
    expect(i.message).toMatch(/unknown check "max_lenght"; did you mean "max_length"\?/);
    expect(i.message).toMatch(/known: max_length, banned_phrases/);
  });

  // Regression: the issue path ends in the kind, which is a key, and used to resolve to its value
  // (`{}`, 6:21) instead of the misspelt key (6:9).
  it('unknown check kind points at the misspelt kind itself', () => {
    const text = `agents: {}\nactions:\n  social.post:\n    checks:\n      - max_length: {}\n      - max_lenght: {}\n`;
    const i = issueAt(invalid(text).issues, 'actions.social.post.checks.1.max_lenght');
    expect({ line: i.line, column: i.column }).toEqual(at(text, 'max_lenght'));
  });

  it('bad check option: banned_phrases with an empty list', () => {
    const text = `agents: {}\nactions:\n  social.post:\n    checks:\n      - banned_phrases: { list: [] }\n`;
    const i = issueAt(invalid(text).issues, 'actions.social.post.checks.0.banned_phrases.list');
    expect(i).toMatchObject({ line: 5, column: 33, message: 'list needs at least one phrase' });
    expect(at(text, '[]')).toEqual({ line: 5, column: 33 });
  });

  it('bad common check option (on_fail) lists allowed values', () => {
    const text = `agents: {}\nactions:\n  social.post:\n    checks:\n      - banned_phrases:\n          list: [x]\n          on_fail: nope\n`;
    const i = issueAt(invalid(text).issues, 'actions.social.post.checks.0.banned_phrases.on_fail');
    expect(i).toMatchObject({ ...at(text, 'nope'), hint: 'allowed values: block, require_approval, redact, retry_with_feedback, warn' });
  });

  it('more than 6 decimals in a USD amount', () => {
    const text = `agents: {}\nactions:\n  refund:\n    estimate_usd: 0.0000001\n`;
    const i = issueAt(invalid(text).issues, 'actions.refund.estimate_usd');
    expect(i).toMatchObject({ line: 4, column: 19 });
    expect(i.message).toMatch(/at most 6 decimal places/);
    // Exactly 6 is fine.
    expect(parsePolicy(text.replace('0.0000001', '0.000001')).document.actions.refund!.estimate_usd).toBe(0.000001);
    expect(parsePolicy(`agents:\n  bot: { budget: { daily_usd: 1234.567891 } }\nactions: {}\n`).document.agents.bot!.budget!.daily_usd).toBe(1234.567891);
  });

  // Regression: an absolute tolerance on n·1e6 is below its float error once n ≥ 2^14, so amounts
  // such as 16384.01 were rejected as having more than 6 decimals.
  it('accepts a large USD amount with at most 6 decimals', () => {
    for (const amount of ['16384.01', '50000.25', '68509.513877']) {
      expect(parsePolicy(`agents:\n  bot: { budget: { daily_usd: ${amount} } }\nactions: {}\n`).document.agents.bot!.budget!.daily_usd).toBe(Number(amount));
    }
    // …while a seventh decimal is still refused at that size.
    const seventh = invalid(`agents:\n  bot: { budget: { daily_usd: 16384.0000001 } }\nactions: {}\n`).issues;
    expect(issueAt(seventh, 'agents.bot.budget.daily_usd').message).toMatch(/at most 6 decimal places/);
  });

  it('YAML syntax error', () => {
    const text = `agents:\n  bot:\n    mode: auto\n   rate: 1\nactions: {}\n`;
    const { issues } = invalid(text);
    expect(issues[0]).toMatchObject({ file: 'bridle.yaml', line: 4, column: 1, path: '' });
    expect(issues[0]!.message).toMatch(/^YAML syntax: /);
    // An unclosed flow mapping is reported where the parser gives up, not at line 1.
    const unclosed = invalid(`agents:\n  bot: { mode: auto\nactions: {}\n`).issues[0]!;
    expect(unclosed.message).toMatch(/^YAML syntax: .*\}/);
    expect(unclosed.line).toBeGreaterThanOrEqual(2);
  });

  it('duplicate key is reported at the second occurrence', () => {
    const text = `agents:\n  bot: {}\n  drafty: {}\n  bot: { mode: auto }\nactions: {}\n`;
    const { issues } = invalid(text);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ line: 4, column: 3 });
    expect(issues[0]!.message).toMatch(/YAML syntax: .*unique/);
  });

  it('unknown connector, only when the known connectors are passed', () => {
    const text = `agents: {}\nactions:\n  social.post:\n    connector: outbx\n  refund:\n    connector: teleport\n`;
    expect(parsePolicy(text).document.actions['social.post']!.connector).toBe('outbx');
    const { issues } = invalid(text, { connectors: ['outbox', 'slack'] });
    expect(issueAt(issues, 'actions.social.post.connector')).toMatchObject({ line: 4, column: 16, message: 'unknown connector "outbx"', hint: 'did you mean "outbox"?' });
    expect(issueAt(issues, 'actions.refund.connector')).toMatchObject({ ...at(text, 'teleport'), hint: 'known connectors: outbox, slack (define more under connectors:)' });
    // The default connector is checked too; it is located at the action that relies on it.
    const dflt = invalid(`agents: {}\nactions:\n  refund: {}\n`, { connectors: ['slack'] }).issues;
    expect(issueAt(dflt, 'actions.refund.connector').line).toBe(3);
  });

  it('bad enum lists the allowed values', () => {
    const text = `agents:\n  bot:\n    mode: yolo\nactions: {}\n`;
    const i = issueAt(invalid(text).issues, 'agents.bot.mode');
    expect(i).toMatchObject({ line: 3, column: 11, hint: 'allowed values: draft, auto' });
    expect(i.message).toMatch(/draft.*auto/);
  });

  it('reports every problem at once, not just the first', () => {
    const text = `agents:\n  bot:\n    mode: yolo\n    rate: { per_minute: 0 }\nactions:\n  refund:\n    estimate_usd: -1\n`;
    const paths = invalid(text).issues.map((i) => i.path).sort();
    expect(paths).toEqual(['actions.refund.estimate_usd', 'agents.bot.mode', 'agents.bot.rate.per_minute']);
  });

  it('an empty file is invalid (agents and actions are required), not a crash', () => {
    const paths = invalid('').issues.map((i) => i.path).sort();
    expect(paths).toEqual(['actions', 'agents']);
  });
});

describe('loadPolicyFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bridle-policy-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a missing file is BRIDLE_E_POLICY_NOT_FOUND naming the path', () => {
    const path = join(dir, 'nope.yaml');
    let thrown: unknown;
    try {
      loadPolicyFile(path);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(BridleError);
    expect((thrown as BridleError).code).toBe('BRIDLE_E_POLICY_NOT_FOUND');
    expect((thrown as BridleError).details).toEqual({ file: path });
    expect((thrown as BridleError).message).toContain('ENOENT');
  });

  it('loads a file, and names the file in every issue', () => {
    const good = join(dir, 'good.yaml');
    writeFileSync(good, basePolicy);
    const p = loadPolicyFile(good);
    expect(p.file).toBe(good);
    expect(p.version).toBe(parsePolicy(basePolicy).version);

    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, `agents:\n  bot:\n    mode: yolo\nactions: {}\n`);
    let thrown: unknown;
    try {
      loadPolicyFile(bad, { connectors: ['outbox'] });
    } catch (e) {
      thrown = e;
    }
    expect((thrown as BridleError).code).toBe('BRIDLE_E_POLICY_INVALID');
    const issues = (thrown as BridleError).details!.issues as PolicyIssue[];
    expect(issues.map((i) => i.file)).toEqual([bad]);
    expect((thrown as BridleError).message).toContain(`${bad}:3:11`);
  });
});
