import { z } from 'zod';
import { defineCheck, type CheckResult, type Finding } from '../types.js';
import { textFields } from '../fields.js';
import type { JsonObject } from '../../json.js';
import type { Hit } from './entropy.js';
import { findAssignedSecrets, findHighEntropyTokens, type EntropyTuning } from './scan.js';
import { secretlintConfig, secretlintHits } from './secretlint.js';

export { shannonEntropy, isPlaceholder } from './entropy.js';
export { secretType } from './secretlint.js';

const entropyOptions = z
  .object({
    /** Also flag random-looking tokens that no vendor rule knows. */
    enabled: z.boolean().default(true),
    /** Shortest free-standing token judged by entropy alone. */
    min_length: z.number().int().min(8).max(1000).default(20),
    /** Shannon entropy, in bits per character, that a free-standing token needs. */
    threshold: z.number().min(1).max(6).default(3.5),
    /** Shortest value, assigned to a name such as `api_key` or `password`, judged by entropy. */
    assigned_min_length: z.number().int().min(4).max(1000).default(8),
    /** Entropy an assigned value needs; lower, since its name already says "secret". */
    assigned_threshold: z.number().min(0).max(6).default(2.5),
  })
  .strict();

export const secretsOptions = z
  .object({
    /** Top-level params to search; missing or non-string ones are skipped. */
    fields: z.array(z.string().min(1)).min(1).default(['text']),
    entropy: entropyOptions.prefault({}),
  })
  .strict();

export type SecretsOptions = z.output<typeof secretsOptions>;

const LABELS: Record<string, string> = {
  high_entropy: 'high-entropy token',
  generic_secret: 'random-looking value assigned to a secret name',
};

/** Findings reported per run; `reason` still counts them all and `redacted` removes them all. */
const MAX_FINDINGS = 50;

/** What to call a type in messages: `github_token` → "github token". */
function label(type: string): string {
  return LABELS[type] ?? type.replace(/_/g, ' ');
}

/** Enough to recognise the secret in the approval UI, never enough to use it. */
function mask(secret: string): string {
  return `${secret.slice(0, 4)}…`;
}

/** By start, the longer of two hits at the same place first. */
function byStart(a: Hit, b: Hit): number {
  return a.start - b.start || b.end - a.end;
}

/**
 * The hits of each group, in order, that overlap no hit kept before them; earlier groups are the
 * more specific detectors. Sorted merging keeps this O(n log n) on text full of tokens.
 */
function dedupe(groups: readonly Hit[][]): Hit[] {
  let kept: Hit[] = [];
  for (const group of groups) {
    const fresh: Hit[] = [];
    let i = 0;
    for (const h of [...group].sort(byStart)) {
      // `kept` never overlaps itself, so its ends rise with its starts.
      while (i < kept.length && (kept[i]?.end ?? 0) <= h.start) i++;
      if (i < kept.length && (kept[i]?.start ?? Infinity) < h.end) continue;
      const last = fresh[fresh.length - 1];
      if (last && last.end > h.start) continue;
      fresh.push(h);
    }
    kept = [...kept, ...fresh].sort(byStart);
  }
  return kept;
}

/**
 * `text` with each hit replaced by `[SECRET]`, in one pass. (`redactParams` re-slices the string
 * per finding, which is quadratic when a large param holds thousands of tokens.)
 */
function redact(text: string, hits: readonly Hit[]): string {
  const parts: string[] = [];
  let at = 0;
  for (const h of hits) {
    parts.push(text.slice(at, h.start), '[SECRET]');
    at = h.end;
  }
  parts.push(text.slice(at));
  return parts.join('');
}

/**
 * `secrets`: no credentials in the given params. Three detectors: secretlint's recommended preset
 * with AWS access key ids turned on (vendor formats: AWS, GitHub, Slack, private keys, …); values
 * given to secret-sounding names (`api_key = "…"`, `Authorization: Bearer …`, `--password …`,
 * `curl -u user:pass`) that look random; and free-standing high-entropy tokens. Placeholders
 * (`xxxx`, `<your-key>`, `${TOKEN}`, AWS's documented example key), commit ids and other hex
 * digests, UUIDs, link paths, hashtags and wallet addresses are not flagged. Findings show only a
 * secret's first 4 characters; `redacted` replaces each with `[SECRET]`.
 *
 * @example
 *   checks:
 *     - secrets: {}
 *     - secrets: { fields: [text, title], entropy: { threshold: 4 } }
 */
export const secrets = defineCheck({
  name: 'secrets',
  description: 'Blocks credentials: vendor key formats (secretlint, AWS key ids) and high-entropy tokens.',
  options: secretsOptions,
  create(options) {
    const config = secretlintConfig();
    const fields = [...new Set(options.fields)];
    const e = options.entropy;
    const tuning: EntropyTuning = {
      minLength: e.min_length,
      threshold: e.threshold,
      assignedMinLength: e.assigned_min_length,
      assignedThreshold: e.assigned_threshold,
    };

    return {
      name: 'secrets',
      async run(input, signal): Promise<CheckResult> {
        const findings: Finding[] = [];
        const types: string[] = [];
        const redacted: JsonObject = { ...input.params };
        for (const { field, text } of textFields(input.params, fields)) {
          const vendor = await secretlintHits(text, config, signal);
          signal.throwIfAborted();
          const groups = e.enabled ? [vendor, findAssignedSecrets(text, tuning), findHighEntropyTokens(text, tuning)] : [vendor];
          const hits = dedupe(groups);
          for (const h of hits) {
            const span = { start: h.start, end: h.end };
            findings.push({ message: `possible ${label(h.type)}`, field, span, match: mask(text.slice(h.start, h.end)) });
            types.push(h.type);
          }
          if (hits.length > 0) redacted[field] = redact(text, hits);
        }
        if (findings.length === 0) return { passed: true, score: 1, reason: 'no secrets found', findings };
        const kinds = [...new Set(types)].map(label).join(', ');
        const count = findings.length === 1 ? 'a possible secret' : `${findings.length} possible secrets`;
        return {
          passed: false,
          score: 0,
          reason: `found ${count}: ${kinds}`,
          // Every finding is redacted, but the audit trail keeps a readable number of them.
          findings: findings.slice(0, MAX_FINDINGS),
          redacted,
          category: types[0],
        };
      },
    };
  },
});
