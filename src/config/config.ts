/**
 * Loads the one configuration object from environment variables.
 * Every variable is validated here, at the edge; an invalid value stops
 * start-up with a message naming the variable (never echoing a secret).
 */
import net from 'node:net';
import os from 'node:os';
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
  /** Proxies whose X-Forwarded-For is believed (addresses, CIDR ranges, or proxy-addr's names), or false. */
  trustProxy: string[] | false;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Server processes `serve` starts with node:cluster (WORKERS, default: one per core). */
  workers: number;
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

const PROXY_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

function isProxyEntry(entry: string): boolean {
  if (PROXY_NAMES.has(entry) || net.isIP(entry) !== 0) return true;
  const [address, bits, ...rest] = entry.split('/');
  const family = net.isIP(address ?? '');
  return rest.length === 0 && family !== 0 && /^\d{1,3}$/.test(bits ?? '') && Number(bits) <= (family === 4 ? 32 : 128);
}

/** `false`, `true` (the loopback proxies), or a comma-separated list of proxy addresses and CIDR ranges. */
function parseTrustProxy(raw: string): string[] | false {
  if (raw === 'false' || raw === '') return false;
  if (raw === 'true') return ['loopback'];
  const entries = raw.split(',').map((entry) => entry.trim());
  if (!entries.every(isProxyEntry)) {
    invalid('TRUST_PROXY', '"true", "false" or a comma-separated list of proxy addresses or CIDR ranges', raw);
  }
  return entries;
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

  const trustProxy = parseTrustProxy(env.TRUST_PROXY ?? 'false');

  const logLevel = env.LOG_LEVEL ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) invalid('LOG_LEVEL', `one of ${LOG_LEVELS.join(', ')}`, logLevel);

  const workersRaw = env.WORKERS ?? '';
  if (workersRaw !== '' && (!/^\d{1,3}$/.test(workersRaw) || Number(workersRaw) < 1 || Number(workersRaw) > 256)) {
    invalid('WORKERS', 'a whole number between 1 and 256', workersRaw);
  }
  const workers = workersRaw === '' ? os.availableParallelism() : Number(workersRaw);

  return {
    host,
    port,
    dataDir,
    databaseUrl,
    secretKeyHex: secretKeyHex?.toLowerCase(),
    publicUrl,
    trustProxy,
    logLevel: logLevel as Config['logLevel'],
    workers,
  };
}
