import { lintSource } from '@secretlint/core';
import { secretLintProfiler } from '@secretlint/profiler';
import { creator as recommended } from '@secretlint/secretlint-rule-preset-recommend';
import type { Hit } from './entropy.js';

// secretlint 12 profiles every lint with ~56 perf_hooks marks that nothing ever clears, and its
// observer keeps every entry and scans them all for each new one: in a long-lived server that is
// unbounded memory and quadratic CPU (5,000 lints then take minutes of CPU to settle). Bridle
// never reads the profile, so marking is switched off for the whole process.
secretLintProfiler.mark = () => {};

export type LintConfig = Parameters<typeof lintSource>[0]['options']['config'];

/**
 * secretlint's recommended preset, plus the AWS rule's access-key-id scan (AKIA…/ASIA…, and
 * account ids next to an "account" key), which the preset leaves off by default.
 *
 * The preset's comment filter is turned off: `secretlint-disable` in the text would otherwise
 * let the agent whose output is being checked switch the check off.
 */
export function secretlintConfig(): LintConfig {
  return {
    rules: [
      {
        id: '@secretlint/secretlint-rule-preset-recommend',
        rule: recommended,
        rules: [
          { id: '@secretlint/secretlint-rule-aws', options: { enableIDScanRule: true } },
          { id: '@secretlint/secretlint-rule-filter-comments', disabled: true },
        ],
      },
    ],
  };
}

/**
 * For each preset rule, a pattern its matches cannot do without (read from the secretlint 12.0.0
 * rules; the package is pinned): a vendor prefix, `secret_access_key =`, or a link holding `@`
 * before any space. A lint costs ~40 µs however short the text, most of a post's budget, so a
 * text none of these can match is not linted. A test checks every preset rule has an entry.
 */
export const SECRETLINT_TRIGGERS: Readonly<Record<string, string>> = {
  '@secretlint/secretlint-rule-aws': String.raw`a3t|akia|agpa|aida|aroa|aipa|anpa|anva|asia|secret_?access_?key|account_?(?:id)?["']?\s*(?::|=>|=)`,
  '@secretlint/secretlint-rule-gcp': 'private_key',
  '@secretlint/secretlint-rule-privatekey': '-----begin',
  '@secretlint/secretlint-rule-npm': 'npm_|_authtoken=|x-oauth-basic',
  '@secretlint/secretlint-rule-basicauth': String.raw`://\S{0,600}@`,
  '@secretlint/secretlint-rule-slack': String.raw`xox[bpaor]-|xapp-|hooks\.slack\.com`,
  '@secretlint/secretlint-rule-sendgrid': String.raw`sg\.`,
  '@secretlint/secretlint-rule-shopify': 'shp(?:pa|ca|at|ss)_',
  '@secretlint/secretlint-rule-github': 'gh[pousr]_|github_pat_',
  '@secretlint/secretlint-rule-gitlab': 'glpat-',
  '@secretlint/secretlint-rule-grafana': 'gl(?:c|sa)_',
  '@secretlint/secretlint-rule-openai': 'sk-',
  '@secretlint/secretlint-rule-anthropic': 'sk-ant-',
  '@secretlint/secretlint-rule-groq': 'gsk_',
  '@secretlint/secretlint-rule-huggingface': 'hf_|api_org_',
  '@secretlint/secretlint-rule-linear': 'lin_api_',
  '@secretlint/secretlint-rule-notion': 'ntn_',
  '@secretlint/secretlint-rule-1password': 'ops_',
  '@secretlint/secretlint-rule-database-connection-string': String.raw`://\S{0,600}@`,
  '@secretlint/secretlint-rule-hashicorp-vault': String.raw`hv[sbr]\.`,
  '@secretlint/secretlint-rule-vercel': 'vc[pciark]_',
  '@secretlint/secretlint-rule-databricks': 'dapi',
  '@secretlint/secretlint-rule-docker': 'dckr_pat_',
  '@secretlint/secretlint-rule-figma': 'figd_',
};
const TRIGGER = new RegExp(Object.values(SECRETLINT_TRIGGERS).join('|'), 'i');

/** False when no preset rule could match `text`, so the lint can be skipped. */
export function secretlintMayMatch(text: string): boolean {
  return TRIGGER.test(text);
}

/** `AWSAccessKeyID` → `aws_access_key_id`, `IncomingWebhook` from the slack rule → `slack_incoming_webhook`. */
export function secretType(ruleId: string, messageId: string): string {
  const snake = messageId
    .replace(/([a-z\d])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z\d]+/g, '_');
  const vendor = ruleId.replace(/^.*secretlint-rule-/, '').replace(/[^a-z\d]+/g, '_');
  const compact = (s: string) => s.replace(/_/g, '');
  return vendor === '' || compact(snake).startsWith(compact(vendor)) ? snake : `${vendor}_${snake}`;
}

