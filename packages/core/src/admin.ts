import type { Actor, AuditInput } from './audit/entry.js';
import { loadOrCreateSigner } from './audit/signer.js';
import type { AdminContext } from './keys.js';
import type { LoadedPolicy } from './policy/load.js';
import type { Store } from './store/open.js';
import { GroupCommitWriter } from './store/writer.js';
import { systemClock, ulidGenerator } from './util/clock.js';

/**
 * An audit-writing context for administrative commands run beside (or without) a server:
 * it appends to the same chains, with the same signing key, without owning the pipeline.
 */
export function openAdmin(store: Store, policy: LoadedPolicy): AdminContext & { close(): Promise<void> } {
  const clock = systemClock;
  const ids = ulidGenerator(clock);
  const writer = new GroupCommitWriter(store, loadOrCreateSigner(store.dataDir), ids, clock);
  const agents = new Map(Object.entries(policy.document.agents));
  return {
    store,
    ids,
    clock,
    policy: { agents },
    audit: (entries: AuditInput[]) => writer.write({ audit: entries }),
    entry: (chain: string, actionId: string | null, kind: string, actor: Actor): AuditInput => ({ id: ids.next('aud'), agentId: chain, actionId, kind, ts: clock.now(), policyVersion: policy.version, actor, data: {} }),
    close: () => writer.close(),
  };
}
