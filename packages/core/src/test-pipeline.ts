import { afterEach, beforeEach } from 'vitest';
import { Bridle, type BridleOptions } from './pipeline/engine.js';
import { parsePolicy } from './policy/load.js';
import { testStore, type TestStore } from './test-support.js';

/**
 * A real Bridle on a fresh embedded store for each test of the enclosing describe, from a
 * policy text; closed and removed after each. Read `p.bridle` and `p.t` inside the tests.
 */
export function pipelineFor(policy: string, opts: Omit<Partial<BridleOptions>, 'store' | 'policy'> = {}): { readonly bridle: Bridle; readonly t: TestStore } {
  const h = {} as { bridle: Bridle; t: TestStore };
  beforeEach(async () => {
    h.t = await testStore('sqlite');
    h.bridle = await Bridle.open({ store: h.t.store, policy: parsePolicy(policy), ...opts });
  });
  afterEach(async () => {
    await h.bridle.close();
    await h.t.cleanup();
  });
  return h;
}