/** The span of the last match of `value` inside [start, end), or null. */
function lastMatch(text: string, start: number, end: number, value: RegExp): [number, number] | null {
  let found: [number, number] | null = null;
  for (const m of text.slice(start, end).matchAll(value)) found = [start + (m.index ?? 0), start + (m.index ?? 0) + m[0].length];
  return found;
}

const AWS_SECRET_VALUE = /(?:=>|[:=])\s*["']?([A-Za-z0-9/+=]{40})(?![A-Za-z0-9/+=])/g;
const AWS_ACCOUNT_VALUE = /\d{4}-?\d{4}-?\d{4}/g;

/**
 * secretlint 12's AWS rules report from the start of `AWS_SECRET_ACCESS_KEY = …` (the secret
 * key with the key's length, so it stops mid-key); narrow both to the value alone, so that a
 * highlight covers and a redaction removes exactly the secret.
 */
function narrow(text: string, messageId: string, start: number, end: number): [number, number] {
  if (messageId === 'AWSSecretAccessKey') {
    AWS_SECRET_VALUE.lastIndex = start;
    const m = AWS_SECRET_VALUE.exec(text);
    if (m && m.index <= end) return [m.index + m[0].length - 40, m.index + m[0].length];
  }
  if (messageId === 'AWSAccountID') return lastMatch(text, start, end, AWS_ACCOUNT_VALUE) ?? [start, end];
  return [start, end];
}

/** [start, end) of each link's path: after the host, before any query or fragment. */
function urlPaths(text: string): [number, number][] {
  const out: [number, number][] = [];
  for (const m of text.matchAll(/(?<![a-z\d+.-])[a-z][a-z\d+.-]{0,31}:\/\/[^\s/"'<>\x60]+(\/[^\s?#"'<>\x60]*)/gi)) {
    const path = m[1] ?? '';
    out.push([m.index + m[0].length - path.length, m.index + m[0].length]);
  }
  return out;
}

// secretlint 12 drops duplicate messages by comparing each with all later ones, so a text with
// thousands of matches costs seconds of blocked event loop. Long text is linted in windows that
// overlap by more than any secret secretlint matches (a 4096-bit PEM key is ~3.4 KB).
const WINDOW_STEP = 16_384;
const WINDOW_OVERLAP = 8_192;

/** [start, end) windows covering `text`, with edges moved to whitespace where one is near. */
function windows(text: string): [number, number][] {
  if (text.length <= WINDOW_STEP + WINDOW_OVERLAP) return [[0, text.length]];
  const edge = (at: number) => {
    if (at <= 0 || at >= text.length) return Math.min(Math.max(at, 0), text.length);
    const near = text.slice(at, at + 256).search(/\s/);
    return near < 0 ? at : at + near;
  };
  const out: [number, number][] = [];
  for (let start = 0; start < text.length; start += WINDOW_STEP) {
    out.push([edge(start), edge(start + WINDOW_STEP + WINDOW_OVERLAP)]);
    if (start + WINDOW_STEP + WINDOW_OVERLAP >= text.length) break;
  }
  return out;
}

/**
 * Runs secretlint over one string; offsets are UTF-16, as secretlint's rules match on JS strings.
 * A lint cannot be interrupted, so `signal` is honoured between windows of a long text.
 */
export async function secretlintHits(text: string, config: LintConfig, signal?: AbortSignal): Promise<Hit[]> {
  if (!secretlintMayMatch(text)) return [];
  // The GCP rule reads service-account JSON only from a .json source.
  const ext = /^\s*\{/.test(text) ? '.json' : '.txt';
  const found: { start: number; end: number; ruleId: string; messageId: string }[] = [];
  for (const [from, to] of windows(text)) {
    signal?.throwIfAborted();
    const result = await lintSource({
      source: { content: text.slice(from, to), filePath: `param${ext}`, ext, contentType: 'text' },
      options: { config, noPhysicFilePath: true },
    });
    for (const m of result.messages) found.push({ start: from + m.range[0], end: from + m.range[1], ruleId: m.ruleId, messageId: m.messageId });
  }
  const hits: Hit[] = [];
  const paths = urlPaths(text);
  let p = 0;
  // By start, longest first: a window edge can cut a token that the next window sees whole.
  for (const m of found.sort((a, b) => a.start - b.start || b.end - a.end)) {
    // Vendor prefixes turn up inside file names in links (…/2018-xoxo-party-1.jpg).
    while (p < paths.length && (paths[p]?.[1] ?? 0) <= m.start) p++;
    if (p < paths.length && (paths[p]?.[0] ?? Infinity) < m.start) continue;
    const [start, end] = narrow(text, m.messageId, m.start, m.end);
    if (end <= start) continue;
    hits.push({ type: secretType(m.ruleId, m.messageId), start, end });
  }
  return hits;
}
