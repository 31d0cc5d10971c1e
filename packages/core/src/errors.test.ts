import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BridleError, ERROR_CODES } from './errors.js';

describe('error codes', () => {
  const doc = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');

  it.each(Object.entries(ERROR_CODES))('%s is documented in docs/errors.md with its HTTP status', (code, status) => {
    const row = doc.split('\n').find((l) => l.startsWith(`| \`${code}\` |`));
    expect(row, `${code} missing from docs/errors.md`).toBeDefined();
    expect(row!.split('|')[2]!.trim()).toBe(String(status));
  });

  it('serialises to the wire shape without a stack', () => {
    const e = new BridleError('BRIDLE_E_UNKNOWN_AGENT', 'No agent named "x"', { agentId: 'x' });
    expect(JSON.parse(JSON.stringify(e))).toEqual({ code: 'BRIDLE_E_UNKNOWN_AGENT', message: 'No agent named "x"', details: { agentId: 'x' } });
    expect(e.status).toBe(404);
  });
});
