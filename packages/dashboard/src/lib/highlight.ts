import type { CheckView, Finding } from '../api/types';

/** A piece of a parameter's text: plain, or covered by one or more findings. */
export interface Segment<F extends Finding = Finding> {
  text: string;
  start: number;
  findings: F[];
}

/** Findings with a span in `field`, tagged with the check that made them. */
export function findingsFor(checks: CheckView[] | undefined, field: string): (Finding & { check: string })[] {
  const out: (Finding & { check: string })[] = [];
  for (const c of checks ?? []) for (const f of c.findings) if (f.field === field && f.span) out.push({ ...f, check: c.name });
  return out;
}

/**
 * Cuts `text` at every span boundary so each segment is covered by the same set of findings.
 * Spans are [start, end) in UTF-16 units, which is how JavaScript strings index, so `slice`
 * is exact; spans out of range (text edited since) are clamped, empty ones dropped.
 *
 * @example
 *   segments('buy now', [{ message: 'spam', span: { start: 4, end: 7 } }])
 *   // [{text:'buy ', start:0, findings:[]}, {text:'now', start:4, findings:[…]}]
 */
export function segments<F extends Finding>(text: string, findings: F[]): Segment<F>[] {
  const spans = findings
    .filter((f) => f.span)
    .map((f) => ({ f, start: Math.max(0, Math.min(text.length, f.span!.start)), end: Math.max(0, Math.min(text.length, f.span!.end)) }))
    .filter((s) => s.end > s.start);
  const cuts = new Set<number>([0, text.length]);
  for (const s of spans) {
    cuts.add(s.start);
    cuts.add(s.end);
  }
  const points = [...cuts].sort((a, b) => a - b);
  const out: Segment<F>[] = [];
  for (let i = 0; i + 1 < points.length; i++) {
    const a = points[i]!;
    const b = points[i + 1]!;
    if (b <= a) continue;
    out.push({ text: text.slice(a, b), start: a, findings: spans.filter((s) => s.start <= a && s.end >= b).map((s) => s.f) });
  }
  return out;
}
