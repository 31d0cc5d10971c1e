import { z } from 'zod';
import { BridleError } from '../../errors.js';
import type { Finding, Span } from '../types.js';

/** Issues kept per judgement: a judge that lists fifty quotes is not more useful to the approver. */
export const MAX_ISSUES = 20;

// Loose on purpose beyond the fields we use: providers in json_object mode add keys of their own.
const reply = z.looseObject({
  score: z.number({ error: (i) => `score must be a number, got ${i.input === undefined ? 'none' : JSON.stringify(i.input)}` }),
  verdict: z.string().optional(),
  reason: z.string().default(''),
  issues: z.array(z.looseObject({ quote: z.string().default(''), explanation: z.string().default('') })).default([]),
});

export type JudgeReply = z.output<typeof reply>;

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/** The judge's JSON, checked. Throws a BridleError for anything that is not a usable judgement. */
export function parseReply(content: string): JudgeReply {
  // Small local models in json_object mode sometimes wrap the object in a Markdown fence.
  const text = content.trim().replace(/^```(?:json)?\s*([\s\S]*?)\s*```$/i, '$1');
  let j: unknown;
  try {
    j = JSON.parse(text);
  } catch {
    throw new BridleError('BRIDLE_E_CONNECTOR', `llm_judge: the judge's reply is not JSON: ${clip(text.replace(/\s+/g, ' '), 200)}`);
  }
  const r = reply.safeParse(j);
  if (!r.success) {
    const why = r.error.issues.map((i) => `${i.path.join('.') || '(reply)'}: ${i.message}`).join('; ');
    throw new BridleError('BRIDLE_E_CONNECTOR', `llm_judge: the judge's reply is not a judgement: ${clip(why, 300)}`);
  }
  const { score } = r.data;
  if (!Number.isFinite(score) || score < 0 || score > 1) {
    throw new BridleError('BRIDLE_E_CONNECTOR', `llm_judge: the judge's score ${score} is outside 0..1`, { score });
  }
  return r.data;
}

interface Folded {
  text: string;
  /** For each folded code unit: start and end of the original character it came from. */
  from: number[];
  to: number[];
}

const QUOTE_MARKS: Record<string, string> = { '\u2018': "'", '\u2019': "'", '\u201A': "'", '\u201B': "'", '\u201C': '"', '\u201D': '"', '\u201E': '"', '\u2032': "'", '\u00AB': '"', '\u00BB': '"' };

/**
 * Lower case, whitespace runs as one space, typographic quotes as plain ones (models "fix"
 * apostrophes when they quote), keeping a map back to the original offsets.
 */
function fold(s: string): Folded {
  const out: string[] = [];
  const from: number[] = [];
  const to: number[] = [];
  let i = 0;
  while (i < s.length) {
    const cp = s.codePointAt(i)!;
    const ch = String.fromCodePoint(cp);
    const end = i + ch.length;
    if (/\s/u.test(ch)) {
      if (out.length > 0 && out[out.length - 1] !== ' ') {
        out.push(' ');
        from.push(i);
        to.push(end);
      } else if (out.length > 0) to[to.length - 1] = end;
    } else {
      for (const unit of (QUOTE_MARKS[ch] ?? ch).toLowerCase()) {
        out.push(unit);
        from.push(i);
        to.push(end);
      }
    }
    i = end;
  }
  return { text: out.join(''), from, to };
}

/** Trims what models add around a quote: surrounding quotation marks and ellipses. */
function bare(quote: string): string {
  return quote.trim().replace(/^["'\u201C\u2018«]+|["'\u201D\u2019»]+$/g, '').replace(/^(\.\.\.|…)\s*|\s*(\.\.\.|…)$/g, '').trim();
}

/** Where a quote is: the exact text first, then ignoring case, spacing and quote styles. */
export function locate(quote: string, texts: readonly { field: string; text: string }[]): { field: string; span: Span } | undefined {
  const q = bare(quote);
  if (!q) return undefined;
  for (const { field, text } of texts) {
    const at = text.indexOf(q);
    if (at >= 0) return { field, span: { start: at, end: at + q.length } };
  }
  const fq = fold(q).text.trim();
  if (!fq) return undefined;
  for (const { field, text } of texts) {
    const f = fold(text);
    const at = f.text.indexOf(fq);
    if (at >= 0) return { field, span: { start: f.from[at]!, end: f.to[at + fq.length - 1]! } };
  }
  return undefined;
}

/** The judge's issues as findings, each pointing at its quote when it can be found. */
export function findingsOf(issues: JudgeReply['issues'], texts: readonly { field: string; text: string }[]): Finding[] {
  const found = issues.slice(0, MAX_ISSUES).map((issue): Finding => {
    const message = clip(issue.explanation.trim() || 'flagged by the judge', 300);
    const where = locate(issue.quote, texts);
    if (!where) {
      const quote = bare(issue.quote);
      return { message: quote ? `${message} (quoted text not found in the content)` : message, ...(quote ? { match: clip(quote, 100) } : {}), category: 'llm_judge' };
    }
    const source = texts.find((t) => t.field === where.field)!.text;
    return { message, field: where.field, span: where.span, match: clip(source.slice(where.span.start, where.span.end), 100), category: 'llm_judge' };
  });
  // Reading order (field by field, then position), whatever order the judge listed them in;
  // quotes that could not be placed go last. The sort is stable, so ties keep the judge's order.
  const rank = (f: Finding) => (f.field === undefined ? texts.length : texts.findIndex((t) => t.field === f.field));
  return found.sort((a, b) => rank(a) - rank(b) || (a.span?.start ?? 0) - (b.span?.start ?? 0));
}
