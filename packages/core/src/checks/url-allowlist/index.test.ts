import { domainToASCII } from 'node:url';
import { describe, it, expect } from 'vitest';
import type { CheckResult } from '../types.js';
import type { JsonObject } from '../../json.js';
import { findLinks } from './find.js';
import { urlAllowlist } from './index.js';

const signal = new AbortController().signal;

function run(raw: unknown, params: JsonObject): CheckResult {
  const check = urlAllowlist.create(urlAllowlist.options.parse(raw));
  expect(check.sync).toBe(true);
  const result = check.run({ agentId: 'a', actionType: 'social.post', params }, signal);
  if (result instanceof Promise) throw new Error('url_allowlist must be synchronous');
  return result;
}

/** The text of each flagged link, in order. */
function flagged(allow: string[], text: string, extra: object = {}): string[] {
  return run({ allow, ...extra }, { text }).findings.map((f) => text.slice(f.span?.start ?? 0, f.span?.end ?? 0));
}

function links(text: string): string[] {
  const r = findLinks(text);
  const out: string[] = [];
  for (let i = 0; i < r.length; i += 2) out.push(text.slice(r[i], r[i + 1]));
  return out;
}

describe('findLinks', () => {
  it('finds http(s) URLs and bare domains, without trailing punctuation', () => {
    expect(links('See https://example.com/a?b=1, (example.org/x) and www.test.co.uk.')).toEqual([
      'https://example.com/a?b=1',
      'example.org/x',
      'www.test.co.uk',
    ]);
  });

  it('finds other schemes and the sloppy http forms browsers accept', () => {
    expect(links('click javascript:alert(1) or ftp://files.example.com/x or data:text/html,hi')).toEqual([
      'javascript:alert(1)',
      'ftp://files.example.com/x',
      'data:text/html,hi',
    ]);
    expect(links('go https:/evil.com and https:\\\\evil.org now')).toEqual(['https:/evil.com', 'https:\\\\evil.org']);
  });

  it('finds whole internationalised domains, not just their ASCII tail', () => {
    expect(links('buy at bücher.de/x or пример.рф and раураl.com')).toEqual(['bücher.de/x', 'пример.рф', 'раураl.com']);
  });

  it('leaves prose alone', () => {
    expect(links('Built with Node.js, see file.txt. JavaScript: the good parts. Data:5GB. Привет.Как дела? metadata:x, mail me at a@example.com')).toEqual([]);
  });
});

describe('url_allowlist', () => {
  it('flags a link to a host not on the list, with its span', () => {
    const text = 'Read https://evil.com/x today';
    const r = run({ allow: ['example.com'] }, { text });
    expect(r).toMatchObject({ passed: false, score: 0, reason: 'disallowed link: evil.com', category: 'url' });
    expect(r.findings).toEqual([
      { message: 'link to "evil.com" is not on the allowlist', field: 'text', span: { start: 5, end: 23 }, match: 'https://evil.com/x' },
    ]);
    expect(r.redacted).toEqual({ text: 'Read [link removed] today' });
  });

  it('allows listed hosts in any case, bare or with a scheme, port or trailing dot', () => {
    const text = 'https://EXAMPLE.com/a http://example.com:8080/b example.com/c https://example.com./d';
    expect(run({ allow: ['Example.COM'] }, { text })).toEqual({ passed: true, score: 1, reason: 'all links allowed', findings: [] });
  });

  it('allows a plain entry exactly, and subdomains only for *. entries or with allow_subdomains', () => {
    const text = 'example.com www.example.com a.b.example.com notexample.com example.com.evil.net';
    expect(flagged(['example.com'], text)).toEqual(['www.example.com', 'a.b.example.com', 'notexample.com', 'example.com.evil.net']);
    expect(flagged(['*.example.com'], text)).toEqual(['example.com', 'notexample.com', 'example.com.evil.net']);
    expect(flagged(['example.com'], text, { allow_subdomains: true })).toEqual(['notexample.com', 'example.com.evil.net']);
  });

  it('compares internationalised names in punycode, both ways', () => {
    expect(flagged(['bücher.de'], 'https://xn--bcher-kva.de and bücher.de/x and https://BÜCHER.de')).toEqual([]);
    expect(flagged(['xn--bcher-kva.de'], 'bücher.de')).toEqual([]);
    expect(domainToASCII('раураl.com')).toMatch(/^xn--/);
    expect(run({ allow: ['paypal.com'] }, { text: 'log in at раураl.com' }).findings[0]?.message).toBe(
      `link to "${domainToASCII('раураl.com')}" is not on the allowlist`,
    );
    expect(flagged(['evil.com'], 'https://ｅｖｉｌ.com')).toEqual([]);
  });

  it('flags credentials before "@" whatever the host', () => {
    const r = run({ allow: ['good.com', 'evil.com'] }, { text: 'https://good.com@evil.com/login' });
    expect(r.findings.map((f) => f.message)).toEqual(['link has credentials before "@"; it leads to "evil.com"']);
  });

  it('flags schemes other than http and https even on allowed hosts', () => {
    const r = run({ allow: ['example.com'] }, { text: 'JavaScript:alert(1) ftp://example.com/f' });
    expect(r.findings.map((f) => [f.message, f.match])).toEqual([
      ['link uses the "javascript:" scheme; only http and https are allowed', 'JavaScript:alert(1)'],
      ['link uses the "ftp:" scheme; only http and https are allowed', 'ftp://example.com/f'],
    ]);
    expect(r.reason).toBe('disallowed links: javascript:, ftp:');
  });

  it('resolves numeric and sloppy hosts as a browser would', () => {
    expect(flagged(['127.0.0.1'], 'http://2130706433/ and https:\\\\127.0.0.1')).toEqual([]);
    expect(flagged(['example.com'], 'https:/evil.com')).toEqual(['https:/evil.com']);
  });

  it('blocks every link with an empty list and searches only the named fields', () => {
    expect(flagged([], 'example.com')).toEqual(['example.com']);
    const r = run({ allow: [], fields: ['title', 'n'] }, { title: 'a.com', text: 'b.com', n: 1 });
    expect(r.findings.map((f) => [f.field, f.span])).toEqual([['title', { start: 0, end: 5 }]]);
    expect(run({ allow: [] }, { text: 'no links here. Node.js rocks' }).passed).toBe(true);
  });
});

describe('url_allowlist options', () => {
  it('has defaults', () => {
    expect(urlAllowlist.options.parse({ allow: ['a.com'] })).toEqual({ allow: ['a.com'], allow_subdomains: false, fields: ['text'] });
  });

  it('rejects entries that are not domains, with a clear message', () => {
    const bad = (entry: string) => {
      const r = urlAllowlist.options.safeParse({ allow: ['ok.com', entry] });
      expect(r.success, entry).toBe(false);
      expect(r.error?.issues[0]?.path).toEqual(['allow', 1]);
      return r.error?.issues[0]?.message;
    };
    expect(bad('https://example.com')).toMatch(/without scheme, path, port or spaces/);
    expect(bad('example.com/path')).toMatch(/without scheme/);
    expect(bad('a..b')).toBe('"a..b" is not a valid domain name');
    expect(bad('*')).toMatch(/not a valid domain/);
    expect(bad('*.com')).toMatch(/whole top-level domain/);
    expect(bad('')).toMatch(/not a valid domain/);
  });

  it('requires allow and rejects unknown keys', () => {
    expect(urlAllowlist.options.safeParse({}).success).toBe(false);
    expect(urlAllowlist.options.safeParse({ allow: [], allowSubdomains: true }).success).toBe(false);
  });
});
