import type { NapiConfig, SgNode } from '@ast-grep/napi';
import type { CodeLanguage, Grammar } from './lang.js';
import { languageOf } from './lang.js';
import { parseCode } from './parse.js';
import { candidates } from './select.js';
import { withRunMemo } from './ast.js';
import { balanceBrackets, docstringReadings } from './repair.js';

import { SEVERITIES, type Severity } from './severity.js';
export { SEVERITIES, type Severity } from './severity.js';
export const severityRank = (s: Severity): number => SEVERITIES.indexOf(s);

/** What a rule is, for findings, docs and the `rules` option. Rules are data: see the rules/ folders. */
export interface RuleInfo {
  /** Stable id, `<lang>.<family>.<what>`, e.g. `py.sql.dynamic-query`. */
  readonly id: string;
  /** The finding's category, e.g. `sql_injection`; `rules.include` accepts it too. */
  readonly family: string;
  /** CWE id, e.g. `CWE-89` (for performance smells, the nearest weakness class: `CWE-1050`). */
  readonly cwe: string;
  readonly severity: Severity;
  readonly message: string;
  /** What to write instead; shown to the agent with `retry_with_feedback`. */
  readonly fix: string;
  readonly languages: readonly CodeLanguage[];
  /** The matched text is a secret: findings show only its first characters. */
  readonly sensitive?: boolean;
}

export interface RuleContext {
  readonly grammar: Grammar;
  readonly language: CodeLanguage;
  readonly text: string;
  readonly root: SgNode;
  /**
   * Per-run memo for analyses that rules repeat (how a string is built, what a name holds),
   * keyed by the helper's own prefix and a node id; it lives as long as this one run.
   */
  readonly memo: Map<string, unknown>;
}

/**
 * A rule's decision about one candidate: drop it (false, null, undefined), keep it (true), or
 * keep it with another severity, an extra detail for the message, or a narrower node to point at.
 */
export type Verdict = boolean | null | undefined | { severity?: Severity; detail?: string; node?: SgNode };

export interface CodeRule extends RuleInfo {
  /**
   * Cheap test on the raw text. When it fails the rule cannot match and no tree is walked; when
   * no rule's hint matches, the text is not even parsed (the fast path for ordinary code).
   */
  readonly hint: RegExp;
  /** The ast-grep rule that selects candidate nodes (kind, pattern, has/inside/not, regex…). */
  readonly find: NapiConfig;
  /** Refines each candidate; the candidate is kept as is when there is no check. */
  readonly check?: (node: SgNode, ctx: RuleContext) => Verdict;
}

export interface CodeHit {
  rule: CodeRule;
  node: SgNode;
  severity: Severity;
  detail: string | undefined;
}

/** The rules that apply to a grammar and whose hint matches, in their given order. */
export function applicable(rules: readonly CodeRule[], grammar: Grammar, text: string): CodeRule[] {
  const lang = languageOf(grammar);
  return rules.filter((r) => r.languages.includes(lang) && r.hint.test(text));
}

/** Characters inside nodes of a kind: for ERROR, text the grammar could not read as code. */
const covered = (root: SgNode, kind: string): number => root.findAll({ rule: { kind } }).reduce((n, x) => n + x.text().length, 0);

/**
 * The tree of `text`, repaired when it is a fragment (see repair.ts): brackets are balanced
 * when the tree has errors, and a Python excerpt that starts or ends inside a docstring is read
 * both ways, keeping the reading with the least text lost to errors or swallowed by strings.
 * Ordinary code pays for one parse and one error search; repairs keep offsets, so spans need
 * no mapping.
 */
function parseFragment(text: string, grammar: Grammar): { root: SgNode; source: string } {
  const root = parseCode(text, grammar);
  const readings = grammar === 'python' ? docstringReadings(text) : [];
  if (readings.length === 0 && !root.find({ rule: { kind: 'ERROR' } })) return { root, source: text };
  const lost = (r: SgNode) => covered(r, 'ERROR') + (readings.length > 0 ? covered(r, 'string') : 0);
  let best = { root, source: text, lost: lost(root) };
  for (const reading of [text, ...readings]) {
    const fixed = balanceBrackets(reading, grammar);
    if (fixed === text) continue;
    const r = parseCode(fixed, grammar);
    const l = lost(r);
    if (l < best.lost) best = { root: r, source: fixed, lost: l };
  }
  return best;
}

/** Runs the rules over `text`; one hit per rule and node, in source order. */
export function runRules(text: string, grammar: Grammar, rules: readonly CodeRule[]): CodeHit[] {
  return withRunMemo(() => run(text, grammar, rules));
}

function run(text: string, grammar: Grammar, rules: readonly CodeRule[]): CodeHit[] {
  const todo = applicable(rules, grammar, text);
  if (todo.length === 0) return [];
  const { root, source } = parseFragment(text, grammar);
  const ctx: RuleContext = { grammar, language: languageOf(grammar), text: source, root, memo: new Map() };
  const hits: CodeHit[] = [];
  const seen = new Set<string>();
  for (const rule of todo) {
    for (const candidate of candidates(rule, ctx)) {
      const v = rule.check ? rule.check(candidate, ctx) : true;
      if (!v) continue;
      const node = v === true ? candidate : (v.node ?? candidate);
      const r = node.range();
      const key = `${rule.id}@${r.start.index}:${r.end.index}`;
      if (seen.has(key)) continue;
      seen.add(key);
      hits.push({ rule, node, severity: v === true ? rule.severity : (v.severity ?? rule.severity), detail: v === true ? undefined : v.detail });
    }
  }
  return hits.sort((a, b) => a.node.range().start.index - b.node.range().start.index);
}
