import crypto, { createHash } from 'node:crypto';

export type JsonPrimitive = string | number | boolean | null;
export type JsonValue = JsonPrimitive | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/**
 * Sorts keys by UTF-16 code unit, in place, as `sort()` would. Objects Bridle encodes have a
 * handful of keys, often already in order (one pass, no swaps); for those, insertion sort
 * allocates nothing, where `Array.prototype.sort` copies into a work array on every call (an
 * eighth of all the bytes the server allocated under load).
 */
function sortKeys(keys: string[]): void {
  const n = keys.length;
  if (n > 32) {
    keys.sort();
    return;
  }
  for (let i = 1; i < n; i++) {
    const k = keys[i]!;
    let j = i - 1;
    if (keys[j]! <= k) continue;
    do {
      keys[j + 1] = keys[j]!;
      j--;
    } while (j >= 0 && keys[j]! > k);
    keys[j + 1] = k;
  }
}

/**
 * Canonical JSON: object keys sorted by UTF-16 code units, no whitespace, `undefined` members
 * dropped. Hashes (audit chain, approval binding, policy version) are taken over this form so
 * that the same value always hashes the same, whatever order its keys were built in.
 * Hand-written because the maintained implementations (canonicalize, json-canonicalize) need
 * Node 22, and this is the hottest function on the audit path: quoted keys are cached (they
 * repeat on every entry) and strings that need no escaping skip JSON.stringify.
 */
export function canonicalJson(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return value.length < 128 && PLAIN.test(value) ? '"' + value + '"' : JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError('canonicalJson: non-finite number');
      return '' + value;
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      return value.toString();
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i++) {
          if (i > 0) out += ',';
          const item: unknown = value[i];
          out += item === undefined ? 'null' : canonicalJson(item);
        }
        return out + ']';
      }
      const obj = value as Record<string, unknown>;
      const keys = Object.keys(obj);
      sortKeys(keys);
      let out = '{';
      let first = true;
      for (let i = 0; i < keys.length; i++) {
        const k = keys[i]!;
        const v = obj[k];
        if (v === undefined || typeof v === 'function') continue;
        if (!first) out += ',';
        first = false;
        out += quotedKey(k) + ':' + canonicalJson(v);
      }
      return out + '}';
    }
    default:
      throw new TypeError(`canonicalJson: cannot encode ${typeof value}`);
  }
}

/** Printable ASCII without `"` or `\`: JSON.stringify would return it unchanged in quotes. */
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;
const keyCache = new Map<string, string>();

function quotedKey(k: string): string {
  let q = keyCache.get(k);
  if (q === undefined) {
    q = JSON.stringify(k);
    // Keys of user params are unbounded; only keep a bounded set.
    if (keyCache.size < 10_000) keyCache.set(k, q);
  }
  return q;
}

/**
 * Node's one-shot `crypto.hash` (20.12+) is about 35 % faster than createHash for an audit-sized
 * body and leaves no native hash context behind for the garbage collector; 20.11 falls back.
 */
const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: 'hex') => string }).hash;

export const sha256Hex: (text: string) => string = oneShot
  ? (text) => oneShot('sha256', text, 'hex')
  : (text) => createHash('sha256').update(text).digest('hex');

/** Hash of a value's canonical form; used to bind approvals to exact parameters. */
export function hashJson(value: unknown): string {
  return sha256Hex(canonicalJson(value));
}
