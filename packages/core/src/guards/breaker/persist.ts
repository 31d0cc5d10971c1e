import { BridleError, describeError } from '../../errors.js';
import type { Store } from '../../store/open.js';
import type { BreakerTransition } from './index.js';

/** Writes breaker state changes, so a restart (or another instance) keeps an open breaker open. */
export async function persistTransitions(store: Store, transitions: readonly BreakerTransition[]): Promise<void> {
  try {
    for (const t of transitions) {
      const row = { scope: t.scope, state: t.to, reason: t.to === 'closed' ? null : t.reason, opened_at: t.to === 'open' ? t.at : null, updated_at: t.at };
      await store.db
        .insertInto('breakers')
        .values(row)
        .onConflict((oc) => oc.column('scope').doUpdateSet({ state: row.state, reason: row.reason, opened_at: row.opened_at, updated_at: row.updated_at }))
        .execute();
    }
  } catch (e) {
    throw new BridleError('BRIDLE_E_STORE', `Could not record a circuit breaker change: ${describeError(e)}`);
  }
}
