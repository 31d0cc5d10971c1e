import { describe, expect, it } from 'vitest';
import type { CompiledCheck } from '../policy/compile.js';
import { runChecks } from './run-checks.js';

const input = { agentId: 'a', actionType: 't', params: { text: 'hi' } };
const check = (run: CompiledCheck['check']['run'], over: Partial<CompiledCheck> = {}): CompiledCheck => ({ name: 'c', check: { name: 'c', run }, onFail: 'block', onError: 'deny', timeoutMs: 50, ...over });

// Invariant 1: a check that throws or times out denies, unless that check says on_error: allow.
describe('runChecks fails closed', () => {
  it('a throwing check fails with the error recorded', async () => {
    const [r] = await runChecks([check(() => { throw new Error('model down'); })], input);
    expect(r).toMatchObject({ passed: false, score: 0, error: 'model down' });
  });

  it('a rejected promise fails, and a hung check times out and fails', async () => {
    const [rejected, hung] = await runChecks([check(async () => { throw new Error('503'); }), check(() => new Promise(() => {}), { timeoutMs: 30 })], input);
    expect(rejected).toMatchObject({ passed: false, error: '503' });
    expect(hung).toMatchObject({ passed: false, error: 'timed out after 30 ms' });
  });

  it('a check that returns nothing usable fails', async () => {
    const [r] = await runChecks([check(() => undefined as never)], input);
    expect(r).toMatchObject({ passed: false, error: 'returned no result' });
  });

  it('on_error: allow lets that one check through, still recording why', async () => {
    const [r] = await runChecks([check(() => { throw new Error('flaky'); }, { onError: 'allow' })], input);
    expect(r).toMatchObject({ passed: true, error: 'flaky' });
  });

  it('on_error: require_approval sends the failure to a human whatever on_fail says', async () => {
    const [r] = await runChecks([check(() => { throw new Error('judge down'); }, { onError: 'require_approval', onFail: 'warn' })], input);
    expect(r).toMatchObject({ passed: false, onFail: 'require_approval', error: 'judge down' });
  });

  it('the timed-out check is aborted through its signal', async () => {
    let aborted = false;
    await runChecks([check((_i, signal) => new Promise(() => signal.addEventListener('abort', () => (aborted = true))), { timeoutMs: 20 })], input);
    expect(aborted).toBe(true);
  });
});
