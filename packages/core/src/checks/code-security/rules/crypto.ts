import type { SgNode } from '@ast-grep/napi';
import { args, callee, keyword, words } from '../../code/ast.js';
import type { CodeRule, RuleContext, Verdict } from '../../code/rule.js';
import { analyse } from '../../code/strings.js';
import { HASH_BENIGN, HASH_SECURITY, hasWord, purposeWords, SECRET_PURPOSE } from './context.js';

/** The whole call chain a node is the start of: `createHash('md5').update(pw).digest('hex')`. */
function chain(node: SgNode): SgNode {
  let n = node;
  for (let p = n.parent(); p && ['member_expression', 'call_expression', 'attribute', 'call'].includes(String(p.kind())); p = p.parent()) n = p;
  return n;
}

/**
 * md5/sha1 are broken for collisions, so they must not protect passwords, signatures or tokens.
 * A named non-security purpose (ETag, cache key, sharding) passes; a security purpose is high;
 * an unknown purpose is low, as bandit does: say `usedforsecurity=False` to make it explicit.
 */
function weakHash(node: SgNode): Verdict {
  const ws = [...purposeWords(node), ...words(chain(node).text())];
  if (hasWord(ws, HASH_BENIGN)) return false;
  if (hasWord(ws, HASH_SECURITY, true)) return { severity: 'high', detail: 'for a security purpose' };
  return { severity: 'low', detail: 'purpose not stated' };
}

/** Math.random / random.* is only a problem when the value must be unguessable. */
function predictable(node: SgNode, randomString: boolean): Verdict {
  const ws = purposeWords(node);
  if (hasWord(ws, SECRET_PURPOSE, true)) return { severity: 'high', detail: `for ${ws.filter((w) => SECRET_PURPOSE.has(w) || w.endsWith('key')).slice(0, 2).join(' ') || 'a secret'}` };
  return randomString ? { severity: 'medium', detail: 'builds a random string or id' } : false;
}

const ALPHABET_NAME = /char|alphabet|letter|digit|symbol|possible|pool|charset|alnum/i;

/** Arithmetic around a random number (`Math.floor(Math.random() * n) + 1`, `1e9 * r >>> 0`) still holds it. */
function numericWrapper(p: SgNode): boolean {
  const k = p.kind();
  if (k === 'parenthesized_expression') return true;
  if (k === 'binary_expression' || k === 'binary_operator') {
    const op = p.field('operator')?.text() ?? '';
    // "%s" % x formats text; 7 % x is arithmetic.
    if (op === '%' && p.field('left')?.kind() === 'string') return false;
    return /^([-*/%|&^]|>>>?|<<|\/\/|\*\*)$/.test(op);
  }
  if (k === 'arguments' || k === 'argument_list') return /^(Math\.\w+|int|round|floor|abs)$/.test(callee(p.parent() ?? p).full);
  if (k === 'call_expression' || k === 'call') return /^(Math\.\w+|int|round|floor|abs)$/.test(callee(p).full);
  return false;
}

/**
 * A random number turned into text is an identifier or token being made: interpolated into a
 * template or f-string, concatenated with a string, or converted with toString/str().
 */
function becomesText(node: SgNode): boolean {
  let n = node;
  let p = n.parent();
  while (p && numericWrapper(p)) {
    n = p;
    p = p.parent();
  }
  if (!p) return false;
  const k = p.kind();
  if (k === 'member_expression' && p.field('property')?.text() === 'toString') return true;
  if (k === 'argument_list' && p.parent() && callee(p.parent()!).full === 'str') return true;
  // Interpolated or concatenated: an id when the text around it is id-like (`__st`, `channel.test.`,
  // `?_=`), not a CSS unit (`50%`) or words for a person (`Value: `).
  if (k === 'template_substitution' || k === 'interpolation') return idLike(p.parent()?.text().replace(p.text(), '') ?? '');
  if (k === 'binary_operator' && p.field('operator')?.text() === '%' && p.field('left')?.kind() === 'string') return idLike(p.field('left')!.text());
  if ((k === 'binary_expression' || k === 'binary_operator') && p.field('operator')?.text() === '+') {
    const other = p.field('left')?.id() === n.id() ? p.field('right') : p.field('left');
    return other !== null && ['string', 'template_string'].includes(String(other.kind())) && idLike(other.text());
  }
  return false;
}

const UNIT = /^(px|%|em|rem|deg|rad|turn|ms|s|vh|vw|pt|fr|x)$/;

