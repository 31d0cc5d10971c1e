import { sha256Hex } from '../json.js';
import { GENESIS_HASH } from './entry.js';
import type { BrokenEntry } from './verify.js';

/** A position a signed checkpoint vouches for: the hash it records there, and which checkpoint. */
export interface Mark {
  hash: string;
  cp: string;
}
/** Every position any checkpoint vouches for, by chain then seq. */
export type Marks = Map<string, Map<number, Mark>>;

/** A run of consecutive entries of one chain that passed every per-entry check in a worker. */
export interface Segment {
  agentId: string;
  firstSeq: number;
  firstId: string;
  /** Unchecked in the worker: the main thread links it to what came before. */
  firstPrevHash: string;
  count: number;
  lastSeq: number;
  lastHash: string;
  /** The last position in this segment a checkpoint vouched for, or 0. */
  lastCovered: number;
}

/** What a worker found in its slice: clean segments in order, then possibly the first broken entry. */
export interface SliceResult {
  segments: Segment[];
  failure: {
    /** The broken entry begins a segment, so its position and link were not checked in the worker. */
    starts: boolean;
    agentId: string;
    seq: number;
    id: string;
    prevHash: string;
    broken: BrokenEntry;
  } | null;
}

/**
 * The per-entry checks, and the state they need: which chain, which position and previous hash
 * come next, and what the checkpoints say. One implementation serves the single-threaded verify,
 * each worker's slice and the main thread's merge of the slices.
 */
export class ChainWalker {
  /** The chain being walked; '' before the first entry. */
  chain = '';
  expectSeq = 1;
  prev = GENESIS_HASH;
  /** The last position in this walk of the chain a checkpoint vouched for; 0 for none. */
  lastCovered = 0;
  private marks: Map<number, Mark> | undefined;
  /** The body's agentId field, which is the same for a whole chain. */
  private agentField = '';

  constructor(private readonly expected: Marks) {}

  /**
   * Starts walking `agentId` at `seq`, expecting `prevHash` there: (1, genesis) for a chain's
   * first entry; a worker starts its slice at the first entry's own values, which the main thread
   * then checks against the end of the previous slice.
   */
  begin(agentId: string, seq = 1, prevHash = GENESIS_HASH): void {
    this.chain = agentId;
    this.expectSeq = seq;
    this.prev = prevHash;
    this.lastCovered = 0;
    this.marks = this.expected.get(agentId);
    this.agentField = `,"agentId":${JSON.stringify(agentId)},"data":`;
  }

  /** The entry is at the expected position and links to the previous one. */
  follows(seq: number, id: string, prevHash: string): BrokenEntry | null {
    const expectSeq = this.expectSeq;
    if (seq !== expectSeq) {
      return { agentId: this.chain, seq: expectSeq, id: seq > expectSeq ? null : id, reason: seq > expectSeq ? `entry ${expectSeq} is missing (next is ${seq})` : `entry ${seq} appears twice or out of order` };
    }
    if (prevHash !== this.prev) return { agentId: this.chain, seq, id, reason: 'does not link to the previous entry (deleted, inserted or reordered rows)' };
    return null;
  }

  /** Every check of one entry of the current chain; when they pass, the walk moves past it. */
  step(seq: number, id: string, actionId: string | null, ts: number, kind: string, prevHash: string, hash: string, body: string): BrokenEntry | null {
    const out = this.follows(seq, id, prevHash);
    if (out) return out;
    if (sha256Hex(body) !== hash) return { agentId: this.chain, seq, id, reason: 'content does not match its hash (modified)' };
    const bad = checkBody(body, this.agentField, seq, id, actionId, ts, kind, prevHash);
    if (bad) return { agentId: this.chain, seq, id, reason: bad };
    const mark = this.marks?.get(seq);
    if (mark) {
      if (mark.hash !== hash) return { agentId: this.chain, seq, id, reason: `entry differs from checkpoint ${mark.cp} (chain rewritten)` };
      this.lastCovered = seq;
    }
    this.prev = hash;
    this.expectSeq++;
    return null;
  }

  /** Moves past a segment a worker checked (after `follows` accepted its first entry). */
  skip(s: Segment): void {
    this.expectSeq = s.lastSeq + 1;
    this.prev = s.lastHash;
    if (s.lastCovered > 0) this.lastCovered = s.lastCovered;
  }

  /** The chain's end agrees with the checkpoints: none records more, and one covers the last entry. */
  finish(): BrokenEntry | null {
    if (!this.chain) return null;
    const last = this.expectSeq - 1;
    const marks = this.marks;
    if (marks) {
      let beyond = 0;
      for (const k of marks.keys()) if (k > beyond) beyond = k;
      if (beyond > last) return { agentId: this.chain, seq: last + 1, id: null, reason: `chain ends at ${last} but checkpoint ${marks.get(beyond)!.cp} records ${beyond} (tail deleted)` };
    }
    const covered = this.lastCovered;
    if (covered === last) return null;
    return {
      agentId: this.chain,
      seq: covered + 1,
      id: null,
      reason: covered === 0 ? `no signed checkpoint covers this chain (its ${last} entries were written outside Bridle, or checkpoints were deleted)` : `entries after ${covered} are not covered by any signed checkpoint (appended outside Bridle, or checkpoints deleted)`,
    };
  }
}

