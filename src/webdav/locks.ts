/**
 * WebDAV locking rules (RFC 4918 §6, §7, §10.4): evaluating the If header,
 * refusing changes to locked resources whose token was not submitted,
 * creating locks without conflicts (serialised per user in the database, so
 * every process and node agrees; at most MAX_LOCKS_PER_USER held, expired
 * ones pruned), refreshing and removing them.
 */
import crypto from 'node:crypto';
import { SesameError } from '../errors.js';
import { lockUser } from '../repositories/users.js';
import type { FileStat, StorePath } from '../files/file-store.js';
import { pathKey, segmentsOf } from '../files/space-path.js';
import { etagOf } from './conditions.js';
import { hrefOf, parseDavPath } from './dav-path.js';
import { headerOf, type DavRequest } from './dav-request.js';
import { parseIfHeader, submittedTokens, type IfList } from './if-header.js';
import {
  countActiveLocks,
  deleteExpiredLocks,
  deleteLock,
  extendLock,
  insertLock,
  locksAffecting,
  type DavLock,
} from '../repositories/dav-locks.js';

export const MAX_LOCK_SECONDS = 7 * 24 * 3600;
export const DEFAULT_LOCK_SECONDS = 3600;
/** Locks one user may hold at once: a drive holds a few per open document, never thousands. */
export const MAX_LOCKS_PER_USER = 1000;

export interface LockCheck {
  segments: StorePath;
  /** Also locks on anything below (DELETE or MOVE of a collection). */
  descendants: boolean;
}

function tagPath(resource: string): StorePath | null {
  try {
    const path = resource.startsWith('/') ? resource : new URL(resource).pathname;
    return parseDavPath(path).segments;
  } catch {
    return null;
  }
}

/** True if one list of the If header holds (each list against its tagged resource or the target). */
async function evaluateIf(dav: DavRequest, lists: IfList[], targetStat: FileStat | null): Promise<boolean> {
  const now = dav.services.clock.now();
  for (const list of lists) {
    const segments = list.resource === null ? dav.target.segments : tagPath(list.resource);
    if (segments === null) continue;
    const stat = list.resource === null ? targetStat : await dav.store.stat(segments);
    const etag = stat ? etagOf(stat) : null;
    const tokens = new Set(
      (await locksAffecting(dav.services.db, dav.userId, pathKey(segments), now, false)).map((l) => l.token),
    );
    const holds = list.conditions.every((condition) => {
      const matched = condition.kind === 'token' ? tokens.has(condition.value) : etag !== null && condition.value === etag;
      return matched !== condition.not;
    });
    if (holds) return true;
  }
  return false;
}

/**
 * For a method that changes resources: 412 if the If header does not hold,
 * 423 if a lock on what changes was not submitted by token.
 */
export async function assertMayChange(dav: DavRequest, targetStat: FileStat | null, checks: LockCheck[]): Promise<Set<string>> {
  const header = headerOf(dav, 'if');
  const lists = header === undefined ? [] : parseIfHeader(header);
  if (lists.length > 0 && !(await evaluateIf(dav, lists, targetStat))) {
    throw new SesameError('DAV_PRECONDITION_FAILED', 'The If header does not hold for this resource.');
  }
  const submitted = submittedTokens(lists);
  const now = dav.services.clock.now();
  for (const check of checks) {
    const locks = await locksAffecting(dav.services.db, dav.userId, pathKey(check.segments), now, check.descendants);
    const missing = locks.find((lock) => !submitted.has(lock.token));
    if (missing) {
      throw new SesameError(
        'DAV_LOCK_TOKEN_NOT_SUBMITTED',
        `${hrefOf(segmentsOf(missing.path), false)} is locked; submit its lock token.`,
      );
    }
  }
  return submitted;
}

