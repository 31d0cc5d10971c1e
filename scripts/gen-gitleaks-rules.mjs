#!/usr/bin/env node
// Converts gitleaks' rule set (scripts/gitleaks/*.toml, MIT) into the TypeScript data module
// packages/core/src/checks/secrets/gitleaks-rules.ts used by the `secrets` check.
//
//   node scripts/gen-gitleaks-rules.mjs            # rewrite the module
//   node scripts/gen-gitleaks-rules.mjs --check    # exit 1 if the module is out of date
//
// What is kept: each rule's id, regex (translated from Go's RE2 syntax, see gitleaks/go-regex.mjs),
// secretGroup, entropy minimum, keywords, and allowlists (regexes with their target, stopwords,
// OR/AND condition). What cannot apply to text that has no file path or commit is dropped and
// listed in the module: rules limited to a file `path` (or matching on the path alone), and
// allowlist entries that need a path or commit to match.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseToml } from './gitleaks/toml.mjs';
import { translateGoRegex, UnsupportedRegex } from './gitleaks/go-regex.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const SOURCES = [
  {
    file: 'scripts/gitleaks/gitleaks.toml',
    origin: 'gitleaks/gitleaks config/gitleaks.toml @ 009e025ad4106ab333aa0b9dc4f2a884390d134c',
  },
  {
    file: 'scripts/gitleaks/gitleaks-newer.toml',
    origin: 'gitleaks/gitleaks cmd/generate/config/rules/{airtable,aws,looker}.go (rules added after that snapshot)',
  },
];
const OUT = 'packages/core/src/checks/secrets/gitleaks-rules.ts';

const LICENSE = `MIT License

Copyright (c) 2019 Zachary Rice

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.`;

const skipped = [];
const dropped = [];
const adapted = [];

// Keyword-less rules run on every text, so their regex cost is paid on every post. These are the
// literals their regex cannot match without (one of them, case-insensitively), used as keywords.
const DERIVED_KEYWORDS = {
  'database-password': ['db_passw', 'database_passw', 'pwd'],
};

// `[\w.-]{0,50}?(?i:[\w.-]{0,50}?` (gitleaks' semi-generic template with a case-sensitive
// keyword) tries 50 × 50 prefix splits at every position in a backtracking engine; RE2 does not
// care, V8 does. Both classes are case-free, so one `{0,100}?` before the group is the same regex.
const DOUBLE_PREFIX = String.raw`[\w.-]{0,50}?(?i:[\w.-]{0,50}?`;
const SINGLE_PREFIX = String.raw`[\w.-]{0,100}?(?i:`;

function regex(go, where) {
  try {
    return translateGoRegex(go);
  } catch (e) {
    if (e instanceof UnsupportedRegex || e instanceof SyntaxError) throw new Error(`${where}: ${e.message}`);
    throw e;
  }
}

/** The allowlists that can still match without a path or commit; notes the rest. */
function allowlists(list, owner) {
  const out = [];
  for (const a of list ?? []) {
    const and = (a.condition ?? 'OR').toUpperCase() === 'AND';
    const needsContext = (a.paths?.length ?? 0) > 0 || (a.commits?.length ?? 0) > 0;
    const regexes = (a.regexes ?? []).map((r, n) => regex(r, `${owner} allowlist regex ${n}`));
    const stopwords = (a.stopwords ?? []).map((w) => w.toLowerCase());
    if ((and && needsContext) || (regexes.length === 0 && stopwords.length === 0)) {
      dropped.push(`${owner}: an allowlist that only matches on ${and ? 'a path AND content' : 'paths or commits'}`);
      continue;
    }
    out.push({ target: a.regexTarget ?? 'secret', all: and, regexes, stopwords });
  }
  return out;
}

const rules = [];
let globalAllow = [];
for (const { file, origin } of SOURCES) {
  const doc = parseToml(readFileSync(join(root, file), 'utf8'));
  if (doc.allowlist) globalAllow = [...globalAllow, ...allowlists([doc.allowlist], 'global')];
  for (const r of doc.rules ?? []) {
    if (!r.regex) {
      skipped.push({ id: r.id, reason: 'matches on the file path only' });
      continue;
    }
    if (r.path) {
      skipped.push({ id: r.id, reason: `applies only to files matching ${r.path}` });
      continue;
    }
    try {
      let go = r.regex;
      if (go.includes(DOUBLE_PREFIX)) {
        go = go.split(DOUBLE_PREFIX).join(SINGLE_PREFIX);
        adapted.push(`${r.id}: merged the doubled [\\w.-]{0,50}? name prefix (same language, linear cost)`);
      }
      const keywords = r.keywords ?? DERIVED_KEYWORDS[r.id] ?? [];
      if (!r.keywords && DERIVED_KEYWORDS[r.id]) adapted.push(`${r.id}: keywords derived from its regex (${keywords.join(', ')})`);
      const { source, flags } = regex(go, r.id);
      // An unbounded `.*` (Go's dot, translated as [^\n]) lets a backtracking engine rescan to the
      // end of the line from every start: such rules are run in windows after each keyword instead.
      const windowed = source.includes(String.raw`[^\n]*`);
      if (windowed) adapted.push(`${r.id}: run in a window after each keyword (it has an unbounded .*)`);
      rules.push({
        id: r.id,
        source,
        flags,
        windowed,
        ...(r.secretGroup ? { secretGroup: r.secretGroup } : {}),
        ...(r.entropy ? { entropy: r.entropy } : {}),
        keywords: [...new Set(keywords.map((k) => k.toLowerCase()))],
        allowlists: allowlists(r.allowlists, r.id),
        origin,
      });
    } catch (e) {
      skipped.push({ id: r.id, reason: `regex does not translate: ${e.message}` });
    }
  }
}

