import type { TrustedKeys } from './signer.js';
import type { BrokenEntry, CheckpointRecord, VerifyReport } from './verify.js';
import { ChainWalker, type Marks, type SliceResult } from './walk.js';

/** What a checkpoint signs: its id, time and heads, in a fixed order. */
export function checkpointText(c: Pick<CheckpointRecord, 'id' | 'ts' | 'heads'>): string {
  const heads = Object.keys(c.heads)
    .sort()
    .map((k) => `${k}:${c.heads[k]!.seq}:${c.heads[k]!.hash}`)
    .join('\n');
  return `bridle-checkpoint/1\n${c.id}\n${c.ts}\n${heads}`;
}

/**
 * One verification run, whoever reads the entries: the single-threaded scan feeds it every
 * entry; the parallel verify feeds it the segments its workers checked, in log order. Either
 * way the entries are counted, chains are switched and finished, and the report is built here,
 * so the two produce the same report on the same data.
 */
export class Verification {
  entries = 0;
  readonly walker: ChainWalker;
  /** Chains walked to their end. */
  private readonly done = new Set<string>();

  private constructor(
    readonly expected: Marks,
    private readonly checked: number,
    private readonly warnings: string[],
  ) {
    this.walker = new ChainWalker(expected);
  }

  /** Step 1. Every checkpoint: authentic, and consistent with every other one. */
  static async start(checkpoints: AsyncIterable<CheckpointRecord> | Iterable<CheckpointRecord>, trusted: TrustedKeys | null): Promise<Verification | VerifyReport> {
    const warnings: string[] = [];
    let checked = 0;
    const report = (firstBroken: BrokenEntry): VerifyReport => ({ ok: false, entries: 0, chains: 0, checkpointsChecked: checked, firstBroken, warnings });
    const expected: Marks = new Map();
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
    return new Verification(expected, checked, warnings);
  }

  fail(firstBroken: BrokenEntry): VerifyReport {
    return { ok: false, entries: this.entries, chains: this.chains(), checkpointsChecked: this.checked, firstBroken, warnings: this.warnings };
  }

  /** Chains with at least one good entry so far. */
  private chains(): number {
    const w = this.walker;
    return this.done.size + (w.chain !== '' && w.expectSeq > 1 && !this.done.has(w.chain) ? 1 : 0);
  }

  /** Step 2, one entry: its chain, then every check of the entry itself. */
  entry(agentId: string, seq: number, id: string, actionId: string | null, ts: number, kind: string, prevHash: string, hash: string, body: string): VerifyReport | null {
    if (agentId !== this.walker.chain) {
      const bad = this.switchTo(agentId, seq, id);
      if (bad) return bad;
    }
    this.entries++;
    const bad = this.walker.step(seq, id, actionId, ts, kind, prevHash, hash, body);
    return bad ? this.fail(bad) : null;
  }

  /** Step 2, a worker's slice: its segments, then the first broken entry it found, if any. */
  slice(r: SliceResult): VerifyReport | null {
    for (const s of r.segments) {
      const bad = this.place(s.agentId, s.firstSeq, s.firstId, s.firstPrevHash);
      if (bad) return bad;
      this.entries += s.count - 1;
      this.walker.skip(s);
    }
    const f = r.failure;
    if (!f) return null;
    if (f.starts) {
      const bad = this.place(f.agentId, f.seq, f.id, f.prevHash);
      if (bad) return bad;
    } else this.entries++;
    return this.fail(f.broken);
  }

  /** What a worker could not check about the first entry of a segment: its chain, position and link. */
  private place(agentId: string, seq: number, id: string, prevHash: string): VerifyReport | null {
    if (agentId !== this.walker.chain) {
      const bad = this.switchTo(agentId, seq, id);
      if (bad) return bad;
    }
    this.entries++;
    const bad = this.walker.follows(seq, id, prevHash);
    return bad ? this.fail(bad) : null;
  }

  private switchTo(agentId: string, seq: number, id: string): VerifyReport | null {
    const w = this.walker;
    const bad = w.finish();
    if (bad) return this.fail(bad);
    if (this.done.has(agentId)) return this.fail({ agentId, seq, id, reason: 'entries of this chain are out of order' });
    if (w.chain) this.done.add(w.chain);
    w.begin(agentId);
    return null;
  }

  /** The last chain's end, then step 3: a chain a checkpoint vouched for may not vanish. */
  end(partial: boolean): VerifyReport {
    const w = this.walker;
    const bad = w.finish();
    if (bad) return this.fail(bad);
    if (w.chain) this.done.add(w.chain);
    if (!partial) {
      for (const [c, m] of this.expected) {
        if (this.done.has(c)) continue;
        let beyond = 0;
        for (const k of m.keys()) if (k > beyond) beyond = k;
        return this.fail({ agentId: c, seq: 1, id: null, reason: `chain has no entries but checkpoint ${m.get(beyond)!.cp} records ${beyond} (rows deleted)` });
      }
    }
    return { ok: true, entries: this.entries, chains: this.done.size, checkpointsChecked: this.checked, firstBroken: null, warnings: this.warnings };
  }
}

