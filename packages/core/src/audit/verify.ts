import type { TrustedKeys } from './signer.js';
import { Verification } from './verification.js';

export interface VerifiableEntry {
  agentId: string;
  seq: number;
  id: string;
  actionId: string | null;
  ts: number;
  kind: string;
  prevHash: string;
  hash: string;
  /** The exact canonical JSON text that was hashed. */
  body: string;
}

export interface CheckpointRecord {
  id: string;
  ts: number;
  heads: Record<string, { seq: number; hash: string }>;
  keyId: string;
  signature: string;
}

export interface BrokenEntry {
  agentId: string;
  seq: number;
  id: string | null;
  reason: string;
}

export interface VerifyReport {
  ok: boolean;
  entries: number;
  chains: number;
  checkpointsChecked: number;
  firstBroken: BrokenEntry | null;
  warnings: string[];
}

export { checkpointText } from './verification.js';

export interface VerifyOptions {
  /** The entries are a subset (an export of some chains): chains absent from them are not checked. */
  partial?: boolean;
}

/**
 * Verifies hash chains from a stream of entries ordered by (agentId, seq), against every
 * signed checkpoint. Catches a changed byte (hash mismatch), a deleted or inserted row
 * (sequence gap or broken link), reordering (broken link), an edited column (body mismatch),
 * a forged or truncated tail (it disagrees with a signed checkpoint, or no checkpoint covers
 * it), and an altered, forged or untrusted checkpoint.
 */
export async function verifyChains(
  entries: AsyncIterable<VerifiableEntry | VerifiableEntry[]> | Iterable<VerifiableEntry | VerifiableEntry[]>,
  checkpoints: AsyncIterable<CheckpointRecord> | Iterable<CheckpointRecord>,
  trusted: TrustedKeys | null,
  opts: VerifyOptions = {},
): Promise<VerifyReport> {
  const v = await Verification.start(checkpoints, trusted);
  if (!(v instanceof Verification)) return v;
  const one = (e: VerifiableEntry) => v.entry(e.agentId, e.seq, e.id, e.actionId, e.ts, e.kind, e.prevHash, e.hash, e.body);
  // Sources may yield pages (arrays) so that only one await is paid per page.
  for await (const item of entries) {
    if (Array.isArray(item)) {
      for (const e of item) {
        const bad = one(e);
        if (bad) return bad;
      }
    } else {
      const bad = one(item);
      if (bad) return bad;
    }
  }
  return v.end(opts.partial ?? false);
}
