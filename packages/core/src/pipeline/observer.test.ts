import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Bridle } from './engine.js';
import { parsePolicy } from '../policy/load.js';
import { basePolicy, testStore, type TestStore } from '../test-support.js';
import type { PipelineObserver } from './context.js';

describe('pipeline observer', () => {
  let t: TestStore;
  let bridle: Bridle | undefined;
  beforeEach(async () => {
    t = await testStore('sqlite');
  });
  afterEach(async () => {
    await bridle?.close();
    await t.cleanup();
  });

  it('sees each phase start and end (with its halt) and each transition, in order; removed, it sees nothing', async () => {
    const seen: string[] = [];
    const observer: PipelineObserver = {
      phase: (phase, ctx) => {
        seen.push(`start ${phase} ${ctx.record.id}`);
        return (halt, error) => seen.push(`end ${phase}${halt ? ` ${halt.code}` : ''}${error ? ' error' : ''}`);
      },
      transition: (rec, from, to) => seen.push(`${rec.id} ${from}→${to}`),
    };
    bridle = await Bridle.open({ store: t.store, policy: parsePolicy(basePolicy), observer });
    const ok = await bridle.submit({ agentId: 'bot', type: 'social.post', params: { platform: 'x', text: 'hello' } });
    expect(seen).toEqual([
      `start admit ${ok.id}`, 'end admit', `start verify ${ok.id}`, 'end verify', `start guard ${ok.id}`, 'end guard', `start approve ${ok.id}`, 'end approve',
      `${ok.id} received→allowed`, `${ok.id} allowed→executing`,
      `start execute ${ok.id}`, 'end execute', `start settle ${ok.id}`, 'end settle', `${ok.id} executing→succeeded`,
    ]);
    seen.length = 0;
    const no = await bridle.submit({ agentId: 'bot', type: 'social.post', params: { platform: 'x', text: 'guaranteed returns' } });
    expect(seen).toEqual([`start admit ${no.id}`, 'end admit', `start verify ${no.id}`, 'end verify check_failed', `${no.id} received→blocked`]);
    seen.length = 0;
    bridle.observe(undefined);
    await bridle.submit({ agentId: 'bot', type: 'social.post', params: { platform: 'x', text: 'again' } });
    expect(seen).toEqual([]);
  });
});
