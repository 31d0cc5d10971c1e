import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../json.js';
import { canonicalBody, type AuditInput } from './entry.js';

describe('canonicalBody', () => {
  it('is byte-identical to canonicalising the whole entry, whatever the data holds', () => {
    const inputs: AuditInput[] = [
      { id: 'aud_1', agentId: 'bot', actionId: 'act_1', kind: 'action.received', ts: 1795478110323, policyVersion: 'sha256:abc', actor: { type: 'agent', id: 'bot' }, data: { params: { text: 'Héllo "quoted" \\ ☕ \u2028', z: [1, { b: 2, a: null }], '10': 'x', '9': 'y' } } },
      { id: 'aud_2', agentId: '_system', actionId: null, kind: 'policy.loaded', ts: 0, policyVersion: 'sha256:def', actor: { type: 'system', id: 'bridle' }, data: {} },
      { id: 'aud_3', agentId: 'weird "agent"', actionId: 'a\nb', kind: 'k', ts: -1, policyVersion: '', actor: { type: 'operator', id: 'ö' }, data: { n: 0.1 + 0.2, big: 1e21, neg: -0 } },
    ];
    for (const input of inputs) {
      expect(canonicalBody(input, 42, 'f'.repeat(64))).toBe(canonicalJson({ ...input, v: 1, seq: 42, prevHash: 'f'.repeat(64) }));
    }
  });
});
