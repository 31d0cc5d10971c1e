import type { Feedback } from '../client.js';

/*
 * Text helpers shared by the writers: removing phrases the brand must never use, and applying
 * Bridle's revision feedback (each finding points at the exact span, or quotes the match).
 */

const escape = (c: string) => c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * A pattern that finds `phrase` the way Bridle's banned_phrases check does: ignoring case and
 * accents, and spacing or punctuation between letters, at word boundaries. Run it on NFD text.
 */
export function phrasePattern(phrase: string): RegExp | null {
  const chars = [...phrase.normalize('NFD').replace(/\p{M}/gu, '')].filter((c) => /[\p{L}\p{N}]/u.test(c));
  if (chars.length === 0) return null;
  return new RegExp(`(?<![\\p{L}\\p{N}])${chars.map((c) => `${escape(c)}\\p{M}*`).join('[\\s\\p{P}\\p{S}]*')}(?![\\p{L}\\p{N}])`, 'giu');
}

/** True when `text` contains any of `phrases` (as Bridle would match them). */
export function containsAny(text: string, phrases: readonly string[]): string | undefined {
  const nfd = text.normalize('NFD');
  return phrases.find((p) => {
    const re = phrasePattern(p);
    return re !== null && re.test(nfd);
  });
}

/** Removes every occurrence of `phrases`, then tidies the spacing left behind. */
export function stripPhrases(text: string, phrases: readonly string[]): string {
  let nfd = text.normalize('NFD');
  for (const p of phrases) {
    const re = phrasePattern(p);
    if (re) nfd = nfd.replace(re, '');
  }
  return tidy(nfd.normalize('NFC'));
}

/** Collapses doubled spaces and orphaned punctuation left by removals, keeping line breaks. */
export function tidy(text: string): string {
  return text
    .replace(/[ \t]+([,.;:!?])/g, '$1')
    .replace(/([,;:])(?=[.!?])/g, '')
    .replace(/[ \t]{2,}/g, ' ')
    .replace(/^[ \t]+|[ \t]+$/gm, '')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/**
 * Removes what the feedback flags in `field` of the draft: exact spans first (from the end, so
 * earlier offsets stay valid), then quoted matches that came without a span.
 */
export function removeFlagged(text: string, feedback: Feedback, field = 'text'): string {
  const spans: { start: number; end: number }[] = [];
  const quotes: string[] = [];
  for (const c of feedback.findings) {
    for (const f of c.findings) {
      if (f.field !== undefined && f.field !== field) continue;
      if (f.span && f.span.start >= 0 && f.span.end <= text.length && f.span.start < f.span.end) spans.push(f.span);
      else if (f.match && !f.match.includes('*')) quotes.push(f.match);
    }
  }
  let out = text;
  // Overlapping findings (two checks flagging the same words) are clipped to what is left.
  let floor = text.length;
  for (const s of spans.sort((a, b) => b.start - a.start)) {
    const end = Math.min(s.end, floor);
    if (s.start < end) out = out.slice(0, s.start) + out.slice(end);
    floor = Math.min(floor, s.start);
  }
  for (const q of quotes) out = out.split(q).join('');
  return tidy(out);
}

/** True when a check named `name` is among the feedback's failures. */
export function flaggedBy(feedback: Feedback, name: string): boolean {
  return feedback.findings.some((f) => f.check === name);
}

/** A short deterministic hash (FNV-1a), so template choice is stable for a slot across runs. */
export function stableHash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}
