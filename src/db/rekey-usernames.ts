/**
 * Migration 005_username_keys: recomputes every user's uniqueness key with
 * the RFC 8265 UsernameCaseMapped key of accounts/username.ts. Accounts made
 * before it carry the earlier key (NFC, then lower case): `Straße`, `ＡＤＭＩＮ`
 * and `ΟΔΟΣ` kept keys of their own that new accounts can no longer get.
 *
 * When two existing accounts now share a key, neither is lost: the earliest
 * created keeps it; each later one is kept whole (passwords, files, history)
 * under a marked key, `<key>#conflict-<id>`, that no typed name maps to, so
 * it cannot sign in by name until an administrator deals with it; each such
 * account gets a `user.username-key-conflict` audit entry naming both.
 * Recent connections recorded under an old key follow their account; the
 * account-wide failure counter follows it too. Must never drop a row of
 * `users`, and never run outside the migrator.
 */
import crypto from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import { usernameKey } from '../accounts/username.js';

/** The tables this migration touches, as they are at 004. */
interface RekeyTables {
  users: { id: string; username: string; username_key: string; created_at: number };
  connections: {
    username_key: string;
    credential: string;
    method: string;
    application: string;
    ip: string;
    client: string;
    outcome: string;
  };
  throttle: { key: string; failures: number };
  audit_log: {
    id: string;
    at: number;
    actor_user_id: string | null;
    actor: string;
    action: string;
    target_user_id: string | null;
    target: string;
    ip: string;
    client: string;
    details: string;
  };
}

interface Rekeyed {
  id: string;
  username: string;
  from: string;
  to: string;
  /** The account that kept the key, when this one was marked. */
  keptBy: { id: string; username: string } | null;
}

/** What each user's key becomes; only the users whose key changes. */
function plan(users: RekeyTables['users'][]): Rekeyed[] {
  const holders = new Map<string, { id: string; username: string }>();
  const changes: Rekeyed[] = [];
  const ordered = [...users].sort((a, b) => Number(a.created_at) - Number(b.created_at) || a.id.localeCompare(b.id));
  for (const user of ordered) {
    const key = usernameKey(user.username);
    const holder = holders.get(key);
    const to = holder ? `${key}#conflict-${user.id}` : key;
    if (!holder) holders.set(key, { id: user.id, username: user.username });
    if (to !== user.username_key) {
      changes.push({ id: user.id, username: user.username, from: user.username_key, to, keptBy: holder ?? null });
    }
  }
  return changes;
}

async function apply(trx: Kysely<RekeyTables>, changes: Rekeyed[], now: number): Promise<void> {
  // Through a temporary key first: a new key may be another account's old one.
  for (const change of changes) {
    await trx
      .updateTable('users')
      .set({ username_key: `#rekey-${change.id}` })
      .where('id', '=', change.id)
      .execute();
  }
  for (const change of changes) {
    await trx.updateTable('users').set({ username_key: change.to }).where('id', '=', change.id).execute();
  }
  // Marked accounts first: their history leaves a key that the keeper's history may move into.
  const ordered = [...changes.filter((c) => c.keptBy !== null), ...changes.filter((c) => c.keptBy === null)];
  for (const change of ordered) {
    await trx
      .updateTable('connections')
      .set({ username_key: change.to })
      .where('username_key', '=', change.from)
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('connections as other')
              .select('other.username_key')
              .where('other.username_key', '=', change.to)
              .whereRef('other.credential', '=', 'connections.credential')
              .whereRef('other.method', '=', 'connections.method')
              .whereRef('other.application', '=', 'connections.application')
              .whereRef('other.ip', '=', 'connections.ip')
              .whereRef('other.client', '=', 'connections.client')
              .whereRef('other.outcome', '=', 'connections.outcome'),
          ),
        ),
      )
      .execute();
    const existing = await trx.selectFrom('throttle').select('key').where('key', '=', `account:${change.to}`).executeTakeFirst();
    if (!existing) {
      await trx
        .updateTable('throttle')
        .set({ key: `account:${change.to}` })
        .where('key', '=', `account:${change.from}`)
        .execute();
    }
    if (change.keptBy !== null) {
      await trx
        .insertInto('audit_log')
        .values({
          id: crypto.randomUUID(),
          at: now,
          actor_user_id: null,
          actor: 'system',
          action: 'user.username-key-conflict',
          target_user_id: change.id,
          target: change.username,
          ip: '',
          client: '',
          details: JSON.stringify({ keptBy: change.keptBy.username, keptById: change.keptBy.id, markedKey: change.to }),
        })
        .execute();
    }
  }
}

export async function rekeyUsernames(db: Kysely<unknown>): Promise<void> {
  const typed = db as unknown as Kysely<RekeyTables>;
  const users = await typed.selectFrom('users').select(['id', 'username', 'username_key', 'created_at']).execute();
  const changes = plan(users);
  if (changes.length === 0) return;
  // PostgreSQL runs migrations inside a transaction already; SQLite does not.
  if (typed.isTransaction) await apply(typed, changes, Date.now());
  else await typed.transaction().execute((trx: Transaction<RekeyTables>) => apply(trx, changes, Date.now()));
}
