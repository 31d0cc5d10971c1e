import { describe, it, expect } from 'vitest';
import type { CheckResult } from '../types.js';
import type { JsonObject } from '../../json.js';
import { secrets, secretType, shannonEntropy, isPlaceholder } from './index.js';

const signal = new AbortController().signal;

async function run(params: JsonObject, raw: unknown = {}): Promise<CheckResult> {
  const check = secrets.create(secrets.options.parse(raw));
  return check.run({ agentId: 'a', actionType: 'social.post', params }, signal);
}

/** Each finding's text, cut from the param by its span. */
async function found(text: string, raw: unknown = {}): Promise<string[]> {
  const r = await run({ text }, raw);
  return r.findings.map((f) => text.slice(f.span?.start, f.span?.end));
}

// Made up for these tests: random, in each vendor's shape.
const GITHUB = 'ghp_u8jzPde0IgxLd6GncfBAepfJBd0Kh8oOOL8d';
const AWS_ID = 'AKIAZDOC9IS0J8HT9LGM';
const AWS_SECRET = 'FkM+R5Kjp1vRt/1fjORS+6ilI8ihN5KXSc7Tvo+h';
const SLACK = 'xoxb-34236671276-8426846563212-joQoaF1LlqsajAIxNKu8iS2G';
const PRIVATE_KEY = [
  '-----BEGIN PRIVATE KEY-----',
  'MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg3V4iXandGFRjEsai',
  'ASTDMJUy9fsuHl2+JOy4IOJ4M2mhRANCAAS5TtM9thigIdPnrHEbwpEDZU1CA8Mv',
  'nIpeLV1pqRavbbkhq6rjvah5AoxZpmJg44GsPcfIkBTvomppaT4IeVIE',
  '-----END PRIVATE KEY-----',
].join('\n');
const RANDOM = 'dgaj8gxbenyjqwx4hh5344tfjgvq';

describe('secrets: vendor formats (secretlint recommended + AWS key ids)', () => {
  const cases: [string, string, string][] = [
    ['an AWS access key id', AWS_ID, 'aws_access_key_id'],
    ['an AWS temporary key id', 'ASIAXG9EDN581U33XTPL', 'aws_access_key_id'],
    ['a GitHub token', GITHUB, 'github_token'],
    ['a Slack bot token', SLACK, 'slack_token'],
    ['a private key block', PRIVATE_KEY, 'private_key'],
  ];
  for (const [what, secret, type] of cases) {
    it(`finds ${what} with its exact span, a masked match and category ${type}`, async () => {
      const text = `Deploying now 🚀 with ${secret} — thanks!`;
      const r = await run({ text });
      const start = text.indexOf(secret);
      expect(r).toMatchObject({ passed: false, score: 0, category: type });
      expect(r.findings).toEqual([
        { message: `possible ${type.replace(/_/g, ' ')}`, field: 'text', span: { start, end: start + secret.length }, match: `${secret.slice(0, 4)}…`, category: type },
      ]);
    });
  }

  it('narrows an AWS secret access key to the key itself', async () => {
    const text = `export AWS_SECRET_ACCESS_KEY=${AWS_SECRET}\n`;
    const r = await run({ text });
    expect(r.category).toBe('aws_secret_access_key');
    expect(await found(text)).toEqual([AWS_SECRET]);
  });

  it('never shows the secret in messages or the reason', async () => {
    const r = await run({ text: `token ${GITHUB} and ${AWS_ID}` });
    expect(r.reason).toBe('found 2 possible secrets: github token, aws access key id');
    expect(JSON.stringify(r.findings)).not.toContain(GITHUB.slice(4, 12));
    expect(r.reason).not.toContain('ghp_');
  });

  it('ignores secretlint-disable comments: the agent being checked cannot switch the check off', async () => {
    const text = `// secretlint-disable\n${GITHUB}\n// secretlint-enable-line`;
    expect(await found(text)).toEqual([GITHUB]);
  });

  it('reads a GCP service-account JSON document', async () => {
    const text = JSON.stringify({ type: 'service_account', private_key_id: 'abc', private_key: `${PRIVATE_KEY}\n` });
    const r = await run({ text });
    expect(r.passed).toBe(false);
    expect(r.category).toBe('gcp_private_key_json');
  });
});

