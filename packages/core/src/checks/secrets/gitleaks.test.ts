import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, it, expect } from 'vitest';
import { gitleaksHits } from './gitleaks.js';
import { GITLEAKS_ADAPTED, GITLEAKS_RULES, GITLEAKS_SKIPPED } from './gitleaks-rules.js';

const repo = fileURLToPath(new URL('../../../../../', import.meta.url));
const NONE = new Set<string>();

/** Each hit as `type:text`. */
function hits(text: string, except: ReadonlySet<string> = NONE): string[] {
  return gitleaksHits(text, except).hits.map((h) => `${h.type}:${text.slice(h.start, h.end)}`);
}

// Made up for these tests: random, in each vendor's shape.
const STRIPE = 'sk_live_4eC39HqLyjWDarjtT1zdp7dc';
const DIGITALOCEAN = 'dop_v1_8c6b2e0f4a1d9e7c3b5a6f8d2e4c1a0b9f7e5d3c2a1b0e9f8d7c6b5a4e3f2d1c';
const HUBSPOT = 'B3F2A1C4-9D8E-4F7A-8B6C-5D4E3F2A1B0C';

describe('gitleaks rule set: vendor formats', () => {
  it('ports the upstream config: 200+ rules, and lists what it left out and why', () => {
    expect(GITLEAKS_RULES.length).toBeGreaterThan(200);
    expect(GITLEAKS_SKIPPED.map((s) => s.id)).toContain('pkcs12-file');
    expect(GITLEAKS_SKIPPED.every((s) => s.reason.length > 0)).toBe(true);
    expect(GITLEAKS_ADAPTED.some((a) => a.startsWith('curl-auth-header'))).toBe(true);
  });

  it('finds prefixed tokens with the rule as category and the secret as span', () => {
    expect(hits(`STRIPE_KEY=${STRIPE}\n`)).toEqual([`stripe_access_token:${STRIPE}`]);
    expect(hits(`token: ${DIGITALOCEAN}`)).toEqual([`digitalocean_pat:${DIGITALOCEAN}`]);
  });

  it('finds a keyword rule\'s value, not its name', () => {
    expect(hits(`hubspot_api_key = "${HUBSPOT}"`)).toEqual([`hubspot_api_key:${HUBSPOT}`]);
  });

  it('runs a rule only when the text holds one of its keywords', () => {
    // A bare UUID is not a HubSpot key without the word "hubspot" near it.
    expect(hits(`api_key = "${HUBSPOT}"`).filter((h) => h.startsWith('hubspot'))).toEqual([]);
  });

  it('rules out matches at or under the rule\'s entropy minimum, and reports them as vetoed', () => {
    const text = 'ghp_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
    expect(hits(text)).toEqual([]);
    expect(gitleaksHits(text).vetoed.map((h) => h.type)).toEqual(['github_pat']);
  });

  it('honours rule allowlists (AWS documented example ids) and the global one (${VAR}, {{ x }})', () => {
    expect(hits('aws_access_key_id = AKIAIOSFODNN7EXAMPLE')).toEqual([]);
    expect(hits('curl -u "${USER}:${PASSWORD}" https://api.example.com')).toEqual([]);
  });

  it('narrows curl -u user:password to the password', () => {
    expect(hits("curl --user 'deploy:pQ9wTxu4Fg7zKm2' https://api.example.com")).toEqual(['password:pQ9wTxu4Fg7zKm2']);
    expect(hits('curl -u "pQ9wTxu4Fg7zKm2:" https://api.example.com')).toEqual(['password:pQ9wTxu4Fg7zKm2']);
  });

  it('finds a curl header token after decoy curls, and stays linear on "curl curl curl …"', () => {
    const text = `${'curl --help\n'.repeat(50)}curl -H "Authorization: Bearer Zx81kQp2Lm7vNc4Rt6Yw" https://api.example.com`;
    expect(hits(text)).toEqual(['curl_auth_header:Zx81kQp2Lm7vNc4Rt6Yw']);
    expect(hits('curl '.repeat(20_000))).toEqual([]);
  });

  it('leaves rules out by id, for the held-out evaluation', () => {
    expect(hits(`STRIPE_KEY=${STRIPE}`, new Set(['stripe-access-token']))).toEqual([]);
  });

  it('handles hostile runs of keywords and separators without blowing up', () => {
    for (const unit of ['sumo=sumo ', 'meraki: meraki ', 'pwd pwd=', 'ey', '-----BEGIN PRIVATE KEY-----\n', 'xoxb-1234567890-']) {
      const r = gitleaksHits(unit.repeat(Math.ceil(30_000 / unit.length)));
      expect(Array.isArray(r.hits), unit).toBe(true);
    }
  });
});

describe('gitleaks rule set: generated data', () => {
  it('is what scripts/gen-gitleaks-rules.mjs makes from the vendored toml', () => {
    const out = execFileSync(process.execPath, ['scripts/gen-gitleaks-rules.mjs', '--check'], { cwd: repo, encoding: 'utf8' });
    expect(out).toMatch(/is up to date \(\d+ rules\)/);
  });

  it('translates Go regex syntax: scoped (?i), (?-i:…), \\z, POSIX classes and literal ]', async () => {
    const path = `${repo}scripts/gitleaks/go-regex.mjs`;
    const { translateGoRegex } = (await import(path)) as { translateGoRegex: (go: string) => { source: string; flags: string } };
    const js = (go: string) => {
      const { source, flags } = translateGoRegex(go);
      return new RegExp(source, flags);
    };
    expect(js('p8e-(?i)[a-z]{3}').test('p8e-AbC')).toBe(true);
    expect(js('p8e-(?i)[a-z]{3}').test('P8E-abc')).toBe(false);
    expect(js('(?i)x(?-i:Ab)').test('XAb')).toBe(true);
    expect(js('(?i)x(?-i:Ab)').test('xab')).toBe(false);
    expect(js('ab\\z').test('ab\n')).toBe(false);
    expect(js('[[:alnum:]]{3}').test('a1Z')).toBe(true);
    expect(js('[^]]+').test(']]')).toBe(false);
    expect(translateGoRegex('(?i)abc').flags).toBe('i');
    expect(() => translateGoRegex('\\pL')).toThrow();
  });
});
