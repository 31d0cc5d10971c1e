import { describe, expect, it } from 'vitest';
import { pipelineFor } from '../test-pipeline.js';
import { parsePolicy } from '../policy/load.js';

// Every content check configured from bridle.yaml, each with the on-fail a real policy would use.
const policy = `
agents:
  bot: { mode: auto }
actions:
  social.post:
    checks:
      - max_length: {}
      - pii: { on_fail: redact }
      - secrets: { on_fail: redact }
      - profanity: {}
      - competitors: { names: [{ name: Globex, aliases: [Globex Corp] }], on_fail: require_approval }
      - url_allowlist: { allow: [acme.coffee, "*.acme.coffee"] }
      - regex: { patterns: [{ pattern: "\\\\bguarantee[sd]?\\\\b", flags: i, name: GUARANTEE }], on_fail: retry_with_feedback }
      - sentiment: { min_score: -0.5, on_fail: warn }
  refund:
    checks:
      - json_schema:
          schema:
            type: object
            required: [order_id, amount_usd]
            properties:
              order_id: { type: string }
              amount_usd: { type: number, maximum: 500 }
            additionalProperties: false
`;

describe('content checks through the pipeline', () => {
  const p = pipelineFor(policy);
  const post = (text: string) => p.bridle.submit({ agentId: 'bot', type: 'social.post', params: { platform: 'x', text } });

  it('passes a clean post and publishes it', async () => {
    const a = await post('New beans at https://shop.acme.coffee/new — come taste them!');
    expect(a.status).toBe('succeeded');
    expect(a.decision?.checks.map((c) => c.name)).toEqual(['max_length', 'pii', 'secrets', 'profanity', 'competitors', 'url_allowlist', 'regex', 'sentiment']);
  });

  it('redacts PII and publishes the redacted post', async () => {
    const a = await post('Questions? Mail jane.doe@example.com or call (415) 555-0132.');
    expect(a.status).toBe('succeeded');
    expect(a.params.text).toBe('Questions? Mail [EMAIL] or call [PHONE].');
    expect(a.decision?.redactions?.[0]?.check).toBe('pii');
  });

  it('redacts a leaked credential before anything is stored or published', async () => {
    const key = 'AKIA' + 'QWERTYUIOPASDFGH';
    const a = await post(`Deploy note: use ${key} for the bucket`);
    expect(a.status).toBe('succeeded');
    expect(a.params.text).toBe('Deploy note: use [SECRET] for the bucket');
    const stored = (await p.t.store.db.selectFrom('audit').select('body').execute()).map((r) => r.body).join('') + JSON.stringify(await p.t.store.db.selectFrom('outbox').selectAll().execute());
    expect(stored).not.toContain(key);
  });

  it('blocks profanity and links off the allowlist; sends competitor mentions to a human', async () => {
    expect((await post('This is some bullshit')).decision).toMatchObject({ code: 'check_failed' });
    const link = await post('Cheaper at https://evil.example/deal');
    expect(link.decision?.code).toBe('check_failed');
    expect(link.decision?.reason).toMatch(/url_allowlist/);
    const comp = await post('Better than Globex Corp, honestly.');
    expect(comp.status).toBe('awaiting_approval');
    expect(comp.decision?.reason).toMatch(/competitors/);
  });

  it('sends a promise back to the agent, and records a hostile tone as a warning only', async () => {
    const g = await post('We guarantee you will love it');
    expect(g.decision?.code).toBe('needs_revision');
    expect(g.decision?.feedback?.findings[0]?.check).toBe('regex');
    const hostile = await post('Our rivals are awful, terrible, horrible people.');
    expect(hostile.status).toBe('succeeded');
    expect(hostile.decision?.checks.find((c) => c.name === 'sentiment')?.passed).toBe(false);
  });

  it('validates tool parameters against a JSON schema', async () => {
    const ok = await p.bridle.submit({ agentId: 'bot', type: 'refund', params: { order_id: 'o-1', amount_usd: 20 } });
    expect(ok.status).toBe('succeeded');
    const bad = await p.bridle.submit({ agentId: 'bot', type: 'refund', params: { order_id: 'o-2', amount_usd: 10_000, note: 'x' } });
    expect(bad.decision?.code).toBe('check_failed');
    expect(bad.decision?.checks[0]?.findings.map((f) => f.message)).toEqual(expect.arrayContaining([expect.stringMatching(/amount_usd must be <= 500/), expect.stringMatching(/note is not allowed/)]));
  });

  it('rejects bad check options at policy load with the option path', () => {
    expect(() => parsePolicy(policy.replace('allow: [acme.coffee, "*.acme.coffee"]', 'allow: 5'))).toThrow(/url_allowlist\.allow/);
    expect(() => parsePolicy(policy.replace('names: [{ name: Globex, aliases: [Globex Corp] }]', 'names: []'))).toThrow(/competitors\.names/);
    expect(() => parsePolicy(policy.replace('pattern: "\\\\bguarantee[sd]?\\\\b"', 'pattern: "(unclosed"'))).toThrow(/regex\.patterns\.0/);
  });
});
