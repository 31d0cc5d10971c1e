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

/**
 * The row's columns must say what the hashed body says; a column edited alone would mislead
 * every query that filters on it. The body is canonical JSON with sorted keys, so the expected
 * text of each top-level field is known exactly and no parse is needed: a quote inside any
 * string value is escaped, so these fragments can only match at the top level.
 */
function checkBody(e: VerifiableEntry): string | null {
  const b = e.body;
  const head = `{"actionId":${e.actionId === null ? 'null' : JSON.stringify(e.actionId)},"actor":`;
  if (!b.startsWith(head)) return 'row columns do not match the hashed body (action)';
  const tail = `","prevHash":${JSON.stringify(e.prevHash)},"seq":${e.seq},"ts":${e.ts},"v":1}`;
  if (!b.endsWith(tail)) return b.includes(`"seq":${e.seq},`) ? 'row columns do not match the hashed body (time or previous hash)' : `body and row disagree on the sequence number ${e.seq}`;
  const mid = `,"id":${JSON.stringify(e.id)},"kind":${JSON.stringify(e.kind)},"policyVersion":"`;
  const at = b.lastIndexOf(mid);
  if (at < 0 || b.indexOf('"', at + mid.length) !== b.length - tail.length) return 'row columns do not match the hashed body (id or kind)';
  if (!b.includes(`,"agentId":${JSON.stringify(e.agentId)},"data":`)) return 'body and row disagree on the agent';
  return null;
}

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
  const warnings: string[] = [];
  let count = 0;
  let checked = 0;
  const tails = new Map<string, { seq: number; hash: string }>();
  const report = (firstBroken: BrokenEntry): VerifyReport => ({ ok: false, entries: count, chains: tails.size, checkpointsChecked: checked, firstBroken, warnings });

  // 1. Every checkpoint: authentic, and consistent with every other one.
  const expected = new Map<string, Map<number, { hash: string; cp: string }>>();
  for await (const cp of checkpoints) {
    checked++;
    const firstChain = Object.keys(cp.heads)[0] ?? '_system';
    const at = (reason: string) => report({ agentId: firstChain, seq: cp.heads[firstChain]?.seq ?? 0, id: null, reason });
    if (trusted) {
      const sig = trusted.verify(cp.keyId, checkpointText(cp), cp.signature);
      if (sig === false) return at(`checkpoint ${cp.id} has an invalid signature (forged or altered)`);
      if (sig === 'unknown-key') return at(`checkpoint ${cp.id} is signed by key ${cp.keyId}, which is not trusted (pass its public key with --public-key if it is yours)`);
    }
    for (const [chain, h] of Object.entries(cp.heads)) {
      let m = expected.get(chain);
      if (!m) expected.set(chain, (m = new Map()));
      const prior = m.get(h.seq);
      if (prior && prior.hash !== h.hash) return report({ agentId: chain, seq: h.seq, id: null, reason: `checkpoints ${prior.cp} and ${cp.id} disagree about entry ${h.seq}` });
      m.set(h.seq, { hash: h.hash, cp: cp.id });
    }
  }
  if (!trusted) warnings.push('no trusted public key: checkpoint signatures were not authenticated');

  // 2. Every entry: position, link, hash, columns, and agreement with the checkpoints.
  let chain = '';
  let expectSeq = 1;
  let prev = GENESIS_HASH;
  let marks: Map<number, { hash: string; cp: string }> | undefined;
  let lastCovered = 0;
  const finishChain = (): VerifyReport | null => {
    if (!chain) return null;
    const last = expectSeq - 1;
    if (marks) {
      let beyond = 0;
      for (const k of marks.keys()) if (k > beyond) beyond = k;
      if (beyond > last) return report({ agentId: chain, seq: last + 1, id: null, reason: `chain ends at ${last} but checkpoint ${marks.get(beyond)!.cp} records ${beyond} (tail deleted)` });
    }
    if (lastCovered === last) return null;
    return report({
      agentId: chain,
      seq: lastCovered + 1,
      id: null,
      reason: lastCovered === 0 ? `no signed checkpoint covers this chain (its ${last} entries were written outside Bridle, or checkpoints were deleted)` : `entries after ${lastCovered} are not covered by any signed checkpoint (appended outside Bridle, or checkpoints deleted)`,
    });
  };
  const step = (e: VerifiableEntry): VerifyReport | null => {
    if (e.agentId !== chain) {
      const bad = finishChain();
      if (bad) return bad;
      if (tails.has(e.agentId)) return report({ agentId: e.agentId, seq: e.seq, id: e.id, reason: 'entries of this chain are out of order' });
      chain = e.agentId;
      expectSeq = 1;
      prev = GENESIS_HASH;
      marks = expected.get(chain);
      lastCovered = 0;
    }
    count++;
    if (e.seq !== expectSeq) {
      return report({ agentId: chain, seq: expectSeq, id: e.seq > expectSeq ? null : e.id, reason: e.seq > expectSeq ? `entry ${expectSeq} is missing (next is ${e.seq})` : `entry ${e.seq} appears twice or out of order` });
    }
    if (e.prevHash !== prev) return report({ agentId: chain, seq: e.seq, id: e.id, reason: 'does not link to the previous entry (deleted, inserted or reordered rows)' });
    if (sha256Hex(e.body) !== e.hash) return report({ agentId: chain, seq: e.seq, id: e.id, reason: 'content does not match its hash (modified)' });
    const bad = checkBody(e);
    if (bad) return report({ agentId: chain, seq: e.seq, id: e.id, reason: bad });
    const mark = marks?.get(e.seq);
    if (mark) {
      if (mark.hash !== e.hash) return report({ agentId: chain, seq: e.seq, id: e.id, reason: `entry differs from checkpoint ${mark.cp} (chain rewritten)` });
      lastCovered = e.seq;
    }
    prev = e.hash;
    expectSeq++;
    tails.set(chain, { seq: e.seq, hash: e.hash });
    return null;
  };
  // Sources may yield pages (arrays) so that only one await is paid per page.
  for await (const item of entries) {
    if (Array.isArray(item)) {
      for (const e of item) {
        const bad = step(e);
        if (bad) return bad;
      }
    } else {
      const bad = step(item);
      if (bad) return bad;
    }
  }
  const bad = finishChain();
  if (bad) return bad;

  // 3. A chain a checkpoint vouched for may not vanish.
  if (!opts.partial) {
    for (const [c, m] of expected) {
      if (tails.has(c)) continue;
      let beyond = 0;
      for (const k of m.keys()) if (k > beyond) beyond = k;
      return report({ agentId: c, seq: 1, id: null, reason: `chain has no entries but checkpoint ${m.get(beyond)!.cp} records ${beyond} (rows deleted)` });
    }
  }
  return { ok: true, entries: count, chains: tails.size, checkpointsChecked: checked, firstBroken: null, warnings };
}
