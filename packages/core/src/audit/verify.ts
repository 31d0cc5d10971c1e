import { sha256Hex } from '../json.js';
import { GENESIS_HASH } from './entry.js';
import type { TrustedKeys } from './signer.js';

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

/** What a checkpoint signs: its id, time and heads, in a fixed order. */
export function checkpointText(c: Pick<CheckpointRecord, 'id' | 'ts' | 'heads'>): string {
  const heads = Object.keys(c.heads)
    .sort()
    .map((k) => `${k}:${c.heads[k]!.seq}:${c.heads[k]!.hash}`)
    .join('\n');
  return `bridle-checkpoint/1\n${c.id}\n${c.ts}\n${heads}`;
}

function checkBody(e: VerifiableEntry): string | null {
  let b: Record<string, unknown>;
  try {
    b = JSON.parse(e.body) as Record<string, unknown>;
  } catch {
    return 'body is not valid JSON';
  }
  if (b.seq !== e.seq) return `body says seq ${String(b.seq)}, row says ${e.seq}`;
  if (b.prevHash !== e.prevHash) return 'body and row disagree on the previous hash';
  if (b.agentId !== e.agentId) return 'body and row disagree on the agent';
  if (b.id !== e.id || b.actionId !== e.actionId || b.kind !== e.kind || b.ts !== e.ts) return 'row columns do not match the hashed body';
  return null;
}

/**
 * Verifies hash chains from a stream of entries ordered by (agentId, seq), then the latest
 * signed checkpoint of each chain. Catches a changed byte (hash mismatch), a deleted or
 * inserted row (sequence gap or broken link), reordering (broken link), and a forged or
 * truncated tail (the chain's end disagrees with its signed checkpoint).
 */
export async function verifyChains(
  entries: AsyncIterable<VerifiableEntry> | Iterable<VerifiableEntry>,
  checkpointsNewestFirst: AsyncIterable<CheckpointRecord> | Iterable<CheckpointRecord>,
  trusted: TrustedKeys | null,
): Promise<VerifyReport> {
  const warnings: string[] = [];
  const tails = new Map<string, { seq: number; hash: string; id: string }>();
  let count = 0;
  let chain = '';
  let expectSeq = 1;
  let prev = GENESIS_HASH;
  const report = (firstBroken: BrokenEntry): VerifyReport => ({ ok: false, entries: count, chains: tails.size, checkpointsChecked: 0, firstBroken, warnings });

  for await (const e of entries) {
    if (e.agentId !== chain) {
      if (tails.has(e.agentId)) return report({ agentId: e.agentId, seq: e.seq, id: e.id, reason: 'entries of this chain are out of order' });
      chain = e.agentId;
      expectSeq = 1;
      prev = GENESIS_HASH;
    }
    count++;
    if (e.seq !== expectSeq) {
      return report({ agentId: chain, seq: expectSeq, id: e.seq > expectSeq ? null : e.id, reason: e.seq > expectSeq ? `entry ${expectSeq} is missing (next is ${e.seq})` : `entry ${e.seq} appears twice or out of order` });
    }
    if (e.prevHash !== prev) return report({ agentId: chain, seq: e.seq, id: e.id, reason: 'does not link to the previous entry (deleted, inserted or reordered rows)' });
    if (sha256Hex(e.body) !== e.hash) return report({ agentId: chain, seq: e.seq, id: e.id, reason: 'content does not match its hash (modified)' });
    const bad = checkBody(e);
    if (bad) return report({ agentId: chain, seq: e.seq, id: e.id, reason: bad });
    prev = e.hash;
    expectSeq++;
    tails.set(chain, { seq: e.seq, hash: e.hash, id: e.id });
  }

  // The newest checkpoint that names a chain must match that chain's last entry exactly.
  const pending = new Set(tails.keys());
  let checked = 0;
  for await (const cp of checkpointsNewestFirst) {
    if (pending.size === 0) break;
    const mine = Object.keys(cp.heads).filter((k) => pending.has(k) || !tails.has(k));
    if (mine.length === 0) continue;
    checked++;
    const sig = trusted ? trusted.verify(cp.keyId, checkpointText(cp), cp.signature) : 'unknown-key';
    if (sig === false) {
      const k = mine[0]!;
      return { ...report({ agentId: k, seq: cp.heads[k]!.seq, id: null, reason: `checkpoint ${cp.id} has an invalid signature (forged or altered)` }), checkpointsChecked: checked };
    }
    if (sig === 'unknown-key') warnings.push(`checkpoint ${cp.id} is signed by key ${cp.keyId}, which is not trusted here; its heads were compared but not authenticated`);
    for (const k of mine) {
      const head = cp.heads[k]!;
      const tail = tails.get(k);
      if (!tail) return { ...report({ agentId: k, seq: head.seq, id: null, reason: `chain has no entries but checkpoint ${cp.id} records ${head.seq} (rows deleted)` }), checkpointsChecked: checked };
      if (tail.seq !== head.seq || tail.hash !== head.hash) {
        const reason =
          tail.seq < head.seq
            ? `chain ends at ${tail.seq} but checkpoint ${cp.id} records ${head.seq} (tail deleted)`
            : tail.seq > head.seq
              ? `entries after ${head.seq} are not covered by any signed checkpoint (appended outside Bridle)`
              : `last entry differs from checkpoint ${cp.id} (chain rewritten)`;
        return { ...report({ agentId: k, seq: Math.min(tail.seq, head.seq) + (tail.seq > head.seq ? 1 : 0), id: null, reason }), checkpointsChecked: checked };
      }
      pending.delete(k);
    }
  }
  for (const k of pending) {
    const t = tails.get(k)!;
    return { ...report({ agentId: k, seq: 1, id: null, reason: `no signed checkpoint covers this chain (its ${t.seq} entries were written outside Bridle or checkpoints were deleted)` }), checkpointsChecked: checked };
  }
  return { ok: true, entries: count, chains: tails.size, checkpointsChecked: checked, firstBroken: null, warnings };
}
