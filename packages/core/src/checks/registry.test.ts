import { describe, expect, it } from 'vitest';
import { getCountries } from 'libphonenumber-js/max';
import { checkKinds, checkRegistry, createCheck, loadChecks, type RegisteredCheck } from './registry.js';
import { pii, PHONE_COUNTRIES } from './pii/index.js';
import { secrets } from './secrets/index.js';
import { profanity } from './profanity/index.js';
import { sentiment } from './sentiment/index.js';
import { promptInjection } from './prompt-injection/index.js';
import { codeSecurity, SECURITY_RULES } from './code-security/index.js';
import { codePerf, PERF_RULES } from './code-perf/index.js';
import { SECURITY_RULE_NAMES } from './code-security/ids.js';
import { PERF_RULE_NAMES } from './code-perf/ids.js';

describe('check registry', () => {
  it('holds the same options schema and defaults as each lazily loaded definition', () => {
    const lazy = { pii, secrets, profanity, sentiment, prompt_injection: promptInjection, code_security: codeSecurity, code_perf: codePerf };
    for (const [kind, def] of Object.entries(lazy)) {
      const entry: RegisteredCheck = checkRegistry[kind as keyof typeof lazy];
      expect(entry.options, kind).toBe(def.options);
      expect(entry.defaults, kind).toEqual(def.defaults);
    }
  });

  it('loads an implementation before creating it, and says so when it was not', async () => {
    expect(() => createCheck('pii', {})).toThrow(/before its implementation was loaded/);
    await loadChecks(['pii']);
    const check = createCheck('pii', checkRegistry.pii.options.parse({}));
    const r = await check.run({ agentId: 'a', actionType: 't', params: { text: 'mail me at ann@example.com' } }, new AbortController().signal);
    expect(r.passed).toBe(false);
  });

  it('loads every kind it lists', async () => {
    await loadChecks(checkKinds);
    for (const k of checkKinds) expect(typeof createCheck, k).toBe('function');
  });

  it('keeps the written-out lists in step with the libraries and rules they stand for', () => {
    expect([...PHONE_COUNTRIES].sort()).toEqual([...getCountries()].sort());
    expect(SECURITY_RULE_NAMES).toEqual(SECURITY_RULES.map((r) => ({ id: r.id, family: r.family })));
    expect(PERF_RULE_NAMES).toEqual(PERF_RULES.map((r) => ({ id: r.id, family: r.family })));
  });
});
