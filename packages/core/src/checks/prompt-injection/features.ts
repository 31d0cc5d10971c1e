import type { Span } from '../types.js';
import { CUES, CUE_NAMES, IMPERATIVE, QUESTION } from './cues.js';
import { segment } from './segment.js';

/**
 * The featuriser of the prompt_injection model. The training script
 * (scripts/train-prompt-injection.mjs) imports this very module from dist/, so the features the
 * weights were fitted on and the ones scored at run time cannot drift apart.
 *
 * A text becomes units (sentences or lines, see segment.ts). Each unit gets hashed n-grams —
 * words, word pairs and character 3- to 5-grams, which survive typos and inflection — and a small
 * dense vector: the hand-made cues plus features of the unit's place in the text (does it share
 * words with the rest, is it a sentence among table rows). The model scores windows of one to
 * WINDOW_UNITS consecutive units, so an instruction planted in a long page is judged on its own
 * rather than averaged away.
 */
export const WINDOW_UNITS = 3;

/** Dense features about a unit's place in its text; each is in [0, 1]. */
export const CONTEXT_NAMES = [
  'embedded',
  'off_topic',
  'prose_beside_structure',
  'planted_imperative',
  'planted_question',
  'planted_second_person',
  'planted_output_ref',
  'off_topic_imperative',
  'off_topic_question',
  'unit_length',
  'among_instructions',
] as const;

export const DENSE_NAMES: readonly string[] = [...CUE_NAMES, ...CONTEXT_NAMES];

export interface Unit extends Span {
  /** Hashed n-gram indices in [0, 2^bits), repeated as often as the n-gram occurs. */
  grams: Int32Array;
  /** One value per DENSE_NAMES entry. */
  dense: Float32Array;
}

