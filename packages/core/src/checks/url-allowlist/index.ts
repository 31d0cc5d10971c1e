import { domainToASCII } from 'node:url';
import { z } from 'zod';
import { redactParams, textFields } from '../fields.js';
import { defineCheck, type CheckResult, type Finding } from '../types.js';
import { findLinks } from './find.js';

const LABEL = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;

/** A policy entry as [wildcard, ASCII domain], or an error message. */
export function parseAllowEntry(raw: string): [boolean, string] | string {
  const s = raw.trim().toLowerCase();
  if (/[/:@\s]/.test(s)) return `"${raw}" is not a domain: write it like example.com or *.example.com, without scheme, path, port or spaces`;
  const wildcard = s.startsWith('*.');
  const ascii = domainToASCII((wildcard ? s.slice(2) : s).replace(/\.$/, ''));
  if (ascii === '' || !ascii.split('.').every((l) => LABEL.test(l))) return `"${raw}" is not a valid domain name`;
  if (wildcard && !ascii.includes('.')) return `"${raw}" would allow a whole top-level domain; write *.example.com`;
  return [wildcard, ascii];
}

const domain = z.string().superRefine((s, ctx) => {
  const r = parseAllowEntry(s);
  if (typeof r === 'string') ctx.addIssue({ code: 'custom', message: r });
});

export const urlAllowlistOptions = z
  .object({
    /**
     * Hosts links may go to. `example.com` allows exactly that host; `*.example.com` allows its
     * subdomains (not example.com itself, as in CSP). Case-insensitive; Unicode names are
     * compared in their punycode form. `[]` allows no links at all.
     */
    allow: z.array(domain),
    /** Let every plain entry also allow its subdomains, so `example.com` covers `www.example.com`. */
    allow_subdomains: z.boolean().default(false),
    /** Top-level params to search; missing or non-string ones are skipped. */
    fields: z.array(z.string().min(1)).min(1).default(['text']),
  })
  .strict();

export type UrlAllowlistOptions = z.output<typeof urlAllowlistOptions>;

// "example.com:8080/x" is a host and port, but "com.example.app://x" is a scheme.
const SCHEME = /^(?:([a-z][a-z0-9+-]*):|([a-z][a-z0-9+.-]*):(?!\d))/i;
const show = (s: string): string => (s.length > 100 ? `${s.slice(0, 99)}…` : s);

/** Why a link is not allowed, with a short label for the reason; undefined if it is allowed. */
type Verdict = { message: string; label: string } | undefined;

/**
 * `url_allowlist`: every link in the given params goes to an allowed host. Finds http(s) URLs,
 * bare domains ("example.com/path", "bücher.de") and other schemes; fails on hosts not in
 * `allow`, on any scheme but http and https ("javascript:", "data:", "ftp://"), and on
 * credentials before an "@" ("https://good.com@evil.com" goes to evil.com). Hosts are compared
 * as browsers resolve them: lower case, punycode, "ｅｖｉｌ.com" as "evil.com", "2130706433" as
 * "127.0.0.1".
 *
 * @example
 *   checks:
 *     - url_allowlist: { allow: [example.com, "*.example.com", bit.ly], on_fail: require_approval }
 */
export const urlAllowlist = defineCheck({
  name: 'url_allowlist',
  description: 'Fails on links to hosts outside an allowlist, non-http(s) schemes and links with credentials.',
  options: urlAllowlistOptions,
  create(options) {
    const exact = new Set<string>();
    const suffix = new Set<string>();
    for (const entry of options.allow) {
      const r = parseAllowEntry(entry);
      if (typeof r === 'string') continue; // the schema has rejected it already
      const [wildcard, host] = r;
      if (wildcard) suffix.add(host);
      else {
        exact.add(host);
        if (options.allow_subdomains) suffix.add(host);
      }
    }
    const allowed = (host: string): boolean => {
      if (exact.has(host)) return true;
      for (let dot = host.indexOf('.'); dot >= 0; dot = host.indexOf('.', dot + 1)) {
        if (suffix.has(host.slice(dot + 1))) return true;
      }
      return false;
    };

    function judge(link: string): Verdict {
      const m = SCHEME.exec(link);
      const scheme = (m?.[1] ?? m?.[2])?.toLowerCase();
      if (scheme !== undefined && scheme !== 'http' && scheme !== 'https') {
        return { message: `link uses the "${scheme}:" scheme; only http and https are allowed`, label: `${scheme}:` };
      }
      let url: URL;
      try {
        url = new URL(scheme === undefined ? `http://${link}` : link);
      } catch {
        return { message: 'link is malformed, so where it leads cannot be checked', label: show(link) };
      }
      const host = url.hostname.replace(/\.$/, '');
      if (url.username !== '' || url.password !== '') {
        return { message: `link has credentials before "@"; it leads to "${host}"`, label: host };
      }
      if (!allowed(host)) return { message: `link to "${host}" is not on the allowlist`, label: host };
      return undefined;
    }

    const fields = [...new Set(options.fields)];
    return {
      name: 'url_allowlist',
      sync: true,
      run(input): CheckResult {
        const findings: Finding[] = [];
        const hit = new Set<string>();
        for (const { field, text } of textFields(input.params, fields)) {
          const links = findLinks(text);
          for (let i = 0; i < links.length; i += 2) {
            const span = { start: links[i]!, end: links[i + 1]! };
            const link = text.slice(span.start, span.end);
            const v = judge(link);
            if (!v) continue;
            findings.push({ message: v.message, field, span, match: show(link) });
            hit.add(v.label);
          }
        }
        if (findings.length === 0) return { passed: true, score: 1, reason: 'all links allowed', findings };
        const reason = `disallowed link${findings.length > 1 ? 's' : ''}: ${[...hit].join(', ')}`;
        return { passed: false, score: 0, reason, findings, redacted: redactParams(input.params, findings, () => '[link removed]'), category: 'url' };
      },
    };
  },
});
