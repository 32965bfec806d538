/**
 * Coalesces the record of successful Basic-auth uses (a password's "last use"):
 * at most one database write per password per minute from a node, however
 * many requests a WebDAV client makes. Uses are counted in memory between
 * writes and written together: the password's last use and its aggregated
 * connection rows, in one transaction. This buffer holds statistics only;
 * no authentication decision ever reads it.
 */
import type { Clock } from '../context.js';
import type { Db } from '../db/database.js';
import { recordLastUse } from '../repositories/app-passwords.js';
import { upsertConnection } from '../repositories/connections.js';

export const USAGE_WRITE_INTERVAL_MS = 60_000;

export interface CredentialUse {
  /** The app password's id, or null for the primary password over Basic auth. */
  appPasswordId: string | null;
  userId: string;
  usernameKey: string;
  /** null: a use that named no application (GET /me). */
  application: string | null;
  ip: string;
  client: string;
  /** The credential's last recorded use as read during verification (written by any node). */
  lastWrittenAt: number | null;
}

interface Aggregate {
  ip: string;
  client: string;
  application: string | null;
  firstSeen: number;
  lastSeen: number;
  count: number;
}

interface Pending {
  appPasswordId: string | null;
  userId: string;
  usernameKey: string;
  last: { at: number; ip: string; client: string; application: string | null };
  aggregates: Map<string, Aggregate>;
}

export class UsageRecorder {
  private readonly pending = new Map<string, Pending>();
  private readonly lastWrite = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Counts one use; writes now when this password has not been written for a minute. Never throws: statistics must not fail a request. */
  async record(use: CredentialUse): Promise<void> {
    const now = this.clock.now();
    const credential = use.appPasswordId ?? `primary:${use.userId}`;
    let entry = this.pending.get(credential);
    if (entry === undefined) {
      entry = {
        appPasswordId: use.appPasswordId,
        userId: use.userId,
        usernameKey: use.usernameKey,
        last: { at: now, ip: use.ip, client: use.client, application: use.application },
        aggregates: new Map<string, Aggregate>(),
      };
      this.pending.set(credential, entry);
    } else {
      const last = entry.last;
      last.at = now;
      last.ip = use.ip;
      last.client = use.client;
      last.application = use.application;
    }
    // NUL cannot occur in an address, a client description or an application name.
    const aggregateKey = `${use.ip}\u0000${use.client}\u0000${use.application ?? '\u0000'}`;
    const aggregate = entry.aggregates.get(aggregateKey);
    if (aggregate) {
      aggregate.lastSeen = now;
      aggregate.count += 1;
    } else {
      entry.aggregates.set(aggregateKey, {
        ip: use.ip,
        client: use.client,
        application: use.application,
        firstSeen: now,
        lastSeen: now,
        count: 1,
      });
    }

    // A write by any node (seen as lastWrittenAt) starts this node's minute too.
    const known = this.lastWrite.get(credential) ?? -Infinity;
    const lastWrite = use.lastWrittenAt !== null && use.lastWrittenAt > known ? use.lastWrittenAt : known;
    if (lastWrite !== known) this.lastWrite.set(credential, lastWrite);
    if (now - lastWrite >= USAGE_WRITE_INTERVAL_MS) await this.write(credential).catch(this.onError);
  }

  /** Writes every pending password whose minute has passed (or all, when `all`). */
  async flush(all = false): Promise<void> {
    const now = this.clock.now();
    for (const id of [...this.pending.keys()]) {
      if (all || now - (this.lastWrite.get(id) ?? -Infinity) >= USAGE_WRITE_INTERVAL_MS) await this.write(id).catch(this.onError);
    }
    for (const [id, at] of this.lastWrite) {
      if (now - at >= USAGE_WRITE_INTERVAL_MS && !this.pending.has(id)) this.lastWrite.delete(id);
    }
  }

  start(intervalMs = 5_000): void {
    this.timer = setInterval(() => this.flush().catch(this.onError), intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.flush(true);
  }

  private async write(credential: string): Promise<void> {
    const entry = this.pending.get(credential);
    if (!entry) return;
    this.pending.delete(credential);
    this.lastWrite.set(credential, this.clock.now());
    const appPasswordId = entry.appPasswordId;
    await this.db.transaction().execute(async (trx) => {
      if (appPasswordId !== null) await recordLastUse(trx, appPasswordId, entry.last);
      for (const aggregate of entry.aggregates.values()) {
        await upsertConnection(trx, {
          usernameKey: entry.usernameKey,
          userId: entry.userId,
          appPasswordId,
          reason: null,
          method: appPasswordId === null ? 'primary-password' : 'app-password',
          application: aggregate.application,
          ip: aggregate.ip,
          client: aggregate.client,
          outcome: 'success',
          firstSeen: aggregate.firstSeen,
          lastSeen: aggregate.lastSeen,
          count: aggregate.count,
        });
      }
    });
  }
}