describe('secrets: values assigned to secret names', () => {
  const forms = [
    `api_key = "${RANDOM}"`,
    `"clientSecret": "${RANDOM}"`,
    `export STRIPE_TOKEN=${RANDOM}`,
    `var authToken string = \`${RANDOM}\``,
    `Authorization: Bearer ${RANDOM}`,
    `<apiToken>\n  ${RANDOM}\n</apiToken>`,
    `deploy --password '${RANDOM}'`,
    `{"config.ini": "API_TOKEN=${RANDOM}\\nDEBUG=true"}`,
  ];
  for (const text of forms) {
    it(`finds the value in ${JSON.stringify(text)}`, async () => {
      expect(await found(text)).toEqual([RANDOM]);
      expect((await run({ text })).category).toBe('generic_secret');
    });
  }

  it('finds short random values that a free-standing scan would leave alone', async () => {
    expect(await found('db_password: E1SkHbn88Hxj')).toEqual(['E1SkHbn88Hxj']);
  });

  it('finds the password, or a lone token, given to curl -u', async () => {
    expect(await found("curl -u deploy:'pQ9wTxu4Fg7z' https://api.example.com")).toEqual(['pQ9wTxu4Fg7z']);
    expect(await found('curl -u "d2LkV78zLx!t:" https://api.example.com')).toEqual(['d2LkV78zLx!t']);
    expect((await run({ text: 'curl -u deploy:pQ9wTxu4Fg7z' })).category).toBe('password');
  });

  it('judges and covers a value with inner ":" or "=" whole, so redaction leaves none of it', async () => {
    expect(await found('session_token: k3Jd9x=Qw8vLm2=Zp0rT5y')).toEqual(['k3Jd9x=Qw8vLm2=Zp0rT5y']);
    expect(await found('credentials: admin:Sup3rS3cret!x')).toEqual(['admin:Sup3rS3cret!x']);
  });

  it('leaves names, references, templates, calls and words alone', async () => {
    for (const text of [
      'password: ${DB_PASSWORD}',
      'api_key = process.env.API_KEY',
      'token: {{ secrets.DEPLOY_TOKEN }}',
      'API_KEY=<your-api-key>',
      'password = hashlib.md5(data)',
      'token = nltk.word_tokenize',
      'secret_key: not_a_real_token',
      'auth: required',
      'password: ********',
      'api_key: xxxxxxxxxxxxxxxx',
      'token: 1234567890abcdef',
      'key: ./certs/server.pem',
      'password_reset_url: https://example.com/reset',
      'token_count: 4096',
    ]) {
      expect(await found(text), text).toEqual([]);
    }
  });
});

describe('secrets: free-standing high-entropy tokens (entropy.free_standing)', () => {
  const FREE = { entropy: { free_standing: true } };

  it('finds a random token with no name or vendor prefix when asked to', async () => {
    const token = 'Vq7Z2kLp9XwR4tNb8JcY3mHd6FsG1aQe';
    const r = await run({ text: `use this one: ${token} ok?` }, FREE);
    expect(r.category).toBe('high_entropy');
    expect(r.findings.map((f) => f.match)).toEqual(['Vq7Z…']);
  });

  it('leaves a lone random token alone by default: ids, signatures and blobs look the same', async () => {
    expect(await found('use this one: Vq7Z2kLp9XwR4tNb8JcY3mHd6FsG1aQe ok?')).toEqual([]);
  });

  it('believes a code name that says what a random value is', async () => {
    for (const text of [
      'wrongStart := "AkCpahdphuae7wmypyr13gnv33iomtslc91e2c2x4u53sgg2gyfmo6dgdvapyzp21rrcs48ta"',
      '// CloudFront-Signature: Ixn4bF1LLrLcB8XG-t5bZbIB0vfwSF2s4gkef~PcNBdx73MVvZD3v8DZ5GzcqNrybMiqdY',
      '{"signature":"I7l2ZXhw9ajjIE2w9tjHNvYjcHg7E2qldMMhoQKjborcWIj8c40rMj83venoy6gXsg6V6B"}',
    ]) {
      expect(await found(text, FREE), text).toEqual([]);
    }
    // A neutral name says nothing, so the value is still judged.
    expect(await found('"value": "Vq7Z2kLp9XwR4tNb8JcY3mHd6FsG1aQe"', FREE)).toEqual(['Vq7Z2kLp9XwR4tNb8JcY3mHd6FsG1aQe']);
  });

  it('skips hex in random case, which no encoder emits', async () => {
    expect(await found('BcAeb6640ad7DAD46AD73687946Ce85047d5C9Bb', FREE)).toEqual([]);
  });

  it('finds an Ed25519 key, too short for secretlint\'s private-key rule, as a private key (gitleaks\' rule)', async () => {
    const body = 'MC4CAQAwBQYDK2VwBCIEIMw/FmnpJzZRTLvmCUa4fdpxVTcTrhKeXM6NGWw/mfcL';
    const r = await run({ text: `key:\n-----BEGIN PRIVATE KEY-----\n${body}\n-----END PRIVATE KEY-----` }, FREE);
    expect(r.category).toBe('private_key');
    expect(r.redacted?.text).toBe('key:\n[SECRET]');
  });

  it('finds a JWT', async () => {
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZ2VudC03In0.q0Xz4r9Lk2vB7nM1pW8sT5yH3cF6dJ0gA9eU2iO4kRs';
    expect(await found(`Bearer token leaked: ${jwt}`)).toEqual([jwt]);
  });

  it('leaves digests, UUIDs, links, hashtags, labelled ids, wallets and code names alone', async () => {
    for (const text of [
      'Fixed in commit 3f2a9c1d7e8b4a6f5c0d9e8b7a6f5c4d3e2b1a0f, thanks all!',
      'sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
      'Request 123e4567-e89b-12d3-a456-426614174000 failed',
      'Read https://example.com/p/aZ3kQ9xW7mN2vB5cR8tY1uL4oP6sD0fG?ref=home',
      'So good #iwaited5yearsforthisconcertandnowitshere',
      'Invoice ID: in_0KVnBvo2ZNzxqgUA4dPhPB3i',
      'Tips welcome: bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq or 1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2',
      'see src/app/web3-demo/view/content.html and UpsamplingBilinear2d',
      'MINIDUMP_SYSMEMINFO1_PERF_CCTOTALDIRTYPAGES',
      'XCBuild.XCBBuildServiceSession.setSystemInfo',
      'Just a normal post about our product launch, nothing secret here at all.',
    ]) {
      expect(await found(text, FREE), text).toEqual([]);
    }
  });

  it('honours min_length and threshold', async () => {
    const token = 'Vq7Z2kLp9XwR4tNb8JcY3mHd6FsG1aQe';
    expect(await found(token, FREE)).toEqual([token]);
    expect(await found(token, { entropy: { free_standing: true, min_length: 40 } })).toEqual([]);
    expect(await found(token, { entropy: { free_standing: true, threshold: 5.5 } })).toEqual([]);
  });
});

