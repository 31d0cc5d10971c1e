import type { SgNode } from '@ast-grep/napi';
import type { Check, CheckInput, CheckResult, Finding, Span } from '../types.js';
import { detectLang, grammarFor, languageOf, normalizeLang, type Grammar } from './lang.js';
import type { CodeCheckOptions } from './options.js';
import { selectRules } from './options.js';
import { parseCode } from './parse.js';
import { runRules, severityRank, type CodeHit, type CodeRule, type Severity } from './rule.js';

/** Findings listed per run; the reason still counts them all. */
export const MAX_FINDINGS = 50;

/** Fail scores: how sure we are the code is bad, by the worst finding's severity (1 = fine). */
const SCORE: Record<Severity, number> = { high: 0, medium: 0.3, low: 0.6 };

/** The span of a node in the param's text, in UTF-16 code units (ast-grep's napi reports those). */
export function spanOf(node: SgNode, length = Infinity): Span {
  const r = node.range();
  // A repaired fragment has closers appended after the text; a span never reaches into them.
  return { start: Math.min(r.start.index, length), end: Math.min(r.end.index, length) };
}

/** 1-based line of a node, for messages. */
export function lineOf(node: SgNode): number {
  return node.range().start.line + 1;
}

function shown(hit: CodeHit, source: string): string {
  const span = spanOf(hit.node, source.length);
  const text = source.slice(span.start, span.end).replace(/\s+/g, ' ');
  if (hit.rule.sensitive) return `${text.slice(0, 4)}…`;
  return text.length > 120 ? `${text.slice(0, 119)}…` : text;
}

/** One finding: where, what (with CWE and rule id), and what to do instead. */
export function toFinding(hit: CodeHit, field: string, source: string): Finding {
  const { rule } = hit;
  const tag = rule.cwe ? `${rule.cwe} ${rule.id}` : rule.id;
  const detail = hit.detail ? ` (${hit.detail})` : '';
  return {
    message: `line ${lineOf(hit.node)}: ${rule.message}${detail} [${tag}, ${hit.severity}]. Fix: ${rule.fix}`,
    field,
    span: spanOf(hit.node, source.length),
    match: shown(hit, source),
    category: rule.family,
  };
}

/** The grammar for one param: from `lang` when given, else guessed; or why there is none. */
function grammarOf(text: string, lang: unknown): { grammar: Grammar } | { skip: string } {
  if (typeof lang === 'string' && lang.trim() !== '') {
    const g = normalizeLang(lang);
    return g ? { grammar: grammarFor(g, text) } : { skip: `language "${lang}" is not supported (javascript, typescript, python)` };
  }
  const guess = detectLang(text);
  return guess ? { grammar: guess } : { skip: 'could not tell the language (send a lang param)' };
}

/**
 * A check that runs `rules` over the code params of an action. Shared by `code_security` and
 * `code_perf`: they differ only in their rules and wording.
 */
export function createCodeCheck(name: string, allRules: readonly CodeRule[], options: CodeCheckOptions, what: string): Check {
  // Load the grammars now (Python's is a native library): that belongs to policy load, not to the first action.
  for (const g of ['javascript', 'tsx', 'python'] as const) parseCode('x', g);
  const rules = selectRules(allRules, options.rules);
  const fields = [...new Set(options.fields)];
  const min = severityRank(options.min_severity);
  return {
    name,
    sync: true,
    run(input: CheckInput): CheckResult {
      const findings: (Finding & { severity: Severity })[] = [];
      const skipped: string[] = [];
      let checked = 0;
      for (const field of fields) {
        const text = input.params[field];
        if (typeof text !== 'string' || text.trim() === '') continue;
        const g = grammarOf(text, input.params[options.lang_field]);
        if ('skip' in g) {
          skipped.push(`${field}: ${g.skip}`);
          continue;
        }
        const { grammar } = g;
        if (!options.languages.includes(languageOf(grammar))) {
          skipped.push(`${field}: ${languageOf(grammar)} is not in languages`);
          continue;
        }
        checked++;
        for (const hit of runRules(text, grammar, rules)) {
          if (severityRank(hit.severity) >= min) findings.push({ ...toFinding(hit, field, text), severity: hit.severity });
        }
      }
      if (findings.length === 0) {
        const why = checked > 0 ? `no ${what} found` : `no code checked`;
        return { passed: true, score: 1, reason: skipped.length ? `${why}; ${skipped.join('; ')}` : why, findings: [] };
      }
      const worst = [...findings].sort((a, b) => severityRank(b.severity) - severityRank(a.severity))[0]!;
      const families = [...new Set(findings.map((f) => f.category))];
      const more = findings.length > MAX_FINDINGS ? ` (first ${MAX_FINDINGS} listed)` : '';
      return {
        passed: false,
        score: SCORE[worst.severity],
        reason: `${findings.length} ${what} found: ${families.join(', ')}${more}`,
        findings: findings.slice(0, MAX_FINDINGS).map(({ severity: _s, ...f }) => f),
        ...(worst.category ? { category: worst.category } : {}),
      };
    },
  };
}