/** Paths strictly below `key` locked by tokens not submitted: members a DELETE, COPY or MOVE must leave alone. */
export async function lockedMembers(dav: DavRequest, key: string, submitted: Set<string>): Promise<Set<string>> {
  const locks = await locksAffecting(dav.services.db, dav.userId, key, dav.services.clock.now(), true);
  const below = key === '/' ? '/' : `${key}/`;
  return new Set(locks.filter((lock) => lock.path.startsWith(below) && !submitted.has(lock.token)).map((lock) => lock.path));
}

/** The checks of a change to `segments`: the resource itself and, for its membership, a depth-0 lock on its parent. */
export function changeOf(segments: StorePath, descendants: boolean): LockCheck[] {
  const checks: LockCheck[] = [{ segments, descendants }];
  if (segments.length > 0) checks.push({ segments: segments.slice(0, -1), descendants: false });
  return checks;
}

export interface NewLock {
  segments: StorePath;
  depth: '0' | 'infinity';
  scope: 'exclusive' | 'shared';
  owner: string;
  timeoutSeconds: number;
}

/** Creates a lock unless one in its way conflicts (423); all locks of a user are decided one at a time. */
export async function createLock(dav: DavRequest, request: NewLock): Promise<DavLock> {
  const now = dav.services.clock.now();
  const key = pathKey(request.segments);
  const lock: DavLock = {
    token: `urn:uuid:${crypto.randomUUID()}`,
    path: key,
    depth: request.depth,
    scope: request.scope,
    owner: request.owner,
    timeoutSeconds: request.timeoutSeconds,
    expiresAt: now + request.timeoutSeconds * 1000,
  };
  await dav.services.db.transaction().execute(async (trx) => {
    if (!(await lockUser(trx, dav.userId))) throw new SesameError('USER_NOT_FOUND', 'No such user.');
    const existing = await locksAffecting(trx, dav.userId, key, now, request.depth === 'infinity');
    if (existing.some((other) => other.scope === 'exclusive' || request.scope === 'exclusive')) {
      throw new SesameError('DAV_LOCKED', 'This resource is already locked.');
    }
    // Rows are the user's to keep bounded: expired ones go, and no more than the cap are held.
    await deleteExpiredLocks(trx, dav.userId, now);
    if ((await countActiveLocks(trx, dav.userId, now)) >= MAX_LOCKS_PER_USER) {
      throw new SesameError('DAV_INSUFFICIENT_STORAGE', `You may hold at most ${MAX_LOCKS_PER_USER} locks; unlock some first.`);
    }
    await insertLock(trx, dav.userId, lock, now);
  });
  return lock;
}

/** Refreshes the lock named in the If header that covers the target (412 if none does). */
export async function refreshLock(dav: DavRequest, timeoutSeconds: number): Promise<DavLock> {
  const header = headerOf(dav, 'if');
  const tokens = header === undefined ? new Set<string>() : submittedTokens(parseIfHeader(header));
  const now = dav.services.clock.now();
  const covering = await locksAffecting(dav.services.db, dav.userId, dav.key, now, false);
  const lock = covering.find((candidate) => tokens.has(candidate.token));
  if (!lock)
    throw new SesameError(
      'DAV_PRECONDITION_FAILED',
      'A lock refresh needs the If header with a token of a lock on this resource.',
    );
  const expiresAt = now + timeoutSeconds * 1000;
  await extendLock(dav.services.db, dav.userId, lock.token, timeoutSeconds, expiresAt);
  return { ...lock, timeoutSeconds, expiresAt };
}

/** Removes the lock named by Lock-Token if it covers the target (409 lock-token-matches-request-uri otherwise). */
export async function removeLock(dav: DavRequest, token: string): Promise<void> {
  const now = dav.services.clock.now();
  const covering = await locksAffecting(dav.services.db, dav.userId, dav.key, now, false);
  if (!covering.some((candidate) => candidate.token === token)) {
    throw new SesameError('DAV_LOCK_TOKEN_MISMATCH', 'This lock token does not name a lock of this resource.');
  }
  await deleteLock(dav.services.db, dav.userId, token);
}
