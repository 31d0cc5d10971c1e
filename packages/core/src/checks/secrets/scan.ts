import { isEncodedProse, isPlaceholder, shannonEntropy, type Hit } from './entropy.js';
import { isWalletAddress } from './wallets.js';

export interface EntropyTuning {
  /** Shortest free-standing token judged by entropy alone. */
  minLength: number;
  /** Bits per character a free-standing token needs. */
  threshold: number;
  /** Shortest value assigned to a secret-sounding name. */
  assignedMinLength: number;
  /** Bits per character an assigned value needs; lower, since the name already says "secret". */
  assignedThreshold: number;
}

// Names that say "the value is a secret": api_key, clientSecret, AUTH_TOKEN, passwd, Authorization.
const SECRET_WORD =
  /^(?:api|access|secret|private|auth|client|app|master|session|bearer|refresh|consumer|signing|encryption|webhook|bot|user|admin|db|root|service|account|deploy|personal|oauth)?(?:keys?|tokens?|secrets?|passw(?:or)?ds?|pwd|pass|passphrase|auth|authorization|credentials?|creds?|apikey)$/;

/** Splits `clientSecret`, `CLIENT_SECRET`, `x-api-key`, `app.token` into lower-case words. */
function words(name: string): string[] {
  return name
    .replace(/([a-z\d])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z]+/)
    .filter((w) => w.length > 0);
}

// Anti-forgery tokens are printed into every page they protect: not credentials.
const PUBLIC_TOKEN_WORD = /^(?:csrf|xsrf|authenticity)$/;

/**
 * True when a name says its value is a secret. A bare `key` does not: alone it is a map key, a
 * primary key or a keyboard key far more often than a credential (`api_key`, `HEROKU_KEY` do).
 */
export function isSecretName(name: string): boolean {
  const ws = words(name);
  if (ws.length === 1 && /^keys?$/.test(ws[0] ?? '')) return false;
  if (ws.some((w) => PUBLIC_TOKEN_WORD.test(w))) return false;
  return ws.some((w) => SECRET_WORD.test(w));
}

// Characters of an assigned value: not space, quote, escape, bracket, separator, ":" or "=".
// Stopping at ":" and "=" keeps nested names findable (`"config": "API_TOKEN=…"`) and keeps
// rescanning from each value cheap, so `a:a:a:…` costs linear time.
const VALUE = String.raw`[^\s"'\x60\\,;&:=<>(){}\[\]]`;

