// Translates a Go (RE2) regular expression into an equivalent JavaScript one, for
// scripts/gen-gitleaks-rules.mjs. RE2 and JS agree on most syntax; what differs:
//   - inline flags: Go scopes `(?i)` to the rest of the enclosing group and has `(?i:…)`,
//     `(?-i:…)`; Node 20 has neither, so case-insensitive stretches are expanded into
//     explicit classes (`a` → `[aA]`, `[a-f]` → `[a-fA-F]`). A pattern that is
//     case-insensitive throughout keeps the plain JS `i` flag instead.
//   - `(?s)`/`(?s:.)` (dot matches newline) → `[\s\S]`; a plain `.` → `[^\n]`, since Go's dot
//     excludes only `\n` while JS's also excludes `\r`, U+2028 and U+2029.
//   - `\z` (end of text) → `(?![\s\S])`, `\A` → `(?<![\s\S])`.
//   - `(?P<name>…)` → `(?<name>…)`; POSIX classes (`[[:alnum:]]`) are written out.
//   - a `]` first in a class (`[^]]`) is literal in Go but ends the class in JS: escaped.
// RE2 has no backreferences, lookaround or possessive quantifiers, so nothing needs removing.
// Anything else unknown (`\Q…\E`, `\p{…}`, `(?U)`) throws, and the rule is listed as skipped.

const POSIX = {
  alnum: 'a-zA-Z0-9',
  alpha: 'a-zA-Z',
  digit: '0-9',
  lower: 'a-z',
  upper: 'A-Z',
  space: String.raw`\t\n\v\f\r `,
  xdigit: 'a-fA-F0-9',
  word: String.raw`\w`,
  punct: String.raw`!-\/:-@\[-\x60{-~`,
};

export class UnsupportedRegex extends Error {}

const isLower = (c) => c >= 'a' && c <= 'z';
const isUpper = (c) => c >= 'A' && c <= 'Z';
const swap = (c) => (isLower(c) ? c.toUpperCase() : isUpper(c) ? c.toLowerCase() : c);
const esc = (c) => (/[\\\]\[^-]/.test(c) ? `\\${c}` : c);

/** True when the whole pattern is case-insensitive: a leading `(?i)` and no flag changes after it. */
function wholeCaseInsensitive(go) {
  return go.startsWith('(?i)') && !/\(\?[a-zA-Z-]+[:)]/.test(go.slice(4).replace(/\\./g, ''));
}

/** Parses a class body at `go[i]` (just past `[`); returns [jsClass, nextIndex]. */
function translateClass(go, i, ci) {
  let negate = false;
  if (go[i] === '^') {
    negate = true;
    i++;
  }
  const items = []; // each: { text } already in JS syntax, plus letters/ranges for case folding
  const fold = [];
  let first = true;
  for (;;) {
    if (i >= go.length) throw new UnsupportedRegex('unterminated class');
    const c = go[i];
    if (c === ']' && !first) {
      i++;
      break;
    }
    first = false;
    if (c === '[' && go[i + 1] === ':') {
      const end = go.indexOf(':]', i + 2);
      const name = go.slice(i + 2, end);
      if (end < 0 || !(name in POSIX)) throw new UnsupportedRegex(`POSIX class ${name}`);
      items.push(POSIX[name]);
      i = end + 2;
      continue;
    }
    let lo;
    let loText;
    if (c === '\\') {
      const n = go[i + 1];
      if (n === 'x') {
        const m = /^\\x([0-9a-fA-F]{2})/.exec(go.slice(i));
        if (!m) throw new UnsupportedRegex('\\x{…} escape');
        lo = String.fromCharCode(parseInt(m[1], 16));
        loText = m[0];
        i += 4;
      } else if ('dDwWsS'.includes(n)) {
        items.push(`\\${n}`);
        i += 2;
        continue;
      } else if ('pPQE'.includes(n)) {
        throw new UnsupportedRegex(`\\${n} in class`);
      } else {
        lo = { n: '\n', r: '\r', t: '\t', f: '\f', v: '\v' }[n] ?? n;
        loText = `\\${n}`;
        i += 2;
      }
    } else {
      lo = c;
      loText = esc(c);
      i++;
    }
    // A range `lo-hi`, unless the `-` is last in the class.
    if (go[i] === '-' && go[i + 1] !== ']' && go[i + 1] !== undefined) {
      let hi;
      let hiText;
      if (go[i + 1] === '\\') {
        const n = go[i + 2];
        const m = /^\\x([0-9a-fA-F]{2})/.exec(go.slice(i + 1));
        if (m) {
          hi = String.fromCharCode(parseInt(m[1], 16));
          hiText = m[0];
          i += 1 + 4;
        } else {
          hi = n;
          hiText = `\\${n}`;
          i += 3;
        }
      } else {
        hi = go[i + 1];
        hiText = esc(hi);
        i += 2;
      }
      items.push(`${loText}-${hiText}`);
      fold.push([lo, hi]);
    } else {
      items.push(loText);
      fold.push([lo, lo]);
    }
  }
  if (ci) {
    // Add the other case of every letter the class holds (clipped to a-z / A-Z).
    for (const [lo, hi] of fold) {
      for (const [a, z] of [
        ['a', 'z'],
        ['A', 'Z'],
      ]) {
        const from = lo > a ? lo : a;
        const to = hi < z ? hi : z;
        if (from <= to) items.push(from === to ? swap(from) : `${swap(from)}-${swap(to)}`);
      }
    }
  }
  return [`[${negate ? '^' : ''}${[...new Set(items)].join('')}]`, i];
}

