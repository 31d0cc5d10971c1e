import { describe, expect, it } from 'vitest';
import { canonicalBody, type AuditInput } from './entry.js';
import { checkBody, checkBodyExactly } from './walk.js';

/*
 * checkBody answers most rows through a shortcut; it must give exactly checkBodyExactly's answer
 * for any body and any columns, including the ones an attacker writes. Bodies and columns are
 * drawn from awkward values, then columns and body bytes are mutated.
 */
const STRINGS = [
  'aud_01J8ZQ6Y3V0000000000000000',
  'act_01J8ZQ6Y3V0000000000000001',
  '',
  'a"b',
  'back\\slash',
  'tab\there',
  'café ☕',
  '\ud83d\ude00',
  'lone \ud800 surrogate',
  '","policyVersion":"',
  '","kind":"action.received',
  'policyVersion',
  '"',
  'x'.repeat(200),
];
const KINDS = ['action.received', 'action.succeeded', 'policy.loaded', 'k"ind', ''];
const NUMBERS = [1, 7, 10, 123456, 0, -1, 1_795_503_398_095, 2 ** 53 - 1, 1.5];
const HASHES = ['0'.repeat(64), 'ab'.repeat(32), 'not "hex"', ''];

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('checkBody', () => {
  it('agrees with checkBodyExactly on intact rows, mutated columns and mutated bodies', () => {
    const r = rng(42);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
    let cases = 0;
    let passed = 0;
    for (let i = 0; i < 3000; i++) {
      const input: AuditInput = {
        id: pick(STRINGS),
        agentId: pick(['bot', 'a"gent', '_system', 'café', '']),
        actionId: r() < 0.3 ? null : pick(STRINGS),
        kind: pick(KINDS),
        ts: pick(NUMBERS),
        policyVersion: pick(['sha256:0123456789abcdef', '', 'p"v', '","prevHash":"', 'x,"id":"y","kind":"z","policyVersion":"']),
        actor: { type: 'agent', id: pick(STRINGS) },
        data: r() < 0.5 ? { text: pick(STRINGS) } : { nested: { agentId: pick(STRINGS), seq: pick(NUMBERS) }, list: [pick(STRINGS)] },
      };
      const seq = pick(NUMBERS);
      const prevHash = pick(HASHES);
      const body = canonicalBody(input, seq, prevHash);
      const columns = { id: input.id, agentId: input.agentId, actionId: input.actionId, kind: input.kind, ts: input.ts, seq, prevHash };
      const variants: (typeof columns & { body: string })[] = [{ ...columns, body }];
      for (let k = 0; k < 6; k++) {
        const v = { ...columns, body };
        switch (Math.floor(r() * 10)) {
          case 0: v.id = pick(STRINGS); break;
          case 1: v.actionId = r() < 0.3 ? null : pick(STRINGS); break;
          case 2: v.kind = pick(KINDS); break;
          case 3: v.ts = pick(NUMBERS); break;
          case 4: v.seq = pick(NUMBERS); break;
          case 5: v.prevHash = pick(HASHES); break;
          case 6: v.agentId = pick(['bot', 'bot2', '_system', 'a"gent']); break;
          case 7:
            // Escapes removed: the body now holds raw quotes and backslashes where columns may too.
            v.body = r() < 0.5 ? body.replaceAll('\\"', '"') : body.replaceAll('\\', '');
            break;
          default: {
            // A changed, inserted or deleted character, anywhere in the body.
            const at = Math.floor(r() * body.length);
            const c = pick(['"', ',', ':', '\\', 'x', '1', '}']);
            const how = Math.floor(r() * 3);
            v.body = body.slice(0, at) + (how === 2 ? '' : c) + body.slice(how === 0 ? at + 1 : at);
          }
        }
        variants.push(v);
      }
      for (const v of variants) {
        const field = `,"agentId":${JSON.stringify(v.agentId)},"data":`;
        const exact = checkBodyExactly(v.body, field, v.seq, v.id, v.actionId, v.ts, v.kind, v.prevHash);
        expect(checkBody(v.body, field, v.seq, v.id, v.actionId, v.ts, v.kind, v.prevHash), JSON.stringify(v)).toBe(exact);
        cases++;
        if (exact === null) passed++;
      }
    }
    // Both outcomes were exercised plenty.
    expect(passed).toBeGreaterThan(2000);
    expect(cases - passed).toBeGreaterThan(5000);
  });
});
