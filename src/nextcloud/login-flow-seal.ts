/**
 * The secrets of Login Flow v2: its two tokens (256 random bits each,
 * base64url), and the sealing of the new app password for the one client
 * that holds the poll token. The poll token stands for an X25519 key pair
 * (its private key is derived from the token by HKDF and never stored);
 * the flow keeps only the public key. The approval seals the password to
 * that key as a JWE (ECDH-ES with A256GCM, by `jose`), and only the poll,
 * which brings the token, can open it: neither the database nor the
 * server key reveals it while it waits. Nothing here logs or keeps a value.
 */
import crypto from 'node:crypto';
import { CompactEncrypt, compactDecrypt } from 'jose';

/** 32 random bytes in base64url: 43 characters. */
export const FLOW_TOKEN_FORM = /^[A-Za-z0-9_-]{43}$/;

export function newFlowToken(): string {
  return crypto.randomBytes(32).toString('base64url');
}

/** The DER prefix of a PKCS #8 X25519 private key (RFC 8410), before its 32 raw bytes. */
const X25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');

function privateKeyOf(pollToken: string): crypto.KeyObject {
  const raw = Buffer.from(
    crypto.hkdfSync('sha256', Buffer.from(pollToken, 'utf8'), Buffer.alloc(0), 'sesame login-flow x25519', 32),
  );
  return crypto.createPrivateKey({ key: Buffer.concat([X25519_PKCS8_PREFIX, raw]), format: 'der', type: 'pkcs8' });
}

/** The public key the poll token stands for (the raw key in base64url), to store with the flow. */
export function publicKeyOf(pollToken: string): string {
  const jwk = crypto.createPublicKey(privateKeyOf(pollToken)).export({ format: 'jwk' });
  return jwk.x!;
}

const ENCRYPTION = { alg: 'ECDH-ES', enc: 'A256GCM' } as const;

/** Seals `secret` so that only the holder of the poll token behind `publicKey` can open it. */
export async function sealForPoller(publicKey: string, secret: string): Promise<string> {
  const key = crypto.createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: publicKey }, format: 'jwk' });
  return new CompactEncrypt(new TextEncoder().encode(secret)).setProtectedHeader(ENCRYPTION).encrypt(key);
}

/** Opens what sealForPoller sealed, with the poll token; throws if the token is not the one it was sealed for. */
export async function openAsPoller(pollToken: string, sealed: string): Promise<string> {
  const { plaintext } = await compactDecrypt(sealed, privateKeyOf(pollToken), {
    keyManagementAlgorithms: [ENCRYPTION.alg],
    contentEncryptionAlgorithms: [ENCRYPTION.enc],
  });
  return new TextDecoder().decode(plaintext);
}
