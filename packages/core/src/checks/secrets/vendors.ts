import type { Hit } from './entropy.js';

// Token formats that neither secretlint 12.0.0's preset nor gitleaks' default config covers yet.
// The tailscale, cloudflare and azure patterns are ported from secretlint's newer rules
// (secretlint/secretlint packages/@secretlint/secretlint-rule-{tailscale,cloudflare,azure},
// MIT, Copyright (c) 2020 azu); the GitHub one is GitHub's documented stateless installation
// token, `ghs_<app id>_<JWT>`, which the classic `ghs_` + 36 characters rule misses.

interface VendorRule {
  /** The upstream rule family, so a held-out evaluation can leave it out. */
  family: string;
  type: string;
  /** Lower-case strings one of which the text must hold, so most texts skip the regex. */
  keywords: readonly string[];
  regex: RegExp;
  /** The capture group holding the secret; the whole match when absent. */
  group?: number;
  /** Picks the type from the match, for rules covering several kinds of token. */
  typeOf?: (m: RegExpExecArray) => string;
}

const TAILSCALE_KINDS = new Set(['api', 'auth', 'client', 'scim', 'webhook']);
const GUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
// An optional quote, then `:`, `=>`, `=` or `:=` (secretlint's azure rule).
const ASSIGN = String.raw`["']?\s*(?::|=>|=|:=)\s*["']?`;

const RULES: readonly VendorRule[] = [
  {
    family: 'tailscale',
    type: 'tailscale_key',
    keywords: ['tskey-'],
    regex: /(?<!\p{L})tskey-([a-z]+)-[0-9A-Za-z_]{8,40}-[0-9A-Za-z_]{16,60}(?![0-9A-Za-z_])/dgu,
    typeOf: (m) => (TAILSCALE_KINDS.has(m[1] ?? '') ? `tailscale_${m[1]}_key` : 'tailscale_key'),
  },
  {
    family: 'cloudflare',
    type: 'cloudflare_api_token',
    keywords: ['cfk_', 'cfut_', 'cfat_'],
    regex: /(?<!\p{L})(cfk|cfut|cfat)_[A-Za-z0-9]{48}(?![A-Za-z0-9])/dgu,
    typeOf: (m) => (m[1] === 'cfk' ? 'cloudflare_global_api_key' : m[1] === 'cfut' ? 'cloudflare_user_api_token' : 'cloudflare_account_api_token'),
  },
  {
    family: 'azure',
    type: 'azure_tenant_id',
    keywords: ['tenant'],
    regex: new RegExp(String.raw`["']?(?:azure|ad)_?tenant_?id${ASSIGN}(${GUID})["']?\b`, 'dgi'),
    group: 1,
  },
  {
    family: 'azure',
    type: 'azure_client_id',
    keywords: ['client'],
    regex: new RegExp(String.raw`["']?(?:azure)?_?client_?id${ASSIGN}(${GUID})["']?\b`, 'dgi'),
    group: 1,
  },
  {
    family: 'azure',
    type: 'azure_client_secret',
    keywords: ['client'],
    regex: new RegExp(String.raw`["']?(?:azure)?_?client_?secret${ASSIGN}([-_.~a-z0-9]{40})["']?\b`, 'dgi'),
    group: 1,
  },
  {
    family: 'github',
    type: 'github_installation_token',
    keywords: ['ghs_'],
    regex: /\bghs_[0-9]+_eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/dg,
  },
];

/** Hits of the rules above, less the `except` families; callers judge placeholders, as for every vendor rule. */
export function vendorHits(text: string, except?: ReadonlySet<string>): Hit[] {
  const lower = text.toLowerCase();
  const hits: Hit[] = [];
  for (const rule of RULES) {
    if (except?.has(rule.family)) continue;
    if (!rule.keywords.some((k) => lower.includes(k))) continue;
    rule.regex.lastIndex = 0;
    for (let m = rule.regex.exec(text); m; m = rule.regex.exec(text)) {
      const [start, end] = (rule.group === undefined ? undefined : m.indices?.[rule.group]) ?? [m.index, m.index + m[0].length];
      hits.push({ type: rule.typeOf?.(m) ?? rule.type, start, end });
    }
  }
  return hits;
}
