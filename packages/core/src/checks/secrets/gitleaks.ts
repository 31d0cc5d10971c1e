import { shannonEntropy, type Hit } from './entropy.js';
import { GITLEAKS_GLOBAL_ALLOWLISTS, GITLEAKS_RULES } from './gitleaks-rules.js';

/** An allowlist of a gitleaks rule: a match it covers is not a finding. */
export interface GitleaksAllowlist {
  /** What the regexes test: the secret, the whole match, or the line holding the match. */
  target: string;
  /** AND: every listed kind of check must pass; OR (false): any one suffices. */
  all: boolean;
  regexes: readonly { source: string; flags: string }[];
  /** Lower-case substrings of the secret that mark it as not one. */
  stopwords: readonly string[];
}

/** One gitleaks rule, as data (see gitleaks-rules.ts, generated from gitleaks' own config). */
export interface GitleaksRule {
  id: string;
  /** JavaScript regex source, translated from the rule's Go regex. */
  source: string;
  flags: string;
  /** Which capture group is the secret; default: the first that matched. */
  secretGroup?: number;
  /** The secret's Shannon entropy must exceed this. */
  entropy?: number;
  /** Run from each keyword occurrence over a bounded window, not over the whole text (see WINDOW). */
  windowed?: boolean;
  /** Lower-case strings, one of which the text must contain for the rule to run. */
  keywords: readonly string[];
  allowlists: readonly GitleaksAllowlist[];
  /** Index into GITLEAKS_ORIGINS. */
  origin: number;
}

interface Compiled {
  rule: GitleaksRule;
  /** Global for whole-text rules; sticky for windowed ones, which must match at their keyword. */
  regex: RegExp;
  allow: { target: string; all: boolean; regexes: RegExp[]; stopwords: readonly string[] }[];
}

const compileAllow = (a: GitleaksAllowlist) => ({ ...a, regexes: a.regexes.map((r) => new RegExp(r.source, r.flags)) });

interface Engine {
  rules: Compiled[];
  global: Compiled['allow'];
  /** Finds, in one pass, where any keyword starts; longest first, so each hit is the longest there. */
  keywords: RegExp;
  /** Each keyword with the shorter keywords it begins with (`sk_test` → `sk`), which it implies. */
  implied: Map<string, string[]>;
}

/**
 * gitleaks rules Bridle does not run. `generic-api-key` is gitleaks' catch-all for values given
 * to secret-sounding names; Bridle's assigned-secret detector (scan.ts) does that job with its
 * placeholder and word checks, and running both would only add the catch-all's misfires.
 */
export const REPLACED_GITLEAKS_RULES: ReadonlySet<string> = new Set(['generic-api-key']);

let compiled: Engine | null = null;

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Compiled once, on first use: 200-odd regexes cost a few milliseconds to build. */
function engine(): Engine {
  if (compiled) return compiled;
  const active = GITLEAKS_RULES.filter((r) => !REPLACED_GITLEAKS_RULES.has(r.id));
  const words = [...new Set(active.flatMap((r) => r.keywords))].sort((a, b) => b.length - a.length);
  compiled = {
    rules: active.map((rule) => ({
      rule,
      regex: new RegExp(rule.source, `${rule.flags}${rule.windowed ? 'dy' : 'dg'}`),
      allow: rule.allowlists.map(compileAllow),
    })),
    global: GITLEAKS_GLOBAL_ALLOWLISTS.map(compileAllow),
    keywords: new RegExp(`(?=(${words.map(escape).join('|')}))`, 'g'),
    implied: new Map(words.map((w) => [w, words.filter((v) => w.startsWith(v))])),
  };
  return compiled;
}

/**
 * The rules' keywords that occur in `lower`. Keywords found at one place begin with one another,
 * so the longest found there implies the rest; one regex pass beats 240 `includes` scans.
 */
function keywordsIn(lower: string, e: Engine): Set<string> {
  const found = new Set<string>();
  for (const m of lower.matchAll(e.keywords)) {
    const k = m[1] ?? '';
    if (found.has(k)) continue;
    for (const v of e.implied.get(k) ?? [k]) found.add(v);
  }
  return found;
}

/** True when an allowlist covers the finding (gitleaks' checkFindingAllowed, without paths or commits). */
function allowed(list: Compiled['allow'], secret: string, match: string, line: () => string): boolean {
  const lower = secret.toLowerCase();
  return list.some((a) => {
    const target = a.target === 'match' ? match : a.target === 'line' ? line() : secret;
    const byRegex = a.regexes.some((r) => r.test(target));
    const byWord = a.stopwords.some((w) => lower.includes(w));
    if (!a.all) return byRegex || byWord;
    return (a.regexes.length === 0 || byRegex) && (a.stopwords.length === 0 || byWord);
  });
}

/** The line(s) of `text` that hold [start, end). */
function lineAround(text: string, start: number, end: number): string {
  const from = text.lastIndexOf('\n', start - 1) + 1;
  const to = text.indexOf('\n', end);
  return text.slice(from, to < 0 ? text.length : to);
}

/** `github-pat` → `github_pat`: the finding category. */
export const gitleaksType = (id: string) => id.replace(/[^a-z\d]+/gi, '_').toLowerCase();

/** [start, end) of `s` inside one layer of matching quotes, else of all of `s`. */
function unquoted(s: string, start: number, end: number): [number, number] {
  const q = s[start];
  return end - start >= 2 && (q === '"' || q === "'") && s[end - 1] === q ? [start + 1, end - 1] : [start, end];
}