/** Printable ASCII without `"` or `\`: JSON.stringify would return it unchanged in quotes. */
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;
let plainKind = '';

/** `s` occurs in `b` at `p` (indexOf is a fast native search; startsWith with a position is not). */
const at = (b: string, s: string, p: number): boolean => b.indexOf(s, p) === p;

/**
 * The row's columns must say what the hashed body says; a column edited alone would mislead
 * every query that filters on it. The body is canonical JSON with sorted keys, so the expected
 * text of each top-level field is known exactly and no parse is needed: a quote inside any
 * string value is escaped, so these fragments can only match at the top level.
 *
 * `agrees` answers the common case without building strings (half the time per entry);
 * whenever it is not sure, checkBodyExactly decides, so the verdict and its wording never
 * depend on the shortcut.
 */
export function checkBody(b: string, agentField: string, seq: number, id: string, actionId: string | null, ts: number, kind: string, prevHash: string): string | null {
  return agrees(b, agentField, seq, id, actionId, ts, kind, prevHash) ? null : checkBodyExactly(b, agentField, seq, id, actionId, ts, kind, prevHash);
}

/** The comparison itself, by building each expected fragment; exported so a test can hold the shortcut to it. */
export function checkBodyExactly(b: string, agentField: string, seq: number, id: string, actionId: string | null, ts: number, kind: string, prevHash: string): string | null {
  const head = `{"actionId":${actionId === null ? 'null' : JSON.stringify(actionId)},"actor":`;
  if (!b.startsWith(head)) return 'row columns do not match the hashed body (action)';
  const tail = `","prevHash":${JSON.stringify(prevHash)},"seq":${seq},"ts":${ts},"v":1}`;
  if (!b.endsWith(tail)) return b.includes(`"seq":${seq},`) ? 'row columns do not match the hashed body (time or previous hash)' : `body and row disagree on the sequence number ${seq}`;
  const mid = `,"id":${JSON.stringify(id)},"kind":${JSON.stringify(kind)},"policyVersion":"`;
  const a = b.lastIndexOf(mid);
  if (a < 0 || b.indexOf('"', a + mid.length) !== b.length - tail.length) return 'row columns do not match the hashed body (id or kind)';
  if (!b.includes(agentField)) return 'body and row disagree on the agent';
  return null;
}

/**
 * True only if checkBody's exact comparison passes: the same fragments, matched piece by piece
 * at their known offsets, for values that JSON.stringify would only wrap in quotes.
 * The id-and-kind fragment is found through the last quote before the tail instead of a
 * backwards search: it must end with the quote that opens policyVersion's value, which holds
 * no quote, and no later copy of it can exist (it would need `policyVersion":"` inside the
 * tail, whose text is fixed apart from the escaped previous hash).
 */
function agrees(b: string, agentField: string, seq: number, id: string, actionId: string | null, ts: number, kind: string, prevHash: string): boolean {
  let p: number;
  if (actionId === null) {
    if (!at(b, '{"actionId":null', 0)) return false;
    p = 16;
  } else {
    if (!at(b, '{"actionId":"', 0) || !PLAIN.test(actionId) || !at(b, actionId, 13)) return false;
    p = 13 + actionId.length;
    if (!at(b, '"', p++)) return false;
  }
  if (!at(b, ',"actor":', p)) return false;
  if (!PLAIN.test(prevHash)) return false;
  const seqText = '' + seq;
  const tsText = '' + ts;
  const tail = b.length - (14 + prevHash.length + 8 + seqText.length + 6 + tsText.length + 7);
  if (tail < 0 || !at(b, '","prevHash":"', tail)) return false;
  let e = tail + 14;
  if (!at(b, prevHash, e) || !at(b, '","seq":', (e += prevHash.length)) || !at(b, seqText, (e += 8))) return false;
  if (!at(b, ',"ts":', (e += seqText.length)) || !at(b, tsText, (e += 6)) || !at(b, ',"v":1}', e + tsText.length)) return false;
  if (kind !== plainKind) {
    if (!PLAIN.test(kind)) return false;
    plainKind = kind;
  }
  if (!PLAIN.test(id)) return false;
  let m = b.lastIndexOf('"', tail - 1) + 1 - (36 + id.length + kind.length);
  if (m < 0 || !at(b, ',"id":"', m) || !at(b, id, (m += 7)) || !at(b, '","kind":"', (m += id.length))) return false;
  if (!at(b, kind, (m += 10)) || !at(b, '","policyVersion":"', m + kind.length)) return false;
  return b.includes(agentField);
}
