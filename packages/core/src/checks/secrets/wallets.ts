import { createHash } from 'node:crypto';

const BASE58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
const BECH32 = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';

function sha256(data: Uint8Array): Buffer {
  return createHash('sha256').update(data).digest();
}

function base58Decode(s: string): Uint8Array | null {
  let n = 0n;
  for (const c of s) {
    const v = BASE58.indexOf(c);
    if (v < 0) return null;
    n = n * 58n + BigInt(v);
  }
  const bytes: number[] = [];
  for (; n > 0n; n >>= 8n) bytes.unshift(Number(n & 0xffn));
  for (let i = 0; i < s.length && s[i] === '1'; i++) bytes.unshift(0);
  return Uint8Array.from(bytes);
}

/** A Bitcoin P2PKH (1…) or P2SH (3…) address whose base58check checksum holds. */
function isBase58Address(s: string): boolean {
  if (!/^[13][1-9A-HJ-NP-Za-km-z]{25,34}$/.test(s)) return false;
  const raw = base58Decode(s);
  if (!raw || raw.length !== 25 || (raw[0] !== 0x00 && raw[0] !== 0x05)) return false;
  const check = sha256(sha256(raw.subarray(0, 21)));
  return check.subarray(0, 4).equals(raw.subarray(21));
}

function bech32Polymod(values: number[]): number {
  const gen = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];
  let chk = 1;
  for (const v of values) {
    const top = chk >>> 25;
    chk = ((chk & 0x1ffffff) << 5) ^ v;
    for (let i = 0; i < 5; i++) if ((top >>> i) & 1) chk ^= gen[i] ?? 0;
  }
  return chk >>> 0;
}

/** A SegWit (bc1…) address whose bech32 or bech32m checksum holds. */
function isBech32Address(s: string): boolean {
  const lower = s.toLowerCase();
  if (lower !== s && s.toUpperCase() !== s) return false;
  const m = /^(bc|tb)1([02-9ac-hj-np-z]{11,71})$/.exec(lower);
  if (!m) return false;
  const hrp = m[1] ?? '';
  const data = [...(m[2] ?? '')].map((c) => BECH32.indexOf(c));
  const expanded = [...hrp].map((c) => c.charCodeAt(0) >> 5).concat(0, [...hrp].map((c) => c.charCodeAt(0) & 31));
  const mod = bech32Polymod(expanded.concat(data));
  return mod === 1 || mod === 0x2bc830a3;
}

/**
 * True for a Bitcoin address with a valid checksum: public by design (people post them to be
 * paid), so not a secret however random it looks. Private keys (WIF: 5…, K…, L…) are not matched.
 */
export function isWalletAddress(token: string): boolean {
  return isBase58Address(token) || isBech32Address(token);
}
