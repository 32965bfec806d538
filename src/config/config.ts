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
  /** One JSON object per line (for a log collector), or coloured lines for a terminal. */
  logFormat: 'json' | 'pretty';
  /** The Prometheus metrics: at /metrics behind a Bearer token, and/or on a port of their own on loopback. */
  metrics: MetricsConfig;
  /** Server processes `serve` starts with node:cluster (WORKERS, default: one per core). */
  workers: number;
  /** Single sign-on over OpenID Connect (OIDC_*), or null when not configured. */
  oidc: OidcConfig | null;
  /** Where file content lives: the local disk under DATA_DIR/blobs, or an S3-compatible bucket (S3_*). */
  blobStore: BlobStoreConfig;
}

export type BlobStoreConfig = { kind: 'local' } | S3Config;

export interface S3Config {
  kind: 's3';
  /** The store's endpoint (Ceph RGW, MinIO, Garage…), or null for AWS S3 itself. */
  endpoint: URL | null;
  bucket: string;
  region: string;
  /** The access key pair, or null to let the AWS SDK find credentials (environment, instance role). */
  credentials: { accessKeyId: string; secretAccessKey: string } | null;
  /** `<endpoint>/<bucket>/<key>` rather than `<bucket>.<endpoint>/<key>`. */
  forcePathStyle: boolean;
}

export interface MetricsConfig {
  /** `GET /metrics` on the server's port answers only `Authorization: Bearer <token>`; null: not served there. */
  token: string | null;
  /** A second listener on 127.0.0.1 serving `/metrics` alone, without a token; null: none. */
  port: number | null;
}

export interface OidcConfig {
  /** The provider's issuer identifier; must be https (buildServer enforces it). */
  issuer: URL;
  clientId: string;
  clientSecret: string;
  /** `<PUBLIC_URL>/auth/oidc/callback`, registered at the provider. */
  redirectUri: URL;
  /** The sign-in button's text. */
  label: string;
  /** Lower-cased e-mail domains allowed to sign in; empty: any. */
  allowedDomains: string[];
  /** A `groups` claim value that makes an administrator, or null. */
  adminGroup: string | null;
  /** Minutes between two re-checks of an SSO account with app passwords at the provider. */
  recheckMinutes: number;
}

export const DEFAULT_OIDC_LABEL = 'Se connecter avec SSO';
export const DEFAULT_OIDC_RECHECK_MINUTES = 15;
const OIDC_REQUIRED = ['OIDC_ISSUER', 'OIDC_CLIENT_ID', 'OIDC_CLIENT_SECRET'] as const;
const OIDC_OPTIONAL = ['OIDC_LABEL', 'OIDC_ALLOWED_DOMAINS', 'OIDC_ADMIN_GROUP', 'OIDC_RECHECK_MINUTES'] as const;

type Env = Record<string, string | undefined>;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const LOG_FORMATS = ['json', 'pretty'] as const;
/** A Bearer token guessable in no useful time: at least 32 characters of the token68 alphabet (RFC 7235). */
const METRICS_TOKEN = /^[A-Za-z0-9\-._~+/]{32,256}=*$/;

function invalid(variable: string, expectation: string, shown?: string): never {
  const got = shown === undefined ? '' : ` (got "${shown}")`;
  throw new SesameError('CONFIG_INVALID', `Invalid configuration: ${variable} must be ${expectation}${got}.`);
}

function parsePort(raw: string, variable = 'PORT'): number {
  if (!/^\d{1,5}$/.test(raw) || Number(raw) < 1 || Number(raw) > 65535) {
    invalid(variable, 'an integer between 1 and 65535', raw);
  }
  return Number(raw);
}

