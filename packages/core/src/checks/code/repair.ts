import type { Grammar } from './lang.js';

const OPEN: Record<string, string> = { '(': ')', '[': ']', '{': '}' };
const CLOSE = new Set([')', ']', '}']);

/**
 * A fragment made whole enough to parse: code cut out of a file (a diff hunk, an excerpt that
 * starts inside a block and stops mid-call) leaves brackets unbalanced, and tree-sitter then
 * often wraps everything in one ERROR node in which no call is recognised. Closers that close
 * nothing are blanked and the missing closers are appended, so every offset in the text stays
 * where it was and spans need no mapping. Strings and comments are skipped while counting.
 */
export function balanceBrackets(text: string, grammar: Grammar): string {
  const py = grammar === 'python';
  const stack: string[] = [];
  const blank: number[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i]!;
    const next = text[i + 1];
    if (py && c === '#') {
      while (i < n && text[i] !== '\n') i++;
      continue;
    }
    if (!py && c === '/' && next === '/') {
      while (i < n && text[i] !== '\n') i++;
      continue;
    }
    if (!py && c === '/' && next === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? n : end + 2;
      continue;
    }
    if (c === '"' || c === "'" || c === '`') {
      const triple = py && text.startsWith(c.repeat(3), i);
      const q = triple ? c.repeat(3) : c;
      i += q.length;
      while (i < n && !text.startsWith(q, i)) {
        if (text[i] === '\\') i++;
        // An unterminated ordinary string ends at the line's end, as tree-sitter recovers it.
        else if (!triple && c !== '`' && text[i] === '\n') break;
        i++;
      }
      i += q.length;
      continue;
    }
    if (c in OPEN) stack.push(OPEN[c]!);
    else if (CLOSE.has(c)) {
      if (stack.length > 0 && stack[stack.length - 1] === c) stack.pop();
      else if (stack.length === 0) blank.push(i);
    }
    i++;
  }
  if (blank.length === 0 && stack.length === 0) return text;
  // split('') works in UTF-16 code units, so blanking keeps every later offset in place.
  const units = text.split('');
  for (const b of blank) units[b] = ' ';
  return `${units.join('')}\n${stack.reverse().join('')}`;
}

/** Code that a docstring would not hold at a line start: definitions, imports, calls assigned. */
const CODE_LINE = /\n[ \t]*(def \w+\(|class \w+|import \w|from [\w.]+ import |return\b|[\w.]+\s*=\s*[\w.]+\()/;

/**
 * A Python fragment cut inside a docstring has its quotes paired wrongly, turning code into
 * string content (and prose into code). When the quotes are unbalanced, or a triple-quoted
 * string holds what looks like code, the readings with the first, the last, or both triple
 * quotes blanked (offsets unchanged); the caller keeps the one that parses best.
 */
export function docstringReadings(text: string): string[] {
  for (const q of ['"""', "\'\'\'"]) {
    const at: number[] = [];
    for (let i = text.indexOf(q); i >= 0; i = text.indexOf(q, i + 3)) at.push(i);
    if (at.length === 0) continue;
    const first = at[0]!;
    const last = at[at.length - 1]!;
    const inside = text.slice(first, at.length > 1 ? at[1]! : text.length);
    if (at.length % 2 === 0 && !CODE_LINE.test(inside)) continue;
    const blank = (text2: string, i: number) => `${text2.slice(0, i)}   ${text2.slice(i + 3)}`;
    if (at.length === 1) return [blank(text, first)];
    return [blank(text, first), blank(text, last), blank(blank(text, first), last)];
  }
  return [];
}
