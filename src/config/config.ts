/**
 * Loads the one configuration object from environment variables.
 * Every variable is validated here, at the edge; an invalid value stops
 * start-up with a message naming the variable (never echoing a secret).
 */
import path from 'node:path';
import { SesameError } from '../errors.js';

export interface Config {
  host: string;
  port: number;
  /** Absolute path; holds the SQLite database, the secret key file and files. */
  dataDir: string;
  /** postgres:// URL, or undefined for the embedded SQLite database. */
  databaseUrl: string | undefined;
  /** 32-byte server key given as 64 hex characters, or undefined to use the key file. */
  secretKeyHex: string | undefined;
  /** Public base URL; https switches cookies to `Secure` + `__Host-`. */
  publicUrl: URL;
  /** Trust X-Forwarded-For from a reverse proxy on loopback. */
  trustProxy: boolean;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
}

type Env = Record<string, string | undefined>;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

function invalid(variable: string, expectation: string, shown?: string): never {
  const got = shown === undefined ? '' : ` (got "${shown}")`;
  throw new SesameError('CONFIG_INVALID', `Invalid configuration: ${variable} must be ${expectation}${got}.`);
}

function parsePort(raw: string): number {
  if (!/^\d{1,5}$/.test(raw) || Number(raw) < 1 || Number(raw) > 65535) {
    invalid('PORT', 'an integer between 1 and 65535', raw);
  }
  return Number(raw);
}

function parseDatabaseUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return invalid('DATABASE_URL', 'a postgres:// or postgresql:// URL');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    invalid('DATABASE_URL', 'a postgres:// or postgresql:// URL');
  }
  return raw;
}

export function loadConfig(env: Env = process.env, cwd = process.cwd()): Config {
  const host = env.HOST ?? '127.0.0.1';
  if (host.trim() === '' || /\s/.test(host)) invalid('HOST', 'a host name or IP address', host);
  const port = env.PORT === undefined ? 8080 : parsePort(env.PORT);
  if (env.DATA_DIR !== undefined && env.DATA_DIR.trim() === '') invalid('DATA_DIR', 'a directory path');
  const dataDir = path.resolve(cwd, env.DATA_DIR ?? 'data');
  const databaseUrl = env.DATABASE_URL === undefined || env.DATABASE_URL === '' ? undefined : parseDatabaseUrl(env.DATABASE_URL);

  const secretKeyHex = env.SESAME_SECRET_KEY;
  if (secretKeyHex !== undefined && !/^[0-9a-fA-F]{64}$/.test(secretKeyHex)) {
    invalid('SESAME_SECRET_KEY', '64 hexadecimal characters (32 bytes)');
  }

  let publicUrl: URL;
  const defaultUrl = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  try {
    publicUrl = new URL(env.PUBLIC_URL ?? defaultUrl);
  } catch {
    return invalid('PUBLIC_URL', 'an http:// or https:// URL', env.PUBLIC_URL);
  }
  if (publicUrl.protocol !== 'http:' && publicUrl.protocol !== 'https:') {
    invalid('PUBLIC_URL', 'an http:// or https:// URL', env.PUBLIC_URL);
  }

  const trustProxyRaw = env.TRUST_PROXY ?? 'false';
  if (trustProxyRaw !== 'true' && trustProxyRaw !== 'false') invalid('TRUST_PROXY', '"true" or "false"', trustProxyRaw);

  const logLevel = env.LOG_LEVEL ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) invalid('LOG_LEVEL', `one of ${LOG_LEVELS.join(', ')}`, logLevel);

  return {
    host,
    port,
    dataDir,
    databaseUrl,
    secretKeyHex: secretKeyHex?.toLowerCase(),
    publicUrl,
    trustProxy: trustProxyRaw === 'true',
    logLevel: logLevel as Config['logLevel'],
  };
}