/**
 * curl-auth-user's secret is `user:password`, quoted in any of several ways; the secret is the
 * password, or the user part when it stands alone (`-u "token:"`), as in Bridle's own curl check.
 * Null when the "password" is code building the command (`' + user + ':' + pass + '`).
 */
function userPassword(secret: string): [number, number] | null {
  const [from, to] = unquoted(secret, 0, secret.length);
  let span: [number, number] = [from, to];
  let quote = '';
  for (let i = from; i < to; i++) {
    const c = secret[i] ?? '';
    if (quote) quote = c === quote ? '' : quote;
    else if (c === '"' || c === "'") quote = c;
    else if (c === ':') {
      const pass = unquoted(secret, i + 1, to);
      span = pass[1] > pass[0] ? pass : unquoted(secret, from, i);
      break;
    }
  }
  return /^\s*\+|\+\s*$/.test(secret.slice(span[0], span[1])) ? null : span;
}

/** Rules whose secret Bridle narrows (null: not a secret after all), and the category it reports them under. */
const NARROW: Record<string, { type: string; narrow: (secret: string) => [number, number] | null }> = {
  'curl-auth-user': { type: 'password', narrow: userPassword },
};

/** What the rules found, and what they matched but ruled out (too little entropy, allowlisted). */
export interface GitleaksResult {
  hits: Hit[];
  /** Matches a rule rejected: generic detectors must not flag them again (AIza… demo keys, …EXAMPLE). */
  vetoed: Hit[];
}

// Windowed rules (curl's, which allow `.*` between `curl` and its `-H`/`-u`) are matched only at
// each keyword occurrence (their regex starts with it), over this many characters, for at most
// MAX_ANCHORS occurrences: linear on hostile text such as "curl curl curl …", where a whole-text
// run rescans the rest of the line once per occurrence.
const WINDOW = 2048;
const MAX_ANCHORS = 256;

/** Start offsets of `rule`'s keywords in `lower`, in order, at most MAX_ANCHORS. */
function anchors(lower: string, keywords: readonly string[]): number[] {
  const at = new Set<number>();
  for (const k of keywords) {
    for (let i = lower.indexOf(k); i >= 0 && at.size < MAX_ANCHORS * 2; i = lower.indexOf(k, i + 1)) at.add(i);
  }
  return [...at].sort((a, b) => a - b).slice(0, MAX_ANCHORS);
}

/**
 * gitleaks' rules over `text`, as gitleaks applies them: a rule runs only when the text contains
 * one of its keywords; its secret is the chosen capture group; a secret at or under the rule's
 * entropy minimum, or covered by the global or the rule's allowlist, is not a finding.
 * `except` leaves rules out by id (the held-out evaluation uses it).
 */
export function gitleaksHits(text: string, except?: ReadonlySet<string>): GitleaksResult {
  const e = engine();
  const lower = text.toLowerCase();
  const present = keywordsIn(lower, e);
  const result: GitleaksResult = { hits: [], vetoed: [] };
  for (const c of e.rules) {
    const { rule, regex } = c;
    if (except?.has(rule.id)) continue;
    if (rule.keywords.length > 0 && !rule.keywords.some((k) => present.has(k))) continue;
    if (!rule.windowed) {
      regex.lastIndex = 0;
      for (let m = regex.exec(text); m; m = regex.exec(text)) {
        if (m[0] === '') regex.lastIndex++;
        else judge(c, e, text, m, 0, result);
      }
      continue;
    }
    let done = 0;
    for (const at of anchors(lower, rule.keywords)) {
      if (at < done) continue;
      // The window keeps one character before the keyword, so a leading `\b` sees what precedes it.
      const from = Math.max(0, at - 1);
      regex.lastIndex = at - from;
      const m = regex.exec(text.slice(from, at + WINDOW));
      if (!m || m[0] === '') continue;
      judge(c, e, text, m, from, result);
      done = from + m.index + m[0].length;
    }
  }
  return result;
}

/** Judges one match `m` of rule `c`, found at `offset` in `text`, into `result`. */
function judge(c: Compiled, e: Engine, text: string, m: RegExpExecArray, offset: number, result: GitleaksResult): void {
  const { rule } = c;
  const group = rule.secretGroup ?? m.findIndex((g, i) => i > 0 && g !== undefined && g !== '');
  const span = group > 0 ? m.indices?.[group] : undefined;
  let [start, end] = span ?? [m.index, m.index + m[0].length];
  start += offset;
  end += offset;
  // gitleaks trims newlines off the match before judging it.
  while (end > start && text[end - 1] === '\n') end--;
  while (start < end && text[start] === '\n') start++;
  const secret = text.slice(start, end);
  if (secret === '') return;
  const post = NARROW[rule.id];
  const narrowed: [number, number] | null = post ? post.narrow(secret) : [0, secret.length];
  if (!narrowed) return;
  const [from, to] = narrowed;
  const hit = { type: post?.type ?? gitleaksType(rule.id), start: start + from, end: start + to };
  const at = offset + m.index;
  const line = () => lineAround(text, at, at + m[0].length);
  const rejected =
    (rule.entropy !== undefined && shannonEntropy(secret) <= rule.entropy) ||
    allowed(e.global, secret, m[0], line) ||
    allowed(c.allow, secret, m[0], line);
  (rejected ? result.vetoed : result.hits).push(hit);
}
