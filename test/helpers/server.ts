/**
 * Starts real Sésame servers for tests: on SQLite (a fresh data directory)
 * or on the throwaway PostgreSQL cluster of the test run (a fresh database
 * per server unless one is shared to make several nodes), listening on
 * 127.0.0.1 with a random port. Their primary passwords are real argon2id
 * hashes at a cheap cost, unless a test of the primary password itself asks
 * for production's.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Writable } from 'node:stream';
import pg from 'pg';
import type { LogEvent } from 'kysely';
import { freePort } from './pg-cluster.js';
import { loadConfig } from '../../src/config/config.js';
import { buildServer, type Server } from '../../src/server.js';
import type { Clock } from '../../src/context.js';
import type { Timeouts } from '../../src/http/timeouts.js';
import type { DatabaseLimits } from '../../src/db/limits.js';
import { createUser } from '../../src/accounts/users.js';
import { PRODUCTION_ARGON2_COST, type Argon2Cost } from '../../src/accounts/primary-password.js';

export const DIALECTS = ['sqlite', 'postgres'] as const;
export type DialectName = (typeof DIALECTS)[number];

export function testPostgresUrl(): string {
  const url = process.env.SESAME_TEST_PG_URL;
  if (!url) throw new Error('SESAME_TEST_PG_URL is not set: run the suite with `npm test`, which starts PostgreSQL.');
  return url;
}

/** Creates an empty database on the test cluster and returns its URL. */
export async function createPostgresDatabase(): Promise<string> {
  const admin = new pg.Client({ connectionString: testPostgresUrl() });
  await admin.connect();
  const name = `sesame_${crypto.randomBytes(6).toString('hex')}`;
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(testPostgresUrl());
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * The argon2id cost of test servers: still argon2id, at about a thousandth
 * of production's CPU (a hash in well under a millisecond instead of about
 * 170 ms), for the many tests that create users but are not about argon2.
 */
export const TEST_ARGON2_COST: Argon2Cost = Object.freeze({ memoryCost: 256, timeCost: 1, parallelism: 1 });

export function tempDir(prefix = 'sesame-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export interface TestServerOptions {
  dialect: DialectName;
  /** Share a PostgreSQL database with another node. */
  databaseUrl?: string;
  /** 64 hex characters; a fresh random key by default. */
  secretKeyHex?: string;
  /** A clock the test moves by hand; the server then runs no SSO re-check round on a real-time timer (the test runs them). */
  clock?: Clock;
  logStream?: Writable;
  /** Observes every SQL statement the server runs. */
  onQuery?: (event: LogEvent) => void;
  env?: Record<string, string>;
  /** Reuse a data directory (a restart after a crash); a fresh one by default. */
  dataDir?: string;
  timeouts?: Timeouts;
  /** Database time limits (shortened so that a test of a limit runs in seconds). */
  databaseLimits?: DatabaseLimits;
  /** Lets OIDC_ISSUER be a provider the test runs on http://127.0.0.1. */
  allowLoopbackHttpIssuer?: boolean;
  /** Listen on this port (see onFreePort) rather than a random one: for a PUBLIC_URL known before start. */
  port?: number;
  /** Adds routes or plugins to the server before it listens. */
  beforeListen?: (server: Server) => void;
  /**
   * Hash at production's argon2id cost, the server built as production builds
   * it (without argon2CostForTests): for tests of the primary password itself.
   * TEST_ARGON2_COST otherwise.
   */
  productionArgon2?: boolean;
}

export interface TestServer {
  url: string;
  server: Server;
  databaseUrl: string | undefined;
  secretKeyHex: string;
  dataDir: string;
  close(): Promise<void>;
}

export async function startServer(options: TestServerOptions): Promise<TestServer> {
  const dataDir = options.dataDir ?? tempDir();
  const databaseUrl = options.dialect === 'postgres' ? (options.databaseUrl ?? (await createPostgresDatabase())) : undefined;
  const secretKeyHex = options.secretKeyHex ?? crypto.randomBytes(32).toString('hex');
  const config = loadConfig({
    HOST: '127.0.0.1',
    PORT: '8080',
    DATA_DIR: dataDir,
    SESAME_SECRET_KEY: secretKeyHex,
    LOG_LEVEL: options.logStream ? 'info' : 'silent',
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    ...options.env,
  });
  let server: Server;
  try {
    server = await buildServer({
      config,
      ...(options.clock ? { clock: options.clock, noRecheckTimerForTests: true } : {}),
      ...(options.logStream ? { logStream: options.logStream } : {}),
      ...(options.onQuery ? { onQuery: options.onQuery } : {}),
      ...(options.timeouts ? { timeouts: options.timeouts } : {}),
      ...(options.databaseLimits ? { databaseLimits: options.databaseLimits } : {}),
      ...(options.allowLoopbackHttpIssuer ? { allowLoopbackHttpIssuerForTests: true } : {}),
      ...(options.productionArgon2 ? {} : { argon2CostForTests: TEST_ARGON2_COST }),
    });
  } catch (error) {
    fs.rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  options.beforeListen?.(server);
  let address: string;
  try {
    address = await server.app.listen({ host: '127.0.0.1', port: options.port ?? 0 });
  } catch (error) {
    await server.close();
    if (!options.dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  return {
    url: address,
    server,
    databaseUrl,
    secretKeyHex,
    dataDir,
    async close() {
      await server.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A port taken by another process between freePort and listen (the caller tries another). */
export function isPortTaken(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | null)?.code === 'EADDRINUSE';
}

/**
 * Starts something on a port free when chosen: the port may be taken by
 * another suite before the server binds it (seconds later for a spawned
 * process), so a start that fails with `taken` is tried again on another
 * port, five times at most.
 */
export async function onFreePort<T>(start: (port: number) => Promise<T>, taken = isPortTaken): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start(await freePort());
    } catch (error) {
      if (!taken(error) || attempt === 5) throw error;
    }
  }
}

/** A clock the test moves by hand. */
export class ManualClock implements Clock {
  constructor(public current = Date.UTC(2026, 0, 15, 9, 30, 0)) {}
  now(): number {
    return this.current;
  }
  advance(ms: number): void {
    this.current += ms;
  }
}

/**
 * Creates a local account directly through the domain (test set-up, not
 * under test), its password hashed at the server's cost, or at production's
 * for a test whose subject is the argon2 check itself.
 */
export async function addUser(
  server: TestServer,
  username: string,
  password = 'correct horse battery',
  role: 'admin' | 'user' = 'user',
  options: { productionArgon2?: boolean } = {},
) {
  const services = server.server.services;
  const ctx = options.productionArgon2 ? { ...services, argon2Cost: PRODUCTION_ARGON2_COST } : services;
  return createUser(ctx, { username, password, role }, { userId: null, name: 'test', ip: '', client: '' });
}
