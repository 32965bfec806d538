/**
 * The Sésame side of the auth benchmarks (bench/auth.ts, bench/auth-profile.ts):
 * a real server on 127.0.0.1 (logging off) and its fixture of 1 000 users
 * with 100 app passwords each. Set-up only: it measures nothing.
 */
import crypto from 'node:crypto';
import { sql } from 'kysely';
import { loadConfig } from '../src/config/config.js';
import { buildServer, type Server } from '../src/server.js';
import { hashPassword } from '../src/accounts/primary-password.js';
import type { AppPasswordsTable, UsersTable } from '../src/db/schema.js';

export type Dialect = 'sqlite' | 'postgres';

export const USERS = 1_000;
export const PASSWORDS_PER_USER = 100; // 100 000 stored app passwords in all
/** Which of each user's passwords the load rotates through: 1 000 distinct credentials. */
const ROTATING_INDEX = 37;
/** A password used by nobody before the write count, so that its first use is inside the window. */
const FRESH_INDEX = 99;
export const DAY_MS = 86_400_000;

export function basic(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
}

export function username(u: number): string {
  return `bench-user-${String(u).padStart(4, '0')}`;
}

export interface SesameSeed {
  /** One Basic header per user: the 1 000 rotating credentials. */
  rotating: string[];
  fresh: { id: string; authorization: string };
}

export async function startSesame(
  dialect: Dialect,
  databaseUrl: string | undefined,
  dataDir: string,
  onQuery?: (sql: string) => void,
): Promise<{ server: Server; port: number }> {
  const config = loadConfig({
    HOST: '127.0.0.1',
    PORT: '8080',
    DATA_DIR: dataDir,
    SESAME_SECRET_KEY: crypto.randomBytes(32).toString('hex'),
    LOG_LEVEL: 'silent',
    ...(dialect === 'postgres' && databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
  });
  const server = await buildServer({ config, ...(onQuery ? { onQuery: (event) => onQuery(event.query.sql) } : {}) });
  await server.app.listen({ host: '127.0.0.1', port: 0 });
  const address = server.app.server.address();
  if (address === null || typeof address === 'string') throw new Error('Sésame is not listening on a TCP port');
  return { server, port: address.port };
}

/** 1 000 users and 100 000 app passwords, inserted directly (set-up, not under test), assigned to webdav, valid for a year. */
export async function seedSesame(server: Server): Promise<SesameSeed> {
  const { db, key } = server.services;
  const now = Date.now();
  const filler = await hashPassword(crypto.randomBytes(16).toString('hex'));
  const users: UsersTable[] = Array.from({ length: USERS }, (_, u) => ({
    id: crypto.randomUUID(),
    username: username(u),
    username_key: username(u),
    role: 'user',
    auth_source: 'local',
    password_hash: filler,
    totp_secret: null,
    totp_last_step: null,
    totp_pending_secret: null,
    disabled_at: null,
    password_changed_at: now,
    created_at: now,
  }));
  const rotating: string[] = [];
  let fresh: SesameSeed['fresh'] | undefined;
  await db.transaction().execute(async (trx) => {
    for (let i = 0; i < users.length; i += 500)
      await trx
        .insertInto('users')
        .values(users.slice(i, i + 500))
        .execute();
    for (let u = 0; u < USERS; u += 5) {
      const batch: AppPasswordsTable[] = [];
      for (const user of users.slice(u, u + 5)) {
        for (let p = 0; p < PASSWORDS_PER_USER; p++) {
          const secret = crypto.randomBytes(18).toString('base64url'); // 24 characters
          const row: AppPasswordsTable = {
            id: crypto.randomUUID(),
            user_id: user.id,
            name: `Device ${p}`,
            name_key: `device ${p}`,
            secret_hash: key.hashAppPassword(secret),
            application: 'webdav',
            assigned_at: now,
            assigned_by: 'user',
            created_at: now,
            expires_at: now + 365 * DAY_MS,
            revoked_at: null,
            revoked_reason: null,
            revoked_by: null,
            last_used_at: null,
            last_used_ip: null,
            last_used_client: null,
            last_used_application: null,
          };
          batch.push(row);
          if (p === ROTATING_INDEX) rotating.push(basic(user.username, secret));
          if (p === FRESH_INDEX && fresh === undefined) fresh = { id: row.id, authorization: basic(user.username, secret) };
        }
      }
      await trx.insertInto('app_passwords').values(batch).execute();
    }
  });
  await sql`analyze`.execute(db);
  const { count } = await db
    .selectFrom('app_passwords')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .executeTakeFirstOrThrow();
  if (Number(count) !== USERS * PASSWORDS_PER_USER)
    throw new Error(`seeded ${count} app passwords, expected ${USERS * PASSWORDS_PER_USER}`);
  return { rotating, fresh: fresh! };
}