// `name` then an assignment: = := ?= ::= .= += : => , (after a quoted name), or a Go type between.
// The value may be quoted (quotes escaped inside JSON) and may follow an auth scheme: one
// capitalised word of letters, with at most a final digit (`Bearer`, `Api-Token`, `FlyV1`,
// `Negotiate`), which a random secret (digits throughout) is not. Names start at a word boundary
// and are capped, so a long unbroken run costs linear time, not quadratic.
const ASSIGNMENT = new RegExp(
  String.raw`(?<![\w.\-])([A-Za-z_\d][\w.\-]{0,79})(\\?["'\x60])?(?:[ \t]+(?:string|String|str|var|val|const))?[ \t]*` +
    String.raw`(?:[:?.+!]{0,3}=>?|:|(?<=["'\x60]),)[ \t]*` +
    String.raw`(?:\\?["'\x60])?(?:[A-Z][A-Za-z]{1,14}(?:-[A-Z][A-Za-z]{1,14})?\d?[ \t]+)?` +
    String.raw`(${VALUE}+={0,2})`,
  'g',
);
// The rest of a value past an inner ":" or "=" (`ac7c9813:7b3fe305`, `dnkey-…9xf=r_=x…`).
const VALUE_TAIL = new RegExp(String.raw`(?:[:=]+${VALUE}+)*={0,2}`, 'y');
// A name/value pair (Kubernetes env, HTML inputs, form fields): `- name: API_TOKEN\n  value: "…"`,
// `name="api_key" value="…"`. Gaps are bounded so a hostile run stays linear.
const NAME_VALUE =
  /\bname\\?["']?[ \t]*[:=][ \t]*\\?["']?([A-Za-z_][\w.\-]{0,79})\\?["']?[ \t]*[,;]?\s{0,40}?(?:-[ \t]+)?\\?["']?value\\?["']?[ \t]*[:=][ \t]*\\?["']?([^\s"'\x60\\,;<>(){}\[\]]+)/g;
// <apiToken>value</apiToken>, across lines.
const XML_ELEMENT = /<([A-Za-z_][\w.\-]*)>\s*([^\s<]+)\s*<\/\1>/g;

const SEPARATORS = /[./_~+\-:@]+/;

/**
 * True when the random part of `token` is 24 or more hex digits in both cases (`BcAeb6640ad7DAD4…`,
 * `acdeFf05b1a6d4c8…`). Hex encodings (digests, keys, ids) are written in one case; random case
 * over hex digits is a made-up look-alike, not something an encoder emits. (Short mixed-case hex,
 * `Facade2024`, can be a human password, so it is not judged by this.)
 */
function isMixedCaseHex(token: string): boolean {
  const body = token.split(/[-_.~]+/).filter((p) => p.length >= 8).join('');
  return body.length >= 24 && /^[0-9a-fA-F]+$/.test(body) && /[a-f]/.test(body) && /[A-F]/.test(body);
}

/** Number-only, path-like and URL-like values are ids, ports, files and links, not secrets. */
function notSecretShape(value: string): boolean {
  if (/^[\d.,:+-]+$/.test(value) && !/^\d{12,}$/.test(value)) return true;
  if (/^(?:\.{0,2}\/|~\/)/.test(value) || /:\/\//.test(value)) return true;
  // Words, names and paths: `required`, `nltk.word_tokenize`, `auth_provider_x509_url`. Short hex
  // runs read as words too (ac7c9813:7b3fe305), so most parts must also be free of digits.
  const parts = value.split(SEPARATORS).filter((p) => p !== '');
  return parts.filter((p) => /\d/.test(p)).length * 3 <= parts.length && isStructured(value, false);
}

// `--password hunter2`, `-ClientSecret 'x'`, `--token=abc`
const FLAG = /(?<![\w-])--?([A-Za-z][\w-]*)(?:[ \t]+|=)(\\?["'])?([^\s"'\x60\\]+)/g;
// curl/wget `-u user:password`, `--user 'user:password'`
const USER_FLAG = /(?<![\w-])(?:-u|--user)[ \t]+(\\?["'])?([^\s"':]*)["']?:["']?([^\s"']*)/g;

/** Longest stretch of one value that is judged; a longer value is still flagged whole. */
const JUDGED = 256;

/** Values assigned to a secret-sounding name that look random enough to be the real thing. */
export function findAssignedSecrets(text: string, t: EntropyTuning): Hit[] {
  const hits: Hit[] = [];
  // Each pass below runs left to right; a hit covering later matches ends their search, which
  // keeps runs like `token=a1=token=a1=…` linear.
  let covered = 0;
  const judge = (value: string, at: number, type: string, end = at + value.length) => {
    if (at < covered) return;
    // Trailing punctuation from prose or code ("token: abc123.") is not part of the value.
    const trimmed = value.replace(/[.:=]+$/, (m) => (/^=+$/.test(m) ? m : ''));
    if (end === at + value.length) end = at + trimmed.length;
    if (trimmed.length < t.assignedMinLength || notSecretShape(trimmed) || isPlaceholder(trimmed) || isMixedCaseHex(trimmed)) return;
    // Cut off (`ops_eyJ…..[Redacted]`, `abc…`) or wrapped in a template (`<key>`, `{key}`).
    // A value followed by "(" is a call in code (`password = hashlib.md5(…)`), not a literal.
    if (/^(?:\.\.|…|\()/.test(text.slice(end, end + 2)) || /[<{]/.test(text[at - 1] ?? '')) return;
    if (shannonEntropy(trimmed) < t.assignedThreshold) return;
    hits.push({ type, start: at, end });
    covered = end;
  };
  let tailEnd = 0;
  ASSIGNMENT.lastIndex = 0;
  for (let m = ASSIGNMENT.exec(text); m; m = ASSIGNMENT.exec(text)) {
    const head = m[3] ?? '';
    const at = m.index + m[0].length - head.length;
    // The value runs on past inner ":" and "=" (`admin:s3cr3t`, `k3Jd=Qw8=`). Later matches
    // inside that run would judge a suffix of it, so each run is measured and judged once.
    if (at >= tailEnd && isSecretName(m[1] ?? '')) {
      VALUE_TAIL.lastIndex = at + head.replace(/=+$/, '').length;
      tailEnd = VALUE_TAIL.exec(text) ? Math.max(VALUE_TAIL.lastIndex, at + head.length) : at + head.length;
      judge(text.slice(at, Math.min(tailEnd, at + JUDGED)), at, 'generic_secret', tailEnd);
    }
    // Rescan the value: `"config": "API_TOKEN=…"` nests one assignment in another.
    ASSIGNMENT.lastIndex = Math.max(at, covered);
  }
  covered = 0;
  for (const m of text.matchAll(NAME_VALUE)) {
    const value = m[2] ?? '';
    if (isSecretName(m[1] ?? '')) judge(value, m.index + m[0].length - value.length, 'generic_secret');
  }
  covered = 0;
  for (const m of text.matchAll(XML_ELEMENT)) {
    const value = m[2] ?? '';
    if (isSecretName(m[1] ?? '')) judge(value, m.index + m[0].indexOf(value, (m[1] ?? '').length + 2), 'generic_secret');
  }
  covered = 0;
  for (const m of text.matchAll(FLAG)) {
    const value = m[3] ?? '';
    if (isSecretName(m[1] ?? '')) judge(value, m.index + m[0].length - value.length, 'generic_secret');
  }
  covered = 0;
  for (const m of text.matchAll(USER_FLAG)) {
    // The password, or the user when it is a token with no password (`-u "token:"`).
    const user = m[2] ?? '';
    const pass = m[3] ?? '';
    if (pass !== '') judge(pass, m.index + m[0].length - pass.length, 'password');
    else if (user !== '') judge(user, m.index + m[0].indexOf(user, 2), 'password');
  }
  return hits;
}

/**
 * A run of letters reads as words: CamelCase, snake_case parts or acronyms, each pronounceable.
 * Random letters leave lone capitals mid-run (yqDVtkq → yq·D·Vtkq) and long words without
 * vowels or with consonant pile-ups (zpabujxzlrj); real names do not (getHttpResponse,
 * SYSMEMINFO, portainerregistrytesting).
 */
function readsAsWords(letters: string): boolean {
  const words = letters.match(/[A-Z]+(?![a-z])|[A-Z]?[a-z]+/g) ?? [];
  return words.every((w, i) => {
    if (w.length === 1) return i === words.length - 1 || /[a-z]/.test(w);
    // Short words may be abbreviations (src, cfg, html, cntrl); long ones must be pronounceable.
    return w.length <= 5 || (/[aeiouy]/i.test(w) && !/[^aeiouy]{5,}/i.test(w));
  });
}

/** A segment of a token reads as a word, an acronym, a number or a name (`x509`, `SYSMEMINFO1`, `getUser`). */
function isWordy(segment: string): boolean {
  const core = segment.replace(/^\d{1,4}/, '').replace(/\d{1,4}$/, '');
  if (core === '') return true;
  // One short number inside is a name (Conv2d, utf8mb4); random strings scatter digits.
  const parts = core.split(/\d{1,3}/);
  return parts.length <= 2 && parts.every((p) => /^[A-Za-z]+$/.test(p) && readsAsWords(p));
}

/**
 * True when every part of `token` is a word, a number or (unless `hexIsStructure` is false)
 * one-case hex: a dotted name, a path, a file name with a content hash (`logo-3f2a…9c.png`), a
 * digest or a UUID — not a random key. Assigned values pass false: `api_key = <hex>` is a key.
 */
export function isStructured(token: string, hexIsStructure = true): boolean {
  return token
    .split(SEPARATORS)
    .filter((p) => p !== '')
    .every((p) => isWordy(p) || (hexIsStructure && (/^[\da-f]+$/.test(p) || /^[\dA-F]+$/.test(p))));
}

// Runs of base64/base64url characters plus the separators vendors put inside tokens (JWT dots,
// Azure's ~); paths and dotted names come along too, and isStructured sets them aside.
const TOKEN = /[A-Za-z0-9+/_\-~.]+={0,2}/g;
const URL_SPAN = /(?<![a-z\d+.-])[a-z][a-z\d+.-]{0,31}:\/\/[^\s"'<>\x60]+/gi;
// "Invoice ID: in_0KVn…", "commit 3f2a…", "tx hash: …": the text says what the token is.
const ID_LABEL = /\b(?:id|ids|number|ref|reference|hash|sha\d*|digest|checksum|commit|fingerprint|txid)\s*[:=#]?\s*["'\x60]?$/i;
// `wrongStart := "…"`, `"signature":"…"`, `CloudFront-Signature: …`: a value right after a name.
const NAMED_VALUE = /(\\?["'\x60])?([A-Za-z_][\w.\-]*)\\?["'\x60]?[ \t]*(:=|=>|[:=])[ \t]*\\?["'\x60]?$/;
// Names that say nothing about their value (`value`, `data`, `the_value`, a one-letter `t`).
const NEUTRAL_WORD = /^(?:value|values|val|data|content|default|text|body|str|string|input|output|result|literal|the|my|new|old|[a-z]{1,2})$/;

/**
 * True when the token at `start` is the value of a name that says what it is and is not secret
 * (`wrongStart := …`, `SetSysctl = …`, `"signature": …`): the name is believed, as in ID_LABEL.
 * Only code-shaped pairs count: a quoted name, `=`-style assignment, or an identifier (`_`, `-`,
 * `.`, inner capitals); prose such as "use this one: …" is not a name. Values of secret names
 * are the assigned-secret detector's; neutral names tell nothing.
 */
function namedNonSecret(text: string, start: number): boolean {
  const m = NAMED_VALUE.exec(text.slice(Math.max(0, start - 100), start));
  const name = m?.[2];
  if (!m || name === undefined || isSecretName(name)) return false;
  const codeShaped = m[1] !== undefined || m[3] !== ':' || /[_.\-]|[a-z][A-Z]|^[A-Z]{2,}$/.test(name);
  return codeShaped && !words(name).every((w) => NEUTRAL_WORD.test(w));
}

/**
 * Free-standing tokens that look like random keys: long, letters and digits mixed, high entropy,
 * and not a word, path, digest, UUID, hashtag, labelled id, wallet address or part of a link (a
 * link's path holds ids; credentials in it are secretlint's `basicauth`, and `?token=` values
 * are assignments).
 */
export function findHighEntropyTokens(text: string, t: EntropyTuning): Hit[] {
  const hits: Hit[] = [];
  const urls: [number, number][] = [];
  for (const m of text.matchAll(URL_SPAN)) urls.push([m.index, m.index + m[0].length]);
  let u = 0; // tokens come in order, so one pass over the links serves them all
  for (const m of text.matchAll(TOKEN)) {
    const lead = /^[-_~./+]+/.exec(m[0])?.[0].length ?? 0;
    const token = m[0].slice(lead).replace(/[-_~./+]+$/, '');
    const start = m.index + lead;
    if (token.length < t.minLength) continue;
    if (!/\d/.test(token) || !/[A-Za-z]/.test(token)) continue;
    // Cut off for display (`ops_eyJzaWdu..`, `ops_eyJzaWdu…`): an example, or already redacted.
    if (/\.\.$/.test(m[0]) || text[m.index + m[0].length] === '…') continue;
    while (u < urls.length && (urls[u]?.[1] ?? 0) <= start) u++;
    if (u < urls.length && (urls[u]?.[0] ?? Infinity) <= start) continue;
    // Hashtags and handles are public by definition.
    if (start > 0 && /[#@]/.test(text[start - 1] ?? '')) continue;
    if (ID_LABEL.test(text.slice(Math.max(0, start - 24), start)) || namedNonSecret(text, start)) continue;
    if (isStructured(token) || isPlaceholder(token) || isWalletAddress(token) || isMixedCaseHex(token) || isEncodedProse(token)) continue;
    if (shannonEntropy(token) < t.threshold) continue;
    hits.push({ type: 'high_entropy', start, end: start + token.length });
  }
  return hits;
}