const json = (v) => JSON.stringify(v);
/** A string array wrapped to about 110 columns, for the long stopword list. */
function wrapped(words, indent) {
  const lines = [];
  let line = '';
  for (const w of words.map(json)) {
    if (line.length + w.length + 2 > 110) {
      lines.push(line);
      line = '';
    }
    line += `${w}, `;
  }
  if (line) lines.push(line);
  return `[\n${lines.map((l) => indent + '  ' + l.trimEnd()).join('\n')}\n${indent}]`;
}
function allowText(list, indent) {
  if (list.length === 0) return '[]';
  const items = list.map(
    (a) =>
      `${indent}  { target: ${json(a.target)}, all: ${a.all}, regexes: ${json(a.regexes)}, stopwords: ${
        a.stopwords.length > 8 ? wrapped(a.stopwords, indent + '  ') : json(a.stopwords)
      } }`,
  );
  return `[\n${items.join(',\n')},\n${indent}]`;
}

const origins = [...new Set(rules.map((r) => r.origin))];
const text = `// GENERATED by scripts/gen-gitleaks-rules.mjs — do not edit; change the toml and re-run it.
//
// Vendor token formats from gitleaks (https://github.com/gitleaks/gitleaks), ported as data:
${SOURCES.map((s) => `//   - ${s.origin}`).join('\n')}
// Regexes are translated from Go's RE2 syntax to JavaScript; see scripts/gitleaks/go-regex.mjs.
//
${LICENSE.split('\n').map((l) => `// ${l}`.trimEnd()).join('\n')}
import type { GitleaksAllowlist, GitleaksRule } from './gitleaks.js';

/** Where the rules come from, by index into \`origin\`. */
export const GITLEAKS_ORIGINS: readonly string[] = ${json(origins)};

/** gitleaks' global allowlist (placeholders such as \`\${VAR}\`, \`{{ x }}\`, \`true\`, \`/usr/…\`). */
export const GITLEAKS_GLOBAL_ALLOWLISTS: readonly GitleaksAllowlist[] = ${allowText(globalAllow, '')};

export const GITLEAKS_RULES: readonly GitleaksRule[] = [
${rules
  .map(
    (r) =>
      `  {\n    id: ${json(r.id)},\n    source: ${json(r.source)},\n    flags: ${json(r.flags)},\n${
        r.secretGroup ? `    secretGroup: ${r.secretGroup},\n` : ''
      }${r.entropy ? `    entropy: ${r.entropy},\n` : ''}${r.windowed ? '    windowed: true,\n' : ''}    keywords: ${json(r.keywords)},\n    allowlists: ${allowText(
        r.allowlists,
        '    ',
      )},\n    origin: ${origins.indexOf(r.origin)},\n  },`,
  )
  .join('\n')}
];

/** Upstream rules left out, and why: they need a file path, which a param does not have. */
export const GITLEAKS_SKIPPED: readonly { id: string; reason: string }[] = ${json(skipped)};

/** Upstream allowlist entries left out for the same reason. */
export const GITLEAKS_DROPPED_ALLOWLISTS: readonly string[] = ${json(dropped)};

/** Where a rule differs from upstream, to run in a backtracking regex engine at post speed. */
export const GITLEAKS_ADAPTED: readonly string[] = ${json(adapted)};
`;

const path = join(root, OUT);
if (process.argv.includes('--check')) {
  const current = readFileSync(path, 'utf8');
  if (current !== text) {
    console.error(`${OUT} is out of date: run node scripts/gen-gitleaks-rules.mjs`);
    process.exit(1);
  }
  console.log(`${OUT} is up to date (${rules.length} rules)`);
} else {
  writeFileSync(path, text);
  console.log(`wrote ${OUT}: ${rules.length} rules, ${skipped.length} skipped`);
  for (const s of skipped) console.log(`  skipped ${s.id}: ${s.reason}`);
  for (const d of dropped) console.log(`  dropped ${d}`);
  for (const a of adapted) console.log(`  adapted ${a}`);
}
