import type { JsonObject } from '../json.js';
import type { Finding, Span } from './types.js';

/** The named top-level string parameters a text check looks at; missing or non-string ones are skipped. */
export function textFields(params: JsonObject, fields: readonly string[]): { field: string; text: string }[] {
  const out: { field: string; text: string }[] = [];
  for (const field of fields) {
    const v = params[field];
    if (typeof v === 'string') out.push({ field, text: v });
  }
  return out;
}

/**
 * A copy of `params` with each finding's span replaced by `replace(finding)`. Overlapping spans
 * are merged, and the text is rebuilt in one pass.
 */
export function redactParams(params: JsonObject, findings: readonly Finding[], replace: (f: Finding) => string): JsonObject {
  const byField = new Map<string, { span: Span; f: Finding }[]>();
  for (const f of findings) {
    if (!f.field || !f.span || typeof params[f.field] !== 'string') continue;
    const list = byField.get(f.field) ?? [];
    list.push({ span: f.span, f });
    byField.set(f.field, list);
  }
  const out: JsonObject = { ...params };
  for (const [field, list] of byField) {
    list.sort((a, b) => a.span.start - b.span.start);
    const merged: { span: Span; f: Finding }[] = [];
    for (const item of list) {
      const last = merged[merged.length - 1];
      if (last && item.span.start < last.span.end) last.span = { start: last.span.start, end: Math.max(last.span.end, item.span.end) };
      else merged.push({ span: { ...item.span }, f: item.f });
    }
    // One pass over the text: rebuilding the string per finding was quadratic for hostile inputs.
    const text = params[field] as string;
    const parts: string[] = [];
    let at = 0;
    for (const { span, f } of merged) {
      parts.push(text.slice(at, span.start), replace(f));
      at = span.end;
    }
    parts.push(text.slice(at));
    out[field] = parts.join('');
  }
  return out;
}
