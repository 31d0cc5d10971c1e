import type { CheckResult, Finding, Span } from '../types.js';
import { CUE_NAMES } from './cues.js';
import { sigmoid, textLogit, type Scored } from './score.js';

export interface FieldScore {
  field: string;
  text: string;
  scored: Scored;
  /** The remote classifier's injection probability, when one is configured. */
  remote?: number;
}

export type InjectionCategory = 'jailbreak' | 'indirect_injection' | 'prompt_injection';

/** Sentences reported per field: enough to see a planted paragraph, not a whole jailbreak. */
const MAX_SPANS = 3;
const JAILBREAK_CUES = ['persona', 'no_limits', 'jailbreak_terms', 'never_refuse'].map((n) => CUE_NAMES.indexOf(n));

const logit = (p: number): number => (p <= 0 ? -Infinity : p >= 1 ? Infinity : Math.log(p / (1 - p)));
const excerpt = (s: string): string => (s.length > 120 ? `${s.slice(0, 119)}…` : s);

interface FieldVerdict {
  field: string;
  p: number;
  flagged: boolean;
  category: InjectionCategory;
  findings: Finding[];
}

/** The most suspicious spans of a flagged field, in reading order, and what kind of injection they look like. */
function locate(f: FieldScore, cut: number, localFlag: boolean): { spans: { span: Span; p: number }[]; category: InjectionCategory } {
  const { units, unitLogits, best, wholeLogit } = f.scored;
  const order = [...units.keys()].sort((x, y) => unitLogits[y]! - unitLogits[x]!);
  let picked = order.filter((u) => unitLogits[u]! >= cut).slice(0, MAX_SPANS);
  let spans = picked.map((u) => ({ span: { start: units[u]!.start, end: units[u]!.end }, p: sigmoid(unitLogits[u]!) }));
  if (spans.length === 0 && best && best.logit >= cut) {
    // No sentence is enough alone, but a run of them is: report the run.
    picked = [];
    for (let u = best.a; u <= best.b; u++) picked.push(u);
    spans = [{ span: { start: units[best.a]!.start, end: units[best.b]!.end }, p: sigmoid(best.logit) }];
  } else if (spans.length === 0 && order.length > 0) {
    // Flagged as a whole (or by the remote model): point at the sentence that scores highest.
    picked = [order[0]!];
    spans = [{ span: { start: units[order[0]!]!.start, end: units[order[0]!]!.end }, p: sigmoid(unitLogits[order[0]!]!) }];
  }
  spans.sort((x, y) => x.span.start - y.span.start);
  const jailbreak = picked.some((u) => JAILBREAK_CUES.some((c) => units[u]!.dense[c]! > 0));
  // Planted: a part of the text is an injection but the text as a whole is not, and the rest of
  // it is substantial — an email, a table, a page carrying an instruction.
  const covered = spans.reduce((n, s) => n + s.span.end - s.span.start, 0);
  const rest = f.text.length - covered;
  const planted = localFlag && wholeLogit < cut && rest >= Math.max(80, covered);
  return { spans, category: jailbreak ? 'jailbreak' : planted ? 'indirect_injection' : 'prompt_injection' };
}

function judge(f: FieldScore, threshold: number, remoteThreshold: number): FieldVerdict {
  const cut = logit(threshold);
  const hasText = f.scored.units.length > 0;
  const local = hasText ? sigmoid(textLogit(f.scored)) : 0;
  const localFlag = hasText && local >= threshold;
  const remoteFlag = f.remote !== undefined && f.remote >= remoteThreshold;
  const p = Math.max(local, f.remote ?? 0);
  if (!localFlag && !remoteFlag) return { field: f.field, p, flagged: false, category: 'prompt_injection', findings: [] };
  const { spans, category } = locate(f, cut, localFlag);
  const by = remoteFlag && !localFlag ? ` (remote classifier p ${f.remote!.toFixed(2)})` : '';
  const findings = spans.map(({ span, p: sp }) => ({
    message: `likely ${category.replace('_', ' ')}${by}: sentence scores p ${sp.toFixed(2)}`,
    field: f.field,
    span,
    match: excerpt(f.text.slice(span.start, span.end)),
    category,
  }));
  return { field: f.field, p, flagged: true, category, findings };
}

/** Turns per-field scores into the check's result: flagged fields, their spans, and score = 1 - the highest probability. */
export function verdict(fields: readonly FieldScore[], threshold: number, remoteThreshold = 0.5): CheckResult {
  if (fields.length === 0) return { passed: true, score: 1, reason: 'no text to check', findings: [] };
  const judged = fields.map((f) => judge(f, threshold, remoteThreshold));
  const top = Math.max(...judged.map((j) => j.p));
  const score = 1 - top;
  const flagged = judged.filter((j) => j.flagged).sort((x, y) => y.p - x.p);
  if (flagged.length === 0) return { passed: true, score, reason: `no prompt injection found (p ${top.toFixed(2)} < ${threshold})`, findings: [] };
  const reason = flagged.map((j) => `${j.field}: likely ${j.category.replace('_', ' ')} (p ${j.p.toFixed(2)})`).join('; ');
  return { passed: false, score, reason, findings: flagged.flatMap((j) => j.findings), category: flagged[0]!.category };
}