describe('secrets: placeholders and look-alikes', () => {
  it("does not flag AWS's documented example key id, AKIAIOSFODNN7EXAMPLE", async () => {
    // It is in AWS's own docs and countless tutorials; secretlint allow-lists it, and so do we,
    // so a post quoting the docs is not blocked. Any other AKIA… id is flagged.
    expect(await found('aws_access_key_id = AKIAIOSFODNN7EXAMPLE')).toEqual([]);
    expect(await found('e.g. AKIAIOSFODNN7EXAMPLE')).toEqual([]);
  });

  it('does not flag masked or instructional vendor tokens', async () => {
    for (const text of [
      'ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
      'GITHUB_TOKEN=ghp_XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX',
      'your-api-key-here',
      'xoxe.xoxp-1-SlackAppConfigurationAccessTokenHere',
      'xxxxxxxx',
    ]) {
      expect(await found(text), text).toEqual([]);
    }
  });

  it('recognises base64-encoded placeholders', () => {
    expect(isPlaceholder(Buffer.from('dummy value').toString('base64'))).toBe(true);
    expect(isPlaceholder(RANDOM)).toBe(false);
  });

  it('does not flag vendor prefixes inside file names in links', async () => {
    expect(await found('https://indieweb.org/images/3/35/2018-250-xoxo-indieweb-1.jpg')).toEqual([]);
  });
});

