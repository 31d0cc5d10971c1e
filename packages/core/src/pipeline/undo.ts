import type { Actor } from '../audit/entry.js';
import type { PublishedRequest } from '../connectors/types.js';
import { BridleError, describeError } from '../errors.js';
import type { JsonValue } from '../json.js';
import type { DeskInternals } from './approval-desk.js';
import { toRow } from './records.js';
import type { ActionRecord } from './types.js';

/**
 * Reverses a succeeded action through its connector's `undo` (e.g. deletes the post), then
 * records `succeeded → undone`. The side effect comes first: if Bridle stops in between, the
 * action still reads `succeeded` and undo can be asked again, which connectors treat as done
 * when the item is already gone. A failed undo is audited and leaves the action as it was.
 */
export async function undoAction(x: DeskInternals, id: string, by: { actor: Actor; reason?: string | undefined }): Promise<ActionRecord> {
  const rec = await x.get(id);
  if (rec.status !== 'succeeded') throw new BridleError('BRIDLE_E_INVALID_STATE', `Action ${id} is ${rec.status}; only a succeeded action can be undone`, { status: rec.status });
  if (rec.mode !== 'execute') throw new BridleError('BRIDLE_E_INVALID_STATE', `Action ${id} ran in authorize mode: the agent performed it, so only the agent can reverse it`);
  const { action } = x.compiled(rec);
  const connector = action.connector;
  if (!connector.undo) throw new BridleError('BRIDLE_E_INVALID_STATE', `The ${connector.name} connector cannot undo (its platform offers no deletion)`, { connector: connector.name });

  const req: PublishedRequest = { actionId: rec.id, agentId: rec.agentId, type: rec.type, params: rec.params, result: rec.result };
  const timeoutMs = action.doc.timeout_ms;
  const ctrl = new AbortController();
  const timer = setTimeout(() => ctrl.abort(new BridleError('BRIDLE_E_CONNECTOR_TIMEOUT', `undo did not finish within ${timeoutMs} ms`)), timeoutMs);
  let out: JsonValue | void;
  try {
    out = await Promise.race([
      connector.undo(req, { signal: ctrl.signal, clock: x.clock, ids: x.services.ids, write: (set) => x.writer.write(set) }),
      new Promise<never>((_, reject) => ctrl.signal.addEventListener('abort', () => reject(ctrl.signal.reason), { once: true })),
    ]);
  } catch (e) {
    const error = e instanceof BridleError ? { code: e.code, message: e.message, ...(e.details ? { details: e.details as never } : {}) } : { code: 'BRIDLE_E_CONNECTOR', message: describeError(e) };
    await x.audit([{ ...x.entry(rec.agentId, rec.id, 'action.undo_failed', by.actor), data: { connector: connector.name, error, ...(by.reason ? { reason: by.reason } : {}) } }]);
    throw e instanceof BridleError ? e : new BridleError('BRIDLE_E_CONNECTOR', `Undo through ${connector.name} failed: ${describeError(e)}`);
  } finally {
    clearTimeout(timer);
  }
  const claimed = await x.claim(id, 'succeeded', 'undone');
  const entry = x.move(claimed, 'undone', by.actor, { connector: connector.name, undo: out ?? null, ...(by.reason ? { reason: by.reason } : {}) });
  await x.writer.write({ audit: [entry], action: toRow(claimed) });
  x.emit(claimed);
  return claimed;
}
