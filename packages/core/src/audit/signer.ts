import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Signs checkpoints of the chain heads. Someone who can write the database can recompute
 * sha256 hashes, but not this signature, so a forged or truncated chain tail is caught.
 */
export interface Signer {
  readonly keyId: string;
  sign(text: string): string;
}

export interface TrustedKeys {
  verify(keyId: string, text: string, signature: string): boolean | 'unknown-key';
}

function keyIdOf(pub: KeyObject): string {
  return createHash('sha256').update(pub.export({ type: 'spki', format: 'der' })).digest('hex').slice(0, 16);
}

export function signerFromKey(privateKey: KeyObject): Signer {
  const keyId = keyIdOf(createPublicKey(privateKey));
  return { keyId, sign: (text) => sign(null, Buffer.from(text), privateKey).toString('base64') };
}

/** The data directory's signing key, created on first use (owner-only permissions). */
export function loadOrCreateSigner(dataDir: string): Signer {
  const dir = join(dataDir, 'keys');
  const file = join(dir, 'audit-signing.key');
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
    writeFileSync(join(dir, 'audit-signing.pub'), publicKey.export({ type: 'spki', format: 'pem' }), { mode: 0o644 });
  }
  return signerFromKey(createPrivateKey(readFileSync(file)));
}

export function trustedKeysFromPem(pems: readonly string[]): TrustedKeys {
  const keys = new Map<string, KeyObject>();
  for (const pem of pems) {
    const pub = createPublicKey(pem);
    keys.set(keyIdOf(pub), pub);
  }
  return {
    verify(keyId, text, signature) {
      const key = keys.get(keyId);
      if (!key) return 'unknown-key';
      return verify(null, Buffer.from(text), key, Buffer.from(signature, 'base64'));
    },
  };
}

/** Public keys found in a data directory (the one the server signs with). */
export function trustedKeysFromDataDir(dataDir: string): string[] {
  const file = join(dataDir, 'keys', 'audit-signing.pub');
  return existsSync(file) ? [readFileSync(file, 'utf8')] : [];
}
