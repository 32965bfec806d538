/**
 * The work of COPY and MOVE once the request is accepted: the whole tree at
 * once when nothing stands in the way, otherwise member by member (RFC 4918
 * §9.8.8, §9.9.4): a member locked by a token not submitted (in the
 * destination, or in a MOVE's source) is reported 423, a member that does
 * not fit in the quota 507, a member the store refuses its error's status;
 * each is left as it was and every other member is transferred. Never
 * reports the request-URI itself: refusing the whole request is the
 * caller's (methods/copy-move.ts).
 */
import { isSesameError } from '../errors.js';
import type { FileStat, StorePath } from '../files/file-store.js';
import { pathKey } from '../files/space-path.js';
import { deleteLocksUnder } from '../repositories/dav-locks.js';
import { propertyCharacters, transferProperties } from '../repositories/dav-properties.js';
import { moveFileIds } from '../repositories/file-ids.js';
import { hrefOf } from './dav-path.js';
import { commitUnderQuota } from './quota.js';
import type { DavRequest } from './dav-request.js';
import { removeSubtree, removeUnlocked } from './methods/delete-mkcol.js';
import type { Refusal } from './xml-response.js';

export interface TransferPlan {
  move: boolean;
  /** COPY with Depth: 0 of a folder: the folder alone, none of its members. */
  shallow: boolean;
  /** Keys below the destination locked by tokens not submitted: kept, reported 423. */
  lockedInDestination: ReadonlySet<string>;
  /** Keys below a MOVE's source locked by tokens not submitted: not moved, reported 423. */
  lockedInSource: ReadonlySet<string>;
  /** Bytes a COPY may still add to the space (null: no quota), after the destination is cleared. */
  budget: { left: number } | null;
}

/** Copies or moves one resource with everything below it, with its dead properties (and, moved, its file ids). */
export async function transferWhole(dav: DavRequest, from: StorePath, to: StorePath, move: boolean): Promise<void> {
  const { db, clock } = dav.services;
  const fromKey = pathKey(from);
  const toKey = pathKey(to);
  if (move) {
    await dav.store.move(from, to);
    await transferProperties(db, dav.userId, fromKey, toKey, false);
    await moveFileIds(db, dav.userId, fromKey, toKey);
    await deleteLocksUnder(db, dav.userId, fromKey, clock.now());
  } else {
    await dav.store.copy(from, to, await commitUnderQuota(dav, null));
    await transferProperties(db, dav.userId, fromKey, toKey, true);
  }
}

/** What a subtree takes in the space: its files' bytes (walked with a list, never recursion) and its dead properties. */
export async function subtreeBytes(dav: DavRequest, segments: StorePath, stat: FileStat): Promise<number> {
  let total = await propertyCharacters(dav.services.db, dav.userId, pathKey(segments));
  if (!stat.isDirectory) return total + stat.size;
  const folders: StorePath[] = [segments];
  for (let folder = folders.pop(); folder !== undefined; folder = folders.pop()) {
    for (const entry of await dav.store.list(folder)) {
      if (entry.stat.isDirectory) folders.push([...folder, entry.name]);
      else total += entry.stat.size;
    }
  }
  return total;
}

/**
 * Clears the destination but its locked members, then transfers the source
 * member by member; returns the members refused, with their reasons.
 * `budget` is measured once the destination is cleared.
 */
export async function transferByMember(
  dav: DavRequest,
  from: StorePath,
  to: StorePath,
  plan: Omit<TransferPlan, 'budget'>,
  budgetAfterClearing: () => Promise<number | null>,
): Promise<Refusal[]> {
  const refused: Refusal[] = [];
  if (await dav.store.stat(to)) await removeUnlocked(dav, to, plan.lockedInDestination, refused);
  if (plan.shallow) {
    if (!(await dav.store.stat(to))) await dav.store.makeDirectory(to);
    return refused;
  }
  const left = await budgetAfterClearing();
  await transferMember(dav, from, to, { ...plan, budget: left === null ? null : { left } }, refused);
  return refused;
}

function holdsAny(keys: ReadonlySet<string>, key: string): boolean {
  const below = `${key}/`;
  for (const candidate of keys) if (candidate.startsWith(below)) return true;
  return false;
}

/** True if `from` was transferred whole; false if some part of it stayed behind (and was reported). */
async function transferMember(
  dav: DavRequest,
  from: StorePath,
  to: StorePath,
  plan: TransferPlan,
  refused: Refusal[],
): Promise<boolean> {
  const fromKey = pathKey(from);
  const toKey = pathKey(to);
  // A locked member of the destination was kept and reported when the destination was cleared.
  if (plan.lockedInDestination.has(toKey)) return false;
  const stat = await dav.store.stat(from);
  if (!stat) return true;
  if (plan.lockedInSource.has(fromKey)) {
    refused.push({ href: hrefOf(from, stat.isDirectory), status: 423 });
    return false;
  }
  // A folder kept in the destination because it holds locked members; its locked members are reported.
  const kept = await dav.store.stat(to);
  if (kept && !(stat.isDirectory && kept.isDirectory)) return false;
  const bytes = plan.budget === null ? 0 : await subtreeBytes(dav, from, stat);
  const fits = plan.budget === null || bytes <= plan.budget.left;
  const blocked = holdsAny(plan.lockedInDestination, toKey) || (plan.move && holdsAny(plan.lockedInSource, fromKey));
  if (!kept && !blocked && (fits || !stat.isDirectory)) {
    if (!fits) {
      refused.push({ href: hrefOf(to, false), status: 507 });
      return false;
    }
    return refuseOnStoreError(refused, to, stat, async () => {
      await transferWhole(dav, from, to, plan.move);
      if (plan.budget) plan.budget.left -= bytes;
    });
  }
  if (!kept && !(await refuseOnStoreError(refused, to, stat, () => dav.store.makeDirectory(to)))) return false;
  let all = true;
  for (const entry of await dav.store.list(from)) {
    all = (await transferMember(dav, [...from, entry.name], [...to, entry.name], plan, refused)) && all;
  }
  const movedAll = plan.move && all;
  await transferProperties(dav.services.db, dav.userId, fromKey, toKey, !movedAll, 'resource');
  if (movedAll) await removeSubtree(dav, from, fromKey);
  return all;
}

/** Runs one member's transfer; a refusal of the store (a name it cannot hold, no space) is reported for that member. */
async function refuseOnStoreError(
  refused: Refusal[],
  to: StorePath,
  stat: FileStat,
  transfer: () => Promise<void>,
): Promise<boolean> {
  try {
    await transfer();
    return true;
  } catch (error) {
    if (!isSesameError(error)) throw error;
    refused.push({ href: hrefOf(to, stat.isDirectory), status: error.status });
    return false;
  }
}