/** Literal text that reads like part of an identifier, key or URL parameter (quotes and f-prefix dropped). */
function idLike(literal: string): boolean {
  const t = literal.replace(/^[fFrRbBuU]*(['"`])|(['"`])$/g, '').replace(/\$\{[^}]*\}|\{[^}]*\}|%[sd]/g, '');
  return !UNIT.test(t.trim()) && /^[\w.:/?=&#@+-]*$/.test(t) && !/^\s*$/.test(t);
}

/** `chars[Math.floor(Math.random() * n)]`, `s.charAt(…)`, `Math.random().toString(36)`: random strings. */
function jsRandomString(node: SgNode): boolean {
  if (becomesText(node)) return true;
  for (let p = node.parent(), hops = 0; p && hops < 6; p = p.parent(), hops++) {
    if (p.kind() === 'subscript_expression' && ALPHABET_NAME.test(p.field('object')?.text() ?? '')) return true;
    if (p.kind() === 'call_expression' && callee(p).name === 'charAt') return true;
  }
  return false;
}

const ALPHABET = /string\.(ascii_\w+|digits|hexdigits|letters|lowercase|uppercase|punctuation|printable)/;

/** `random.choice(string.ascii_letters + string.digits)` and friends pick characters for a token. */
function pyRandomString(node: SgNode, ctx: RuleContext): boolean {
  // A random number made text is an id; a random pick from a list (an AZ, a colour) is not.
  if (/(^|\.)(random|randint|randrange|getrandbits)$/.test(callee(node).full) && becomesText(node)) return true;
  if (!/(^|\.)(choice|choices|sample)$/.test(callee(node).full)) return false;
  const first = args(node)[0];
  if (!first) return false;
  const p = analyse(first, ctx);
  return ALPHABET.test(first.text()) || p.holes.some((h) => ALPHABET.test(h.text())) || (p.holes.length === 0 && new Set(p.text.replace(/\s/g, '')).size >= 16);
}

/** `"".join(random.choice(…) for _ in range(n))`: one random character at a time, joined into a string. */
function joinedInto(node: SgNode): boolean {
  const gen = node.parent();
  if (!gen || !['generator_expression', 'list_comprehension'].includes(String(gen.kind()))) return false;
  const call = gen.kind() === 'generator_expression' && gen.parent()?.kind() === 'call' ? gen.parent() : gen.parent()?.parent();
  return call?.kind() === 'call' && callee(call).name === 'join';
}

const WEAK_CIPHER = /(^|[-_])(des|des3|des-ede3?|3des|tripledes|rc2|rc4|bf|blowfish|cast5?|idea|seed)([-_]|$)|-ecb$/i;

export const cryptoRules: CodeRule[] = [
  {
    id: 'js.crypto.weak-hash',
    family: 'weak_crypto',
    cwe: 'CWE-328',
    severity: 'high',
    message: 'md5/sha1 is a broken hash',
    fix: "use sha256 or better for integrity, bcrypt/scrypt/argon2 for passwords, and HMAC-SHA256 for signatures",
    languages: ['javascript', 'typescript'],
    hint: /md5|sha1|MD5|SHA1/,
    find: {
      rule: {
        any: [
          { kind: 'call_expression', has: { field: 'function', regex: '(^|\\.)createHash$' } },
          { kind: 'call_expression', has: { field: 'function', regex: '^(CryptoJS\\.)?(MD5|SHA1|md5|sha1)$' } },
        ],
      },
    },
    check: (n, ctx) => {
      if (callee(n).name === 'createHash') {
        const algo = args(n)[0];
        if (!algo || !/^(md5|md4|md2|sha1|sha-1|rsa-md5)$/i.test(analyse(algo, ctx).text)) return false;
      }
      return weakHash(n);
    },
  },
  {
    id: 'js.crypto.weak-cipher',
    family: 'weak_crypto',
    cwe: 'CWE-327',
    severity: 'high',
    message: 'createCipher (no IV, MD5 key derivation; removed in Node 22) or a broken cipher/mode (DES, 3DES, RC4, Blowfish, ECB)',
    fix: "use createCipheriv('aes-256-gcm', key, randomBytes(12)) with a key from scrypt or a KMS",
    languages: ['javascript', 'typescript'],
    hint: /createCipher|createDecipher|CryptoJS\.(DES|TripleDES|RC4|Rabbit)|mode\.ECB/,
    find: {
      rule: {
        any: [
          { kind: 'call_expression', has: { field: 'function', regex: '(^|\\.)(createCipher|createDecipher|createCipheriv|createDecipheriv)$' } },
          { kind: 'call_expression', has: { field: 'function', regex: '^CryptoJS\\.(DES|TripleDES|RC4|RC4Drop|Rabbit)\\.(encrypt|decrypt)$' } },
          { kind: 'member_expression', regex: '^CryptoJS\\.mode\\.ECB$' },
        ],
      },
    },
    check: (n, ctx) => {
      if (n.kind() !== 'call_expression' || !/iv$/.test(callee(n).name)) return true;
      const algo = args(n)[0];
      return algo !== undefined && WEAK_CIPHER.test(analyse(algo, ctx).text);
    },
  },
  {
    id: 'js.crypto.insecure-random',
    family: 'weak_crypto',
    cwe: 'CWE-338',
    severity: 'high',
    message: 'Math.random() is predictable and is used for a token, secret, password or id',
    fix: 'use crypto.randomBytes / crypto.randomUUID / crypto.getRandomValues',
    languages: ['javascript', 'typescript'],
    hint: /Math\.random/,
    find: { rule: { kind: 'call_expression', has: { field: 'function', regex: '^Math\\.random$' } } },
    check: (n) => predictable(n, jsRandomString(n)),
  },
  {
    id: 'py.crypto.weak-hash',
    family: 'weak_crypto',
    cwe: 'CWE-328',
    severity: 'high',
    message: 'hashlib md5/sha1 is a broken hash',
    fix: 'use hashlib.sha256 for integrity, bcrypt/argon2/hashlib.scrypt for passwords, hmac with sha256 for signatures; pass usedforsecurity=False for non-security digests',
    languages: ['python'],
    hint: /md5|sha1|MD5|SHA1?\b|hashlib\.new/,
    find: { rule: { kind: 'call', has: { field: 'function', regex: '^(hashlib\\.)?(md5|sha1|md4)$|^hashlib\\.new$|^(Crypto\\.Hash\\.)?(MD5|SHA1?|MD4)\\.new$' } } },
    check: (n, ctx) => {
      if (keyword(n, 'usedforsecurity')?.text() === 'False') return false;
      if (callee(n).full === 'hashlib.new') {
        const algo = args(n)[0];
        if (!algo || !/^(md5|md4|sha1)$/i.test(analyse(algo, ctx).text)) return false;
      }
      return weakHash(n);
    },
  },
  {
    id: 'py.crypto.weak-cipher',
    family: 'weak_crypto',
    cwe: 'CWE-327',
    severity: 'high',
    message: 'a broken cipher or mode (DES, 3DES, RC4, Blowfish, ECB)',
    fix: 'use AES-GCM (cryptography AESGCM, or AES.new(key, AES.MODE_GCM))',
    languages: ['python'],
    hint: /DES|ARC[24]|Blowfish|CAST|ECB|IDEA|SEED|XOR\.new/,
    find: {
      rule: {
        kind: 'call',
        has: { field: 'function', regex: '(^|\\.)(DES3?|ARC[24]|Blowfish|CAST|XOR|AES)\\.new$|(^|\\.)algorithms\\.(TripleDES|ARC4|Blowfish|CAST5|IDEA|SEED)$|(^|\\.)modes\\.ECB$' },
      },
    },
    check: (n) => {
      if (!/AES\.new$/.test(callee(n).full)) return true;
      const a = args(n);
      // Old PyCrypto defaulted to ECB when no mode was given.
      return a.some((x) => /MODE_ECB/.test(x.text())) || a.length === 1;
    },
  },
  {
    id: 'py.crypto.insecure-random',
    family: 'weak_crypto',
    cwe: 'CWE-338',
    severity: 'high',
    message: 'the random module is predictable and is used for a token, secret, password or id',
    fix: 'use the secrets module: secrets.token_urlsafe(), secrets.token_hex(), secrets.choice()',
    languages: ['python'],
    hint: /\brand|choice|sample|getrandbits|shuffle|uniform/,
    find: { rule: { kind: 'call', has: { field: 'function', regex: '^(random\\.)?(random|randint|randrange|choice|choices|sample|getrandbits|uniform|randbytes)$' } } },
    check: (n, ctx) => {
      const { full, name } = callee(n);
      // `from secrets import choice` makes a bare choice() secure.
      if (!full.startsWith('random.')) {
        const from = new RegExp(`from\\s+([\\w.]+)\\s+import\\s+[^\\n]*\\b${name}\\b`).exec(ctx.text)?.[1];
        if (from !== undefined && from !== 'random') return false;
      }
      return predictable(n, pyRandomString(n, ctx) || joinedInto(n));
    },
  },
];