/** METRICS_TOKEN and METRICS_PORT: each optional; neither means no metrics are served. */
function parseMetrics(env: Env, port: number): MetricsConfig {
  const token = env.METRICS_TOKEN ?? '';
  // Never echoed: it is a secret.
  if (token !== '' && !METRICS_TOKEN.test(token)) invalid('METRICS_TOKEN', 'at least 32 characters of A-Z a-z 0-9 - . _ ~ + /');
  const metricsPort =
    env.METRICS_PORT === undefined || env.METRICS_PORT === '' ? null : parsePort(env.METRICS_PORT, 'METRICS_PORT');
  if (metricsPort === port) invalid('METRICS_PORT', 'another port than PORT', env.METRICS_PORT);
  return { token: token === '' ? null : token, port: metricsPort };
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

function parseIssuer(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return invalid('OIDC_ISSUER', 'an https:// URL', raw);
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.search !== '' || url.hash !== '' || url.username !== '') {
    invalid('OIDC_ISSUER', 'an https:// URL without query, fragment or credentials', raw);
  }
  return url;
}

const DOMAIN = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/;

function parseAllowedDomains(raw: string): string[] {
  const domains = raw
    .split(',')
    .map((domain) => domain.trim().toLowerCase())
    .filter((domain) => domain !== '');
  if (!domains.every((domain) => DOMAIN.test(domain))) {
    invalid('OIDC_ALLOWED_DOMAINS', 'a comma-separated list of e-mail domains such as example.com', raw);
  }
  return domains;
}

/**
 * OIDC_* as a whole: all three required variables, or none of them and no
 * optional one (a partial configuration is a mistake, not "SSO off").
 */
function parseOidc(env: Env, publicUrl: URL): OidcConfig | null {
  const given = (name: string) => env[name] !== undefined && env[name] !== '';
  const missing = OIDC_REQUIRED.filter((name) => !given(name));
  if (missing.length === OIDC_REQUIRED.length) {
    const stray = OIDC_OPTIONAL.filter(given);
    if (stray.length > 0) invalid(stray.join(', '), `left unset unless ${OIDC_REQUIRED.join(', ')} are set`);
    return null;
  }
  if (missing.length > 0) invalid(missing.join(', '), `set as well: single sign-on needs ${OIDC_REQUIRED.join(', ')}`);
  const recheckRaw = env.OIDC_RECHECK_MINUTES ?? '';
  if (recheckRaw !== '' && (!/^\d{1,4}$/.test(recheckRaw) || Number(recheckRaw) < 1 || Number(recheckRaw) > 1440)) {
    invalid('OIDC_RECHECK_MINUTES', 'a whole number of minutes between 1 and 1440', recheckRaw);
  }
  const label = env.OIDC_LABEL?.trim() ?? '';
  if (label.length > 100 || /\p{Cc}/u.test(label)) invalid('OIDC_LABEL', 'a button text of at most 100 characters');
  const adminGroup = env.OIDC_ADMIN_GROUP?.trim() ?? '';
  return {
    issuer: parseIssuer(env.OIDC_ISSUER!),
    clientId: env.OIDC_CLIENT_ID!,
    clientSecret: env.OIDC_CLIENT_SECRET!,
    redirectUri: new URL('auth/oidc/callback', publicUrl.href.endsWith('/') ? publicUrl : `${publicUrl.href}/`),
    label: label === '' ? DEFAULT_OIDC_LABEL : label,
    allowedDomains: parseAllowedDomains(env.OIDC_ALLOWED_DOMAINS ?? ''),
    adminGroup: adminGroup === '' ? null : adminGroup,
    recheckMinutes: recheckRaw === '' ? DEFAULT_OIDC_RECHECK_MINUTES : Number(recheckRaw),
  };
}

const S3_VARIABLES = [
  'S3_ENDPOINT',
  'S3_BUCKET',
  'S3_REGION',
  'S3_ACCESS_KEY_ID',
  'S3_SECRET_ACCESS_KEY',
  'S3_FORCE_PATH_STYLE',
] as const;
export const DEFAULT_S3_REGION = 'us-east-1';
/** S3 bucket naming rules: 3–63 lower-case letters, digits, dots and hyphens, starting and ending with a letter or digit. */
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const REGION = /^[a-z0-9-]{1,64}$/;

