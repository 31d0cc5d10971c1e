import type { SgNode } from '@ast-grep/napi';
import { callee, FUNCTION_KINDS, words } from '../../code/ast.js';

/** The name a function is known by: its own, or the variable / property / key it is assigned to. */
export function functionName(fn: SgNode): string {
  const own = fn.field('name');
  if (own) return own.text();
  const p = fn.parent();
  if (!p) return '';
  const k = String(p.kind());
  if (k === 'variable_declarator' || k === 'public_field_definition' || k === 'field_definition') return p.field('name')?.text() ?? p.field('property')?.text() ?? '';
  if (k === 'pair') return p.field('key')?.text() ?? '';
  if (k === 'assignment_expression' || k === 'assignment') return p.field('left')?.text() ?? '';
  return '';
}

/**
 * Words naming what a value is for: the variable, property, key or keyword it is assigned to,
 * the calls it is passed to, and the names of up to two enclosing functions. A hash or random
 * number is judged by these (`resetToken = Math.random()…` is a token; `etag = md5(body)` is not).
 */
export function purposeWords(node: SgNode): string[] {
  const out: string[] = [];
  let functions = 0;
  for (let p = node.parent(); p; p = p.parent()) {
    const k = String(p.kind());
    if (k === 'variable_declarator' || k === 'public_field_definition' || k === 'field_definition') out.push(...words(p.field('name')?.text() ?? p.field('property')?.text() ?? ''));
    else if (k === 'assignment_expression' || k === 'assignment' || k === 'augmented_assignment' || k === 'augmented_assignment_expression') out.push(...words(p.field('left')?.text() ?? ''));
    else if (k === 'pair') out.push(...words(p.field('key')?.text() ?? ''));
    else if (k === 'keyword_argument') out.push(...words(p.field('name')?.text() ?? ''));
    else if (k === 'arguments' || k === 'argument_list') {
      const c = p.parent();
      if (c && !/^Math\./.test(callee(c).full)) out.push(...words(callee(c).full));
    }
    if (FUNCTION_KINDS.has(k)) {
      out.push(...words(functionName(p)));
      if (++functions >= 2) break;
    }
  }
  return out;
}

/** Two-word names that make a "key" a secret: api key, secret key, signing key… */
const KEY_QUALIFIERS = new Set(['api', 'secret', 'private', 'access', 'signing', 'encryption', 'enc', 'master', 'session', 'client', 'auth', 'hmac', 'jwt']);

/** True when `ws` contains a word of `set`, or (with `keys`) "key" qualified as a secret's: api key, signingKey… */
export function hasWord(ws: readonly string[], set: ReadonlySet<string>, keys = false): boolean {
  for (let i = 0; i < ws.length; i++) {
    const w = ws[i]!;
    if (set.has(w)) return true;
    if (!keys) continue;
    if (w === 'key' && i > 0 && KEY_QUALIFIERS.has(ws[i - 1]!)) return true;
    if (w.endsWith('key') && KEY_QUALIFIERS.has(w.slice(0, -3))) return true;
  }
  return false;
}

/** Purposes that need unpredictable values (CWE-338 when Math.random / random is used). */
export const SECRET_PURPOSE = new Set([
  'token', 'secret', 'password', 'passwd', 'pwd', 'passphrase', 'salt', 'nonce', 'otp', 'totp', 'session', 'sid', 'csrf', 'xsrf',
  'apikey', 'auth', 'uuid', 'guid', 'id', 'uid', 'ids', 'code', 'pin', 'verification', 'reset', 'invite', 'credential', 'credentials',
  'signature', 'challenge', 'cookie', 'jwt', 'hmac', 'iv', 'captcha', 'voucher', 'coupon',
]);

/** Purposes where a weak hash (md5/sha1) is a security problem. */
export const HASH_SECURITY = new Set([
  'password', 'passwd', 'pwd', 'passphrase', 'secret', 'token', 'sign', 'signature', 'signed', 'auth', 'credential', 'credentials',
  'salt', 'nonce', 'hmac', 'session', 'otp', 'csrf', 'cipher', 'encrypt', 'encryption', 'decrypt', 'enckey', 'apikey', 'integrity', 'verify',
]);

/** Purposes where a fast non-cryptographic digest is what is wanted: caching, ETags, sharding. */
export const HASH_BENIGN = new Set([
  'etag', 'cache', 'cached', 'caching', 'memo', 'memoize', 'dedup', 'dedupe', 'gravatar', 'shard', 'sharding', 'bucket', 'partition', 'checksum', 'thumb', 'thumbnail',
]);