describe('secrets: results and redaction', () => {
  it('passes clean text', async () => {
    expect(await run({ text: 'Our new feature is live. Try it today!' })).toEqual({
      passed: true,
      score: 1,
      reason: 'no secrets found',
      findings: [],
    });
  });

  it('redacts every finding in every searched field and leaves the rest as it was', async () => {
    const params = {
      text: `key ${GITHUB} and id ${AWS_ID}.`,
      title: `db_password: E1SkHbn88Hxj`,
      other: GITHUB,
      count: 3,
    };
    const r = await run(params, { fields: ['text', 'title', 'missing', 'count'] });
    expect(r.redacted).toEqual({ text: 'key [SECRET] and id [SECRET].', title: 'db_password: [SECRET]', other: GITHUB, count: 3 });
    expect(r.findings.map((f) => f.field)).toEqual(['text', 'text', 'title']);
    expect(r.category).toBe('github_token');
  });

  it('keeps the first 50 findings but counts and redacts them all', async () => {
    const tokens = Array.from({ length: 60 }, (_, i) => `ghp_${String(i).padStart(2, '0')}${GITHUB.slice(6)}`);
    const r = await run({ text: tokens.join(' ') });
    expect(r.findings).toHaveLength(50);
    expect(r.reason).toMatch(/^found 60 possible secrets/);
    expect(r.redacted?.text).toBe(Array(60).fill('[SECRET]').join(' '));
  });

  it('finds secrets across the windows a long text is linted in, once each and whole', async () => {
    const filler = (n: number) => 'lorem ipsum dolor sit amet '.repeat(n);
    const text = `${filler(600)}${GITHUB} ${filler(300)}\n${PRIVATE_KEY}\n${filler(900)}${SLACK}`;
    expect(text.length).toBeGreaterThan(40_000);
    expect(await found(text, { entropy: { enabled: false } })).toEqual([GITHUB, PRIVATE_KEY, SLACK]);
  });

  it('completes on large adversarial input (linted in windows, as the secretlint dedupe is quadratic)', async () => {
    const big = 'token=Ab1x=token=Ab1x='.repeat(5000) + ' xoxb-1-a '.repeat(5000) + 'a:'.repeat(50_000);
    const r = await run({ text: big });
    expect(typeof r.passed).toBe('boolean');
  });

  it('leaves no performance marks behind (secretlint profiles every lint otherwise)', async () => {
    const before = performance.getEntriesByType('mark').length;
    for (let i = 0; i < 20; i++) await run({ text: `post ${i} ${GITHUB}` });
    expect(performance.getEntriesByType('mark').length).toBe(before);
  });

  it('stops when the signal is already aborted', async () => {
    const check = secrets.create(secrets.options.parse({}));
    const ctrl = new AbortController();
    ctrl.abort(new Error('timed out'));
    await expect(check.run({ agentId: 'a', actionType: 't', params: { text: GITHUB } }, ctrl.signal)).rejects.toThrow('timed out');
  });

  it('runs asynchronously (secretlint is async), so it gets a timer and a signal', () => {
    const check = secrets.create(secrets.options.parse({}));
    expect(check.sync).toBeUndefined();
    expect(check.run({ agentId: 'a', actionType: 't', params: {} }, signal)).toBeInstanceOf(Promise);
  });

  it('with entropy off, reports vendor formats only', async () => {
    const text = `${GITHUB} api_key = "${RANDOM}" Vq7Z2kLp9XwR4tNb8JcY3mHd6FsG1aQe`;
    expect(await found(text, { entropy: { enabled: false, free_standing: true } })).toEqual([GITHUB]);
  });
});

describe('secrets: options', () => {
  it('has defaults', () => {
    expect(secrets.options.parse({})).toEqual({
      fields: ['text'],
      entropy: { enabled: true, free_standing: false, min_length: 20, threshold: 3.5, assigned_min_length: 8, assigned_threshold: 2.5 },
    });
    expect(secrets.options.parse({ entropy: { threshold: 4 } }).entropy).toMatchObject({ enabled: true, threshold: 4, min_length: 20 });
  });

  it('rejects unknown keys, empty fields and out-of-range entropy settings, naming the path', () => {
    const path = (raw: unknown) => secrets.options.safeParse(raw).error?.issues[0]?.path;
    expect(path({ field: 'text' })).toEqual([]);
    expect(path({ fields: [] })).toEqual(['fields']);
    expect(path({ fields: [''] })).toEqual(['fields', 0]);
    expect(path({ entropy: { enabled: 'yes' } })).toEqual(['entropy', 'enabled']);
    expect(path({ entropy: { min_length: 4 } })).toEqual(['entropy', 'min_length']);
    expect(path({ entropy: { min_length: 20.5 } })).toEqual(['entropy', 'min_length']);
    expect(path({ entropy: { threshold: 9 } })).toEqual(['entropy', 'threshold']);
    expect(path({ entropy: { treshold: 4 } })).toEqual(['entropy']);
  });
});

describe('secrets: helpers', () => {
  it('names secretlint messages as snake_case types, with the vendor when the message lacks it', () => {
    expect(secretType('@secretlint/secretlint-rule-aws', 'AWSAccessKeyID')).toBe('aws_access_key_id');
    expect(secretType('@secretlint/secretlint-rule-github', 'GITHUB_TOKEN')).toBe('github_token');
    expect(secretType('@secretlint/secretlint-rule-slack', 'IncomingWebhook')).toBe('slack_incoming_webhook');
    expect(secretType('@secretlint/secretlint-rule-gcp', 'PrivateKeyJSON')).toBe('gcp_private_key_json');
    expect(secretType('@secretlint/secretlint-rule-basicauth', 'BasicAuth')).toBe('basic_auth');
  });

  it('computes Shannon entropy in bits per character', () => {
    expect(shannonEntropy('')).toBe(0);
    expect(shannonEntropy('aaaa')).toBe(0);
    expect(shannonEntropy('abcd')).toBe(2);
  });
});
