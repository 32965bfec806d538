/**
 * The server key: 32 random bytes from SESAME_SECRET_KEY or from
 * `<data dir>/secret.key` (created mode 0600 on first start, and only then:
 * never next to a database already set up with a key). Purpose-bound
 * subkeys are derived with HKDF so that app-password hashes, CSRF tokens,
 * sealed TOTP secrets, sealed OpenID Connect tokens, recovery-code hashes, Login Flow token hashes and the key fingerprint never share a key. The database records the
 * fingerprint; a node holding another key refuses to start rather than
 * silently rejecting every password.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { SesameError } from '../errors.js';
import { preparePrivateDirectory } from './private-files.js';
import type { Db } from '../db/database.js';
import { hasMeta, setMetaOnce } from '../repositories/meta.js';

export interface ServerKey {
  /** HMAC-SHA-256 of an app-password secret, hex: what is stored and looked up. */
  hashAppPassword(secret: string): string;
  /** HMAC-SHA-256 of a normalised recovery code, hex: what is stored and compared. */
  hashRecoveryCode(code: string): string;
  /** HMAC-SHA-256 of a Login Flow v2 token (poll or login), hex: what is stored and looked up. */
  hashLoginFlowToken(token: string): string;
  /** CSRF token bound to one session token. */
  csrfToken(sessionToken: string): string;
  /** Encrypts a TOTP secret for storage (AES-256-GCM), so a database leak does not reveal it. */
  sealTotpSecret(secret: string): string;
  openTotpSecret(sealed: string): string;
  /** Encrypts an OpenID Connect token (refresh token, ID token, PKCE verifier) for storage. */
  sealOidcToken(token: string): string;
  openOidcToken(sealed: string): string;
  /** Public, non-reversible identifier of the key. */
  readonly fingerprint: string;
}

const KEY_FILE = 'secret.key';
const FINGERPRINT_META = 'secret_key_fingerprint';

function subkey(master: Buffer, purpose: string): Buffer {
  return Buffer.from(crypto.hkdfSync('sha256', master, Buffer.alloc(0), `sesame ${purpose}`, 32));
}

/** AES-256-GCM with a random IV: `v1.<iv>.<tag>.<ciphertext>` in base64url. */
function seal(key: Buffer, text: string): string {
  const iv = crypto.randomBytes(12);
  const cipher = crypto.createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()]);
  return ['v1', ...[iv, cipher.getAuthTag(), body].map((part) => part.toString('base64url'))].join('.');
}

function open(key: Buffer, sealed: string, what: string): string {
  const [version, iv, tag, body] = sealed.split('.');
  if (version !== 'v1' || !iv || !tag || body === undefined) throw new Error(`Unreadable sealed ${what}.`);
  const decipher = crypto.createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
}

export function createServerKey(master: Buffer): ServerKey {
  const appPasswordKey = subkey(master, 'app-password');
  const csrfKey = subkey(master, 'csrf');
  const recoveryCodeKey = subkey(master, 'recovery-code');
  const totpKey = subkey(master, 'totp');
  const oidcKey = subkey(master, 'oidc-token');
  const loginFlowKey = subkey(master, 'login-flow');
  const fingerprint = crypto.createHmac('sha256', subkey(master, 'fingerprint')).update('fingerprint').digest('hex').slice(0, 16);
  return {
    hashAppPassword: (secret) => crypto.createHmac('sha256', appPasswordKey).update(secret, 'utf8').digest('hex'),
    hashRecoveryCode: (code) => crypto.createHmac('sha256', recoveryCodeKey).update(code, 'utf8').digest('hex'),
    hashLoginFlowToken: (token) => crypto.createHmac('sha256', loginFlowKey).update(token, 'utf8').digest('hex'),
    csrfToken: (sessionToken) => crypto.createHmac('sha256', csrfKey).update(sessionToken, 'utf8').digest('base64url'),
    sealTotpSecret: (secret) => seal(totpKey, secret),
    openTotpSecret: (sealed) => open(totpKey, sealed, 'TOTP secret'),
    sealOidcToken: (token) => seal(oidcKey, token),
    openOidcToken: (sealed) => open(oidcKey, sealed, 'OpenID Connect token'),
    fingerprint,
  };
}

function statOrNull(file: string): fs.Stats | null {
  try {
    return fs.statSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

function readOrCreateKeyFile(dataDir: string, mayCreate: boolean): Buffer {
  const file = path.join(dataDir, KEY_FILE);
  preparePrivateDirectory(dataDir);
  let stat = statOrNull(file);
  if (stat === null) {
    if (!mayCreate) {
      throw new SesameError(
        'SECRET_KEY_MISSING',
        `The key file ${file} is missing, but the database was set up with a key. Restore the key file ` +
          'or set SESAME_SECRET_KEY to the same key; no new key was written, refusing to start.',
      );
    }
    try {
      fs.writeFileSync(file, crypto.randomBytes(32).toString('hex') + '\n', { flag: 'wx', mode: 0o600 });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    stat = fs.statSync(file);
  }
  if (!stat.isFile()) {
    throw new SesameError(
      'CONFIG_INVALID',
      `Invalid configuration: ${file} must be the key file (64 hexadecimal characters, mode 0600), not a directory or other special file.`,
    );
  }
  // A key file others could read may already be known to them: refused, not silently tightened.
  if ((stat.mode & 0o077) !== 0) {
    throw new SesameError('CONFIG_INVALID', `Invalid configuration: ${file} must be readable by its owner only (chmod 600).`);
  }
  const hex = fs.readFileSync(file, 'utf8').trim();
  if (!/^[0-9a-f]{64}$/i.test(hex)) {
    throw new SesameError('CONFIG_INVALID', `Invalid configuration: ${file} must hold 64 hexadecimal characters.`);
  }
  return Buffer.from(hex, 'hex');
}

export interface KeySource {
  secretKeyHex: string | undefined;
  dataDir: string;
  /**
   * Whether a missing key file may be created: only while the database has
   * no key fingerprint yet (see isKeyRecorded). A database already set up
   * with a key never gets a new key file written next to it.
   */
  mayCreateKeyFile: boolean;
}

export function loadServerKey(options: KeySource): ServerKey {
  const master = options.secretKeyHex
    ? Buffer.from(options.secretKeyHex, 'hex')
    : readOrCreateKeyFile(options.dataDir, options.mayCreateKeyFile);
  return createServerKey(master);
}

/** Whether the database was already set up with a key. */
export async function isKeyRecorded(db: Db): Promise<boolean> {
  return hasMeta(db, FINGERPRINT_META);
}

/** Records the key's fingerprint on first start; refuses a different key afterwards. */
export async function checkKeyFingerprint(db: Db, key: ServerKey): Promise<void> {
  const recorded = await setMetaOnce(db, FINGERPRINT_META, key.fingerprint);
  if (recorded !== key.fingerprint) {
    throw new SesameError(
      'SECRET_KEY_MISMATCH',
      `This node's secret key (fingerprint ${key.fingerprint}) is not the key this database was set up with ` +
        `(fingerprint ${recorded}). Every node must use the same SESAME_SECRET_KEY; refusing to start.`,
    );
  }
}

/**
 * The key of an open database: from the environment or the key file (which
 * may be created only for a database not yet set up), checked against the
 * recorded fingerprint.
 */
export async function openServerKey(db: Db, options: Omit<KeySource, 'mayCreateKeyFile'>): Promise<ServerKey> {
  const key = loadServerKey({ ...options, mayCreateKeyFile: !(await isKeyRecorded(db)) });
  await checkKeyFingerprint(db, key);
  return key;
}
