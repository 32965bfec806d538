/**
 * The per-process memory of app-password credentials verified against the
 * database, so that a client repeating the same credential skips the
 * lookup. Never a time-based cache: an entry is reused only while the
 * auth-state version read at the request equals the version of the very
 * snapshot it was verified against (db/auth-state-version.ts), and while
 * it has not expired by the clock. Holds no secret: entries are found by
 * the keyed hash of the app password, never by the password itself. Bounded:
 * past its capacity the entry verified longest ago goes first (a reuse does
 * not reorder entries: that would cost two map operations per request, and
 * an entry dropped early only costs one more lookup).
 */
import type { Principal } from './principal.js';

/** Enough for every sync client of a large installation; each entry is a few hundred bytes. */
export const VERIFIED_CREDENTIALS_CAPACITY = 4096;

export interface VerifiedCredential {
  /** The auth-state version of the snapshot the credential was verified against. */
  version: number;
  expiresAt: number;
  /** The username as sent when verified; another spelling must map to `usernameKey` to match. */
  username: string;
  usernameKey: string;
  principal: Extract<Principal, { via: 'app-password' }>;
  /** The application its uses are recorded under (null where the endpoint names none). */
  application: string | null;
  /** The password's last recorded use, as read at verification (the usage recorder takes the later of this and its own). */
  lastUsedAt: number | null;
}

export class VerifiedCredentials {
  private readonly entries = new Map<string, VerifiedCredential>();
  /** For the metrics: entries looked for, and entries reused (found, still valid, same user). */
  private readonly counts = { lookups: 0, reuses: 0 };

  constructor(readonly capacity = VERIFIED_CREDENTIALS_CAPACITY) {}

  get size(): number {
    return this.entries.size;
  }

  /** The entry, still to be validated by the caller against the current version. */
  find(key: string): VerifiedCredential | undefined {
    this.counts.lookups += 1;
    return this.entries.get(key);
  }

  /** Called when an entry found was reused: the request skipped the lookup. */
  countReuse(): void {
    this.counts.reuses += 1;
  }

  /** Reuses (hits) and lookups that found nothing reusable (misses), since the start. */
  get reuseCounts(): { hits: number; misses: number } {
    return { hits: this.counts.reuses, misses: this.counts.lookups - this.counts.reuses };
  }

  remember(key: string, entry: VerifiedCredential): void {
    this.entries.delete(key);
    this.entries.set(key, entry);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
  }

  forget(key: string): void {
    this.entries.delete(key);
  }
}
