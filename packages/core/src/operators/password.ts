import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';

function scrypt(password: string, salt: Buffer, keylen: number, opts: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => scryptCb(password, salt, keylen, opts, (err, key) => (err ? reject(err) : resolve(key))));
}

/** OWASP's scrypt baseline (N=2^17, r=8, p=1): about 128 MiB and a tenth of a second per hash. */
const DEFAULT = { N: 2 ** 17, r: 8, p: 1 };
const KEYLEN = 32;
// Node refuses N*r*128 above maxmem (32 MiB by default); allow what the parameters need.
const maxmem = (N: number, r: number) => 128 * N * r + 16 * 1024 * 1024;

/** Cost parameters; tests lower them so a suite doesn't spend seconds hashing. */
export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

let params: ScryptParams = DEFAULT;

/** Test hook: cheaper hashing. Existing hashes keep verifying, they carry their own parameters. */
export function setScryptParams(p: ScryptParams | null): void {
  params = p ?? DEFAULT;
}

/** `scrypt$N$r$p$salt$hash`, salt and hash in base64url; the parameters travel with the hash. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const { N, r, p } = params;
  const key = await scrypt(password, salt, KEYLEN, { N, r, p, maxmem: maxmem(N, r) });
  return `scrypt$${N}$${r}$${p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

/** Timing-safe comparison against a stored hash; a malformed hash never matches. */
export async function checkPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  // Bounds keep a tampered row from making us allocate gigabytes.
  if (![N, r, p].every(Number.isSafeInteger) || N < 2 || N > 2 ** 20 || (N & (N - 1)) !== 0 || r < 1 || r > 32 || p < 1 || p > 16) return false;
  const salt = Buffer.from(parts[4]!, 'base64url');
  const want = Buffer.from(parts[5]!, 'base64url');
  if (want.length < 16) return false;
  const got = await scrypt(password, salt, want.length, { N, r, p, maxmem: maxmem(N, r) });
  return timingSafeEqual(got, want);
}

const dummies = new Map<string, Promise<string>>();

/** Spends what a real check would, so a login for an unknown name takes as long as a wrong password. */
export async function dummyCheck(password: string): Promise<void> {
  const k = `${params.N}$${params.r}$${params.p}`;
  let h = dummies.get(k);
  if (!h) dummies.set(k, (h = hashPassword('bridle-dummy-password')));
  await checkPassword(password, await h);
}
