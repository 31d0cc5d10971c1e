import {
  DataSet,
  SyntaxKind,
  collapseDuplicatesTransformer,
  englishDataset,
  englishRecommendedBlacklistMatcherTransformers,
  remapCharactersTransformer,
  resolveConfusablesTransformer,
  toAsciiLowerCaseTransformer,
  type BlacklistedTerm,
  type MatchPayload,
  type Node,
  type TransformerContainer,
} from 'obscenity';
import { Engine } from './engine.js';
import { BUILT_IN_ALLOW, BUILT_IN_EXTRA } from './words.js';

// Obscenity's leetspeak table also reads "!", "|", "/" and "(" as letters, so "you hoe!" would
// be "you hoei" and miss a whole-word pattern. Our words keep digits and symbols that stand in
// for letters inside a word.
const LEET = { a: '@4', e: '3', g: '6', i: '1', o: '0', s: '$5', t: '7', z: '2' };

const confusables = resolveConfusablesTransformer();
const lower = toAsciiLowerCaseTransformer();
const simple: TransformerContainer[] = [confusables, remapCharactersTransformer(LEET), lower];

// Runs longer than two collapse to two, so a pattern can tell "butt" from "but" (obscenity's
// preset collapses most runs to one, which works for its hand-written patterns but would make a
// custom "butt" match every "but") while "hoooooe" still matches "hoe".
const extraBlacklistTransformers: TransformerContainer[] = [...simple, collapseDuplicatesTransformer({ defaultThreshold: 2 })];

// Obscenity's whitelist only lower-cases, so "Arsène" escaped its "arsen" exception.
const whitelistTransformers: TransformerContainer[] = [
  confusables,
  lower,
  collapseDuplicatesTransformer({ defaultThreshold: Number.POSITIVE_INFINITY, customThresholds: new Map([[' ', 1]]) }),
];

function apply(transformers: readonly TransformerContainer[], s: string): string {
  let out = '';
  for (const ch of s.trim().replace(/\s+/g, ' ')) {
    let cp: number | undefined = ch.codePointAt(0);
    for (const t of transformers) if (cp !== undefined && 'transform' in t) cp = t.transform(cp);
    if (cp !== undefined) out += String.fromCodePoint(cp);
  }
  return out;
}

/** A word as the blacklist sees it: confusables resolved, leetspeak read, lower case, one space. */
export const normaliseWord = (s: string): string => apply(simple, s);
/** ...and as the whitelist sees it, where digits stay digits. */
const normaliseAllow = (s: string): string => apply([confusables, lower], s);

const WORD_CHAR = /^[a-z0-9_]$/;

/** A whole-word pattern for a normalised word: each single letter may be doubled, as input may be. */
function wordPattern(id: number, word: string): BlacklistedTerm {
  const cps = Array.from(word, (c) => c.codePointAt(0) ?? 0);
  const nodes: Node[] = [];
  for (let i = 0; i < cps.length; ) {
    const cp = cps[i]!;
    let run = 1;
    while (cps[i + run] === cp) run++;
    nodes.push({ kind: SyntaxKind.Literal, chars: run > 1 ? [cp, cp] : [cp] });
    if (run === 1) nodes.push({ kind: SyntaxKind.Optional, childNode: { kind: SyntaxKind.Literal, chars: [cp] } });
    i += run;
  }
  return {
    id,
    pattern: {
      nodes,
      // `\b` beside punctuation would demand a letter on its other side.
      requireWordBoundaryAtStart: WORD_CHAR.test(word[0] ?? ''),
      requireWordBoundaryAtEnd: WORD_CHAR.test(word[word.length - 1] ?? ''),
    },
  };
}

/** One engine over obscenity's English dataset (its patterns and transformers) and our words. */
export function buildMatcher(extra: readonly string[], allow: readonly string[]): Engine {
  const allowed = new Set(allow.map(normaliseAllow));
  const allowedWords = new Set(allow.map(normaliseWord));
  // Allowing a dataset word drops its whole phrase, so "s3x" goes with "sex"; the whitelist
  // below catches the word inside other matches and allowed phrases such as "Dick Whitman".
  const built = new DataSet<{ originalWord: string }>()
    .addAll(englishDataset)
    .removePhrasesIf((p) => p.metadata !== undefined && allowed.has(p.metadata.originalWord))
    .build();
  const words = new Set<string>();
  for (const w of [...BUILT_IN_EXTRA, ...extra]) {
    const n = normaliseWord(w);
    if (n !== '' && !allowedWords.has(n)) words.add(n);
  }
  const firstId = Math.max(0, ...built.blacklistedTerms.map((t) => t.id)) + 1;
  return new Engine(
    [
      { transformers: englishRecommendedBlacklistMatcherTransformers, terms: built.blacklistedTerms },
      { transformers: extraBlacklistTransformers, terms: [...words].map((w, i) => wordPattern(firstId + i, w)) },
    ],
    [...(built.whitelistedTerms ?? []), ...BUILT_IN_ALLOW, ...allowed],
    whitelistTransformers,
  );
}

const HANDLE_CHAR = /[A-Za-z0-9_]/;

/**
 * Obscenity's matches in `text`, sorted, with end indices still inclusive as obscenity gives
 * them, minus those that are not words and those inside another match.
 */
export function findMatches(engine: Engine, text: string): MatchPayload[] {
  const all = engine.getAllMatches(text);
  if (all.length === 0) return all;
  all.sort((a, b) => a.startIndex - b.startIndex || b.endIndex - a.endIndex);
  const out: MatchPayload[] = [];
  let lastEnd = -1;
  for (const p of all) {
    if (p.endIndex <= lastEnd) continue;
    const s = text.slice(p.startIndex, p.endIndex + 1);
    // Leetspeak reads digits as letters, so a number like "4455" would spell "aass".
    if (/^[0-9]+$/.test(s)) continue;
    // Likewise "@" as "a" at the start of a handle: "@SSickStory" is a mention, not "ass".
    if (s[0] === '@' && !HANDLE_CHAR.test(text[p.startIndex - 1] ?? ' ') && HANDLE_CHAR.test(text[p.endIndex + 1] ?? ' ')) continue;
    out.push(p);
    lastEnd = p.endIndex;
  }
  return out;
}
