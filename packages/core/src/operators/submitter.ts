import type { Actor } from '../audit/entry.js';
import { BridleError } from '../errors.js';
import type { Store } from '../store/open.js';

/** Who submitted an action, as recorded on its `action.received` audit entry; null if unknown. */
export async function actionSubmitter(store: Store, actionId: string): Promise<Actor | null> {
  const row = await store.db.selectFrom('audit').select('body').where('action_id', '=', actionId).where('kind', '=', 'action.received').executeTakeFirst();
  if (!row) return null;
  const actor = (JSON.parse(row.body) as { actor?: Actor }).actor;
  return actor && typeof actor.id === 'string' ? actor : null;
}

/**
 * Refuses an approval by whoever submitted the action (invariant 5). Compared by id alone, on
 * purpose: an operator who shares a name with the submitting agent is refused too, failing closed.
 */
export async function assertNotSubmitter(store: Store, actionId: string, approver: string): Promise<void> {
  const by = await actionSubmitter(store, actionId);
  if (by && by.id === approver) throw new BridleError('BRIDLE_E_FORBIDDEN', `No one can approve an action they submitted; "${approver}" submitted ${actionId}`, { actionId, operator: approver });
}
