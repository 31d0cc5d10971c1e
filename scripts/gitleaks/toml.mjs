// A TOML reader for the subset gitleaks' config uses: `[table]`, `[[array.of.tables]]`,
// `key = value` with '''literal''', 'literal' and "basic" strings, numbers, booleans and
// (multi-line, comma-separated) arrays of those. Enough for scripts/gen-gitleaks-rules.mjs;
// it throws on anything else rather than guess.

const BASIC_ESCAPES = { b: '\b', t: '\t', n: '\n', f: '\f', r: '\r', '"': '"', '\\': '\\' };

/** Reads one value at `s[i]`; returns [value, nextIndex]. */
function readValue(s, i) {
  if (s.startsWith("'''", i)) {
    const end = s.indexOf("'''", i + 3);
    if (end < 0) throw new Error(`unterminated ''' string at ${i}`);
    // A newline right after the opening quotes is not part of the string.
    return [s.slice(i + 3, end).replace(/^\r?\n/, ''), end + 3];
  }
  if (s[i] === "'") {
    const end = s.indexOf("'", i + 1);
    return [s.slice(i + 1, end), end + 1];
  }
  if (s[i] === '"') {
    let out = '';
    let j = i + 1;
    for (; s[j] !== '"'; j++) {
      if (j >= s.length || s[j] === '\n') throw new Error(`unterminated string at ${i}`);
      if (s[j] !== '\\') {
        out += s[j];
        continue;
      }
      const e = s[++j];
      if (e === 'u') {
        out += String.fromCharCode(parseInt(s.slice(j + 1, j + 5), 16));
        j += 4;
      } else if (e in BASIC_ESCAPES) out += BASIC_ESCAPES[e];
      else throw new Error(`bad escape \\${e} at ${j}`);
    }
    return [out, j + 1];
  }
  if (s[i] === '[') {
    const arr = [];
    let j = i + 1;
    for (;;) {
      j = skipBlank(s, j);
      if (s[j] === ']') return [arr, j + 1];
      const [v, next] = readValue(s, j);
      arr.push(v);
      j = skipBlank(s, next);
      if (s[j] === ',') j++;
      else if (s[j] !== ']') throw new Error(`expected , or ] at ${j}`);
    }
  }
  const m = /^(?:true|false|[+-]?\d+(?:\.\d+)?)/.exec(s.slice(i));
  if (!m) throw new Error(`unsupported value at ${i}: ${s.slice(i, i + 20)}`);
  const v = m[0] === 'true' ? true : m[0] === 'false' ? false : Number(m[0]);
  return [v, i + m[0].length];
}

/** Skips spaces, newlines and comments. */
function skipBlank(s, i) {
  for (;;) {
    while (i < s.length && /\s/.test(s[i])) i++;
    if (s[i] !== '#') return i;
    while (i < s.length && s[i] !== '\n') i++;
  }
}

/** The document as plain objects: tables are objects, arrays of tables are arrays. */
export function parseToml(s) {
  const root = {};
  let table = root;
  let i = 0;
  for (;;) {
    i = skipBlank(s, i);
    if (i >= s.length) return root;
    const header = /^\[(\[)?\s*([A-Za-z0-9_.-]+)\s*\]\]?/.exec(s.slice(i));
    if (header) {
      const path = header[2].split('.');
      let parent = root;
      for (const key of path.slice(0, -1)) {
        const v = parent[key];
        parent = Array.isArray(v) ? v[v.length - 1] : (parent[key] ??= {});
      }
      const last = path[path.length - 1];
      if (header[1]) {
        table = {};
        (parent[last] ??= []).push(table);
      } else {
        table = parent[last] ??= {};
      }
      i += header[0].length;
      continue;
    }
    const key = /^([A-Za-z0-9_-]+)\s*=\s*/.exec(s.slice(i));
    if (!key) throw new Error(`unexpected text at ${i}: ${s.slice(i, i + 30)}`);
    const [value, next] = readValue(s, i + key[0].length);
    table[key[1]] = value;
    i = next;
  }
}
