import { overlaps, type Hit } from './scan.js';

// ---------------------------------------------------------------- email

const LOCAL_CHAR = /[\p{L}\p{N}._%+'-]/u;
const DOMAIN_CHAR = /[\p{L}\p{N}.-]/u;
const ALNUM = /[\p{L}\p{N}]/u;
const LABEL = /^[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?$/u;
// The top-level domain at the start of the last label: "ioHi" and "comはBasic" are a domain run
// into the next word with no space, so the address ends at "io" and "com".
const TLD_HEAD = /^(?:xn--[a-z0-9-]*[a-z0-9]|XN--[A-Z0-9-]*[A-Z0-9]|[A-Z]?[a-z]+|[A-Z]+|[^\x00-\x7F]+)/u;
const LETTERS = /^\p{L}{2,63}$/u;
// "logo@2x.png" is an image name, not an address.
const FILE_TLD = new Set(['png', 'jpg', 'jpeg', 'gif', 'svg', 'webp', 'bmp', 'ico', 'css', 'js']);

/**
 * Email addresses. Found by walking out from each "@" rather than by one regex, so the cost
 * stays linear in the text whatever it holds.
 */
export function findEmails(text: string, hits: Hit[]): void {
  for (let at = text.indexOf('@'); at >= 0; at = text.indexOf('@', at + 1)) {
    let start = at;
    while (start > 0 && LOCAL_CHAR.test(text[start - 1]!)) start--;
    while (start < at && !ALNUM.test(text[start]!)) start++;
    const local = text.slice(start, at);
    if (local.length === 0 || local.length > 64 || local.endsWith('.') || local.includes('..')) continue;

    let end = at + 1;
    while (end < text.length && DOMAIN_CHAR.test(text[end]!)) end++;
    const labels = text.slice(at + 1, end).split('.');
    // Trailing sentence punctuation, or a trailing piece that is not a top-level domain.
    while (labels.length > 1 && !trimTld(labels)) labels.pop();
    if (labels.length < 2 || !labels.every((l) => LABEL.test(l))) continue;
    if (inUrlUserinfo(text, start)) continue;
    if (FILE_TLD.has(labels[labels.length - 1]!.toLowerCase())) continue;
    end = at + 1 + labels.join('.').length;
    if (overlaps(hits, start, end)) continue;
    hits.push({ entity: 'email', start, end, key: text.slice(start, end).toLowerCase() });
  }
}

/** Cuts the last label down to its top-level-domain head; false when it has none. */
function trimTld(labels: string[]): boolean {
  const last = labels[labels.length - 1]!;
  const head = TLD_HEAD.exec(last)?.[0];
  if (head === undefined || head.length < 2 || !(head.startsWith('xn--') || head.startsWith('XN--') || LETTERS.test(head))) return false;
  labels[labels.length - 1] = head;
  return true;
}

/**
 * "https://user:pass@host" is a URL with credentials (the secrets checks' business), not an
 * email address at "pass@host". "mailto:" has no "//", so it still counts.
 */
function inUrlUserinfo(text: string, start: number): boolean {
  if (text[start - 1] !== ':') return false;
  let i = start - 1;
  while (i > 0 && !/\s/.test(text[i - 1]!) && start - i < 300) i--;
  return text.slice(i, start).includes('://');
}