function parseS3Endpoint(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    // Never echoed: a malformed URL may still carry credentials.
    return invalid('S3_ENDPOINT', 'an http:// or https:// URL');
  }
  if (
    (url.protocol !== 'https:' && url.protocol !== 'http:') ||
    url.search !== '' ||
    url.hash !== '' ||
    url.username !== '' ||
    url.password !== ''
  ) {
    invalid('S3_ENDPOINT', 'an http:// or https:// URL without query, fragment or credentials');
  }
  return url;
}

/**
 * S3_* as a whole: none set keeps the local disk; otherwise S3_BUCKET is
 * required and the key pair comes whole or not at all. The secret access
 * key is never echoed.
 */
function parseBlobStore(env: Env): BlobStoreConfig {
  const given = (name: string) => env[name] !== undefined && env[name] !== '';
  if (!S3_VARIABLES.some(given)) return { kind: 'local' };
  if (!given('S3_BUCKET')) invalid('S3_BUCKET', 'set when any other S3_* variable is: it names the bucket that holds the files');
  const bucket = env.S3_BUCKET!;
  if (!BUCKET.test(bucket) || bucket.includes('..')) {
    invalid('S3_BUCKET', 'a bucket name of 3 to 63 lower-case letters, digits, dots and hyphens', bucket);
  }
  const region = env.S3_REGION === undefined || env.S3_REGION === '' ? DEFAULT_S3_REGION : env.S3_REGION;
  if (!REGION.test(region)) invalid('S3_REGION', 'a region name such as us-east-1', region);
  if (given('S3_ACCESS_KEY_ID') !== given('S3_SECRET_ACCESS_KEY')) {
    invalid(
      given('S3_ACCESS_KEY_ID') ? 'S3_SECRET_ACCESS_KEY' : 'S3_ACCESS_KEY_ID',
      'set together with the other half of the key pair (S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY)',
    );
  }
  const accessKeyId = env.S3_ACCESS_KEY_ID ?? '';
  if (accessKeyId !== '' && !/^[\x21-\x7e]{1,128}$/.test(accessKeyId)) {
    invalid('S3_ACCESS_KEY_ID', 'printable ASCII without spaces, at most 128 characters');
  }
  const secretAccessKey = env.S3_SECRET_ACCESS_KEY ?? '';
  if (secretAccessKey !== '' && !/^[\x21-\x7e]{1,256}$/.test(secretAccessKey)) {
    invalid('S3_SECRET_ACCESS_KEY', 'printable ASCII without spaces, at most 256 characters');
  }
  const endpoint = given('S3_ENDPOINT') ? parseS3Endpoint(env.S3_ENDPOINT!) : null;
  const pathStyleRaw = env.S3_FORCE_PATH_STYLE ?? '';
  if (pathStyleRaw !== '' && pathStyleRaw !== 'true' && pathStyleRaw !== 'false') {
    invalid('S3_FORCE_PATH_STYLE', '"true" or "false"', pathStyleRaw);
  }
  return {
    kind: 's3',
    endpoint,
    bucket,
    region,
    credentials: accessKeyId === '' ? null : { accessKeyId, secretAccessKey },
    // Stores other than AWS rarely resolve bucket sub-domains: path style is their default.
    forcePathStyle: pathStyleRaw === '' ? endpoint !== null : pathStyleRaw === 'true',
  };
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

  const logFormat = env.LOG_FORMAT === undefined || env.LOG_FORMAT === '' ? 'json' : env.LOG_FORMAT;
  if (!(LOG_FORMATS as readonly string[]).includes(logFormat))
    invalid('LOG_FORMAT', `one of ${LOG_FORMATS.join(', ')}`, logFormat);

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
    logFormat: logFormat as Config['logFormat'],
    metrics: parseMetrics(env, port),
    workers,
    oidc: parseOidc(env, publicUrl),
    blobStore: parseBlobStore(env),
  };
}