const WORD = /[\p{L}\p{N}]+(?:['’][\p{L}]+)?/gu;
/** Content words shorter than this, and these, say nothing about a text's topic. */
const MIN_CONTENT = 4;
const STOP = new Set(
  ('this that with from have will your what when where which there their they them then than were been being about into ' +
    'would could should shall might must also just only very more most some such each every other over under after before ' +
    'while these those here does done doing make made like well much many even back want need please thank thanks hello dear ' +
    'regards best kind know sure time year years today first last next same still through again below above').split(' '),
);
/** At least this many content words around a unit make it part of a document rather than the whole message. */
const CONTEXT_WORDS = 30;

const cueIndex = (name: string): number => CUE_NAMES.indexOf(name);
/** Cues about the assistant's output: with a planted instruction they are the tell ("…in your response"). */
const OUTPUT_CUES = ['response_ref', 'in_your_output', 'format_hijack'].map(cueIndex);
/** What makes a unit an instruction to the assistant, besides opening with a verb. */
const INSTRUCTION_CUES = [...OUTPUT_CUES, cueIndex('request_you')];
const SECOND_PERSON = cueIndex('second_person');

const SEED_WORD = 0x2f1e3a77;
const SEED_PAIR = 0x5bd1e995;
const SEED_CHAR = 0x1b873593;

function hashString(s: string, seed: number): number {
  let h = seed >>> 0;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h;
}

/** Final avalanche, so the low bits the index keeps depend on every character. */
function mix(h: number, mask: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return (h >>> 0) & mask;
}

function unitGrams(words: readonly string[], mask: number): Int32Array {
  const joined = ` ${words.join(' ')} `;
  const n = joined.length;
  const out = new Int32Array(words.length * 2 + Math.max(0, 3 * n - 9));
  let k = 0;
  // The pair "prev w" is hashed as the string `${prev} ${w}`, without building it: the hash of
  // "prev " carries over from the previous word.
  let pairPrefix = Math.imul(hashString('^', SEED_PAIR) ^ 32, 16777619);
  for (const w of words) {
    out[k++] = mix(hashString(w, SEED_WORD), mask);
    out[k++] = mix(hashString(w, pairPrefix), mask);
    pairPrefix = Math.imul(hashString(w, SEED_PAIR) ^ 32, 16777619);
  }
  // Character 3-, 4- and 5-grams, hashed incrementally from each start position.
  for (let i = 0; i + 3 <= n; i++) {
    let h = SEED_CHAR;
    for (let j = 0; j < 5 && i + j < n; j++) {
      h = Math.imul(h ^ joined.charCodeAt(i + j), 16777619);
      if (j >= 2) out[k++] = mix(h, mask);
    }
  }
  return k === out.length ? out : out.subarray(0, k);
}

function countPipes(s: string): number {
  let n = 0;
  for (let i = s.indexOf('|'); i >= 0 && n < 2; i = s.indexOf('|', i + 1)) n++;
  return n;
}

/** Table rows, code fences and markup lines: structure a planted sentence stands out from. */
function isStructure(lower: string): boolean {
  return countPipes(lower) >= 2 || lower.startsWith('```') || (lower.startsWith('<') && lower.endsWith('>'));
}

/** Splits and featurises a text: linear in its length (each unit is at most MAX_UNIT characters). */
export function featurise(text: string, bits: number): Unit[] {
  const mask = (1 << bits) - 1;
  const spans = segment(text);
  const lowers: string[] = [];
  const wordLists: string[][] = [];
  const content = new Map<string, number>();
  let contentTotal = 0;
  for (const { start, end } of spans) {
    const lower = text.slice(start, end).toLowerCase();
    // Digits become 0, so "$4,250" and "$3,100" share n-grams.
    const words = (/\d/.test(lower) ? lower.replace(/\d/g, '0') : lower).match(WORD) ?? [];
    lowers.push(lower);
    wordLists.push(words);
    for (const w of words) {
      if (w.length < MIN_CONTENT || STOP.has(w) || /^0+$/.test(w)) continue;
      content.set(w, (content.get(w) ?? 0) + 1);
      contentTotal++;
    }
  }
  // First pass: cues, and whether each unit reads as an instruction to the assistant.
  const cueCount = CUES.length;
  const denses: Float32Array[] = [];
  const instr = new Uint8Array(spans.length);
  const imperatives = new Uint8Array(spans.length);
  let instrTotal = 0;
  for (let u = 0; u < spans.length; u++) {
    const lower = lowers[u]!;
    const dense = new Float32Array(DENSE_NAMES.length);
    for (let c = 0; c < cueCount; c++) if (CUES[c]![1].test(lower)) dense[c] = 1;
    denses.push(dense);
    imperatives[u] = IMPERATIVE.test(lower) ? 1 : 0;
    if (imperatives[u] || INSTRUCTION_CUES.some((c) => dense[c] === 1)) {
      instr[u] = 1;
      instrTotal++;
    }
  }
  // Second pass: the unit's place in the text.
  const units: Unit[] = [];
  const mine = new Map<string, number>();
  for (let u = 0; u < spans.length; u++) {
    const lower = lowers[u]!;
    const words = wordLists[u]!;
    const dense = denses[u]!;
    mine.clear();
    let mineTotal = 0;
    for (const w of words) {
      if (!content.has(w)) continue;
      mine.set(w, (mine.get(w) ?? 0) + 1);
      mineTotal++;
    }
    let novel = 0;
    for (const [w, n] of mine) if (content.get(w) === n) novel++;
    const embedded = contentTotal - mineTotal >= CONTEXT_WORDS ? 1 : 0;
    const offTopic = embedded && mine.size >= 3 ? novel / mine.size : 0;
    // An instruction in a text that is otherwise not instructions (an email, a table, code) is
    // planted; in a message made of instructions (a role-play prompt) it is just the request.
    const otherInstr = spans.length > 1 ? (instrTotal - instr[u]!) / (spans.length - 1) : 1;
    const planted = embedded * (1 - otherInstr);
    const beside = (i: number) => i >= 0 && i < spans.length && isStructure(lowers[i]!);
    const prose = words.length >= 4 && !isStructure(lower) && (beside(u - 1) || beside(u + 1)) ? 1 : 0;
    const imperative = imperatives[u]!;
    const question = QUESTION.test(lower) ? 1 : 0;
    const output = OUTPUT_CUES.some((c) => dense[c] === 1) ? 1 : 0;
    const ctx = [
      embedded,
      offTopic,
      prose,
      planted * imperative,
      planted * question,
      planted * dense[SECOND_PERSON]!,
      planted * output,
      offTopic * imperative,
      offTopic * question,
      Math.min(1, lower.length / 200),
      embedded * otherInstr,
    ];
    for (let i = 0; i < ctx.length; i++) dense[cueCount + i] = ctx[i]!;
    units.push({ start: spans[u]!.start, end: spans[u]!.end, grams: unitGrams(words, mask), dense });
  }
  return units;
}

/** The windows scored: every run of 1..WINDOW_UNITS consecutive units, as [first, last] unit indices. */
export function* windows(count: number): Generator<[number, number]> {
  for (let a = 0; a < count; a++) for (let b = a; b < Math.min(count, a + WINDOW_UNITS); b++) yield [a, b];
}

/**
 * Dense features of the whole-text window: a bias of its own, and the share of units showing
 * each local feature. A long jailbreak is recognised by many cues together, which no window of
 * three sentences holds; a planted sentence is recognised by a window, not by the whole text.
 */
export const WHOLE_NAMES: readonly string[] = ['whole', ...DENSE_NAMES.map((n) => `share_${n}`)];
/** Length of the dense weight vector: local features, then whole-text features. */
export const DENSE_SIZE = DENSE_NAMES.length + WHOLE_NAMES.length;

/**
 * One window's explicit sparse vector, for training: n-gram counts divided by the square root of
 * the window's n-gram total, and dense features (for a local window, their maximum over its units;
 * for the whole text, see WHOLE_NAMES). The scorer computes exactly this dot product from
 * per-unit sums (see score.ts) without building it.
 */
export function windowVector(units: readonly Unit[], a: number, b: number, whole = false): { idx: Int32Array; val: Float32Array; dense: Float32Array } {
  const counts = new Map<number, number>();
  let total = 0;
  const nd = DENSE_NAMES.length;
  const dense = new Float32Array(DENSE_SIZE);
  for (let u = a; u <= b; u++) {
    const unit = units[u]!;
    for (const g of unit.grams) counts.set(g, (counts.get(g) ?? 0) + 1);
    total += unit.grams.length;
    for (let i = 0; i < nd; i++) {
      if (whole) dense[nd + 1 + i]! += unit.dense[i]! / (b - a + 1);
      else dense[i] = Math.max(dense[i]!, unit.dense[i]!);
    }
  }
  if (whole) dense[nd] = 1;
  const norm = total > 0 ? 1 / Math.sqrt(total) : 0;
  const idx = Int32Array.from(counts.keys()).sort();
  const val = new Float32Array(idx.length);
  for (let i = 0; i < idx.length; i++) val[i] = counts.get(idx[i]!)! * norm;
  return { idx, val, dense };
}