/** Applies a flag string like `i`, `-i`, `is` to a scope; throws on flags JS cannot emulate. */
function applyFlags(scope, flags) {
  const next = { ...scope };
  let on = true;
  for (const f of flags) {
    if (f === '-') on = false;
    else if (f === 'i') next.ci = on;
    else if (f === 's') next.dotall = on;
    else throw new UnsupportedRegex(`inline flag ${f}`);
  }
  return next;
}

/** `go` (RE2 syntax) as `{ source, flags }` for `new RegExp`. */
export function translateGoRegex(go) {
  let flags = '';
  if (wholeCaseInsensitive(go)) {
    flags = 'i';
    go = go.slice(4);
  }
  const out = [];
  const stack = [];
  let scope = { ci: false, dotall: false };
  let i = 0;
  while (i < go.length) {
    const c = go[i];
    if (c === '\\') {
      const n = go[i + 1];
      if (n === undefined) throw new UnsupportedRegex('trailing backslash');
      if (n === 'z') out.push(String.raw`(?![\s\S])`);
      else if (n === 'A') out.push(String.raw`(?<![\s\S])`);
      else if ('pPQEC'.includes(n)) throw new UnsupportedRegex(`\\${n}`);
      else if (n === 'x') {
        const m = /^\\x([0-9a-fA-F]{2})/.exec(go.slice(i));
        if (!m) throw new UnsupportedRegex('\\x{…} escape');
        out.push(m[0]);
        i += 4;
        continue;
      } else out.push(`\\${n}`);
      i += 2;
    } else if (c === '[') {
      const [cls, next] = translateClass(go, i + 1, scope.ci);
      out.push(cls);
      i = next;
    } else if (c === '(') {
      stack.push(scope);
      if (go[i + 1] !== '?') {
        out.push('(');
        i++;
        continue;
      }
      const rest = go.slice(i + 2);
      const named = /^P?<([A-Za-z_]\w*)>/.exec(rest);
      const flagged = /^([a-zA-Z-]*)([:)])/.exec(rest);
      if (named) {
        out.push(`(?<${named[1]}>`);
        i += 2 + named[0].length;
      } else if (flagged && flagged[2] === ')') {
        // `(?i)`: changes the enclosing group's flags from here on; opens no group.
        stack.pop();
        scope = applyFlags(scope, flagged[1]);
        i += 2 + flagged[0].length;
      } else if (flagged) {
        scope = applyFlags(scope, flagged[1]);
        out.push('(?:');
        i += 2 + flagged[0].length;
      } else {
        throw new UnsupportedRegex(`group syntax (?${rest.slice(0, 3)}`);
      }
    } else if (c === ')') {
      if (stack.length === 0) throw new UnsupportedRegex('unbalanced )');
      scope = stack.pop();
      out.push(')');
      i++;
    } else if (c === '.') {
      out.push(scope.dotall ? String.raw`[\s\S]` : String.raw`[^\n]`);
      i++;
    } else if (scope.ci && (isLower(c) || isUpper(c))) {
      out.push(`[${c}${swap(c)}]`);
      i++;
    } else if (c === '{' && /^\{\d*(?:,\d*)?\}/.test(go.slice(i)) && !/^\{\d+(?:,\d*)?\}/.test(go.slice(i))) {
      // `{}` or `{,n}` is a literal in Go; JS would read `{,n}` as a literal too, but say so.
      out.push('\\{');
      i++;
    } else {
      out.push(c);
      i++;
    }
  }
  if (stack.length > 0) throw new UnsupportedRegex('unbalanced (');
  const source = out.join('');
  new RegExp(source, `${flags}dg`); // throws on anything still not JS
  return { source, flags };
}
