import { z } from 'zod';
import { defineCheck, type CheckResult, type Finding } from '../types.js';
import { textFields } from '../fields.js';
import type { JsonObject } from '../../json.js';
import type { Hit } from './entropy.js';
import { detectSecrets } from './detect.js';
import type { EntropyTuning } from './scan.js';
import { secretlintConfig } from './secretlint.js';
import { secretsOptions, type SecretsOptions } from './options.js';
export { secretsOptions, type SecretsOptions } from './options.js';

export { shannonEntropy, isPlaceholder } from './entropy.js';
export { secretType } from './secretlint.js';


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
 * `secrets`: no credentials in the given params. Vendor formats first: secretlint's recommended
 * preset (AWS key ids on), gitleaks' rule set ported as data (gitleaks-rules.ts, ~220 formats,
 * with their keywords, entropy minimums and allowlists) and a few newer formats (vendors.ts).
 * Then values given to secret-sounding names (`api_key = "…"`, `Authorization: Bearer …`,
 * `--password …`, `curl -u user:pass`, name/value pairs) that look random, and, if
 * `entropy.free_standing` is on, lone high-entropy tokens. Placeholders (`xxxx`, fills, repeats,
 * `<your-key>`, `${TOKEN}`, documented example keys), hex digests, UUIDs, link paths, hashtags and
 * wallet addresses are not flagged. Findings carry their category and show only a secret's first
 * 4 characters; `redacted` replaces each with `[SECRET]`.
 *
 * @example
 *   checks:
 *     - secrets: {}
 *     - secrets: { fields: [text, title], entropy: { free_standing: true, threshold: 4 } }
 */
export const secrets = defineCheck({
  name: 'secrets',
  description: 'Blocks credentials: vendor key formats (secretlint, gitleaks rules) and random values given to secret names.',
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
          const hits = await detectSecrets(text, { secretlint: config, tuning: e.enabled ? tuning : null, freeStanding: e.free_standing, signal });
          for (const h of hits) {
            const span = { start: h.start, end: h.end };
            findings.push({ message: `possible ${label(h.type)}`, field, span, match: mask(text.slice(h.start, h.end)), category: h.type });
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
