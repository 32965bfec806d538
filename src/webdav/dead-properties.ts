/**
 * The rules of dead properties (PROPPATCH): the limits of one value and of
 * one resource, and their place in the space's usage, so that properties
 * can neither grow without end nor escape the quota. A PROPPATCH's changes
 * are applied all or nothing, under the user's row lock (one change of the
 * space at a time, on every process and node), once the resource as it
 * would be is within the limits and the space within its quota.
 */
import { getPolicy } from '../policy/policy.js';
import {
  changeProperties,
  propertiesOf,
  propertyCharacters,
  type DeadProperty,
  type PropertyChange,
} from '../repositories/dav-properties.js';
import { lockUser } from '../repositories/users.js';
import { SesameError } from '../errors.js';
import type { DavRequest } from './dav-request.js';

/** One value: far above what clients store (dates, attributes, a short list), far below the body limit. */
export const MAX_PROPERTY_VALUE_BYTES = 64 * 1024;
/** Properties of one resource: Windows and Office set a handful, litmus a dozen. */
export const MAX_PROPERTIES_PER_RESOURCE = 256;
/** Namespaces, names and values of one resource together. */
export const MAX_PROPERTY_BYTES_PER_RESOURCE = 256 * 1024;

function keyOf(namespace: string, name: string): string {
  return `${namespace}\u0000${name}`;
}

function sizeOf(property: DeadProperty): number {
  return Buffer.byteLength(property.namespace) + Buffer.byteLength(property.name) + Buffer.byteLength(property.value);
}

/** The characters a set of properties counts in the usage (as the database sums them). */
function charactersOf(properties: Iterable<DeadProperty>): number {
  let total = 0;
  for (const p of properties) total += p.namespace.length + p.name.length + p.value.length;
  return total;
}

/** The changes that turn `before` into `after`. */
function netChanges(before: DeadProperty[], after: Map<string, DeadProperty>): PropertyChange[] {
  const changes: PropertyChange[] = [];
  const kept = new Map(before.map((p) => [keyOf(p.namespace, p.name), p]));
  for (const [key, property] of after) {
    if (kept.get(key)?.value !== property.value) changes.push({ kind: 'set', property });
  }
  for (const [key, property] of kept) {
    if (!after.has(key)) changes.push({ kind: 'remove', namespace: property.namespace, name: property.name });
  }
  return changes;
}

/** Why the changes cannot be kept, or null when they fit. */
function overLimit(after: Map<string, DeadProperty>, changes: PropertyChange[]): string | null {
  for (const change of changes) {
    if (change.kind === 'set' && Buffer.byteLength(change.property.value) > MAX_PROPERTY_VALUE_BYTES) {
      return `A property value may be at most ${MAX_PROPERTY_VALUE_BYTES} bytes.`;
    }
  }
  if (after.size > MAX_PROPERTIES_PER_RESOURCE) {
    return `A file or folder may have at most ${MAX_PROPERTIES_PER_RESOURCE} properties.`;
  }
  let bytes = 0;
  for (const property of after.values()) bytes += sizeOf(property);
  if (bytes > MAX_PROPERTY_BYTES_PER_RESOURCE) {
    return `The properties of a file or folder may take at most ${MAX_PROPERTY_BYTES_PER_RESOURCE} bytes.`;
  }
  return null;
}

/** Applies the changes to the target's properties, all or nothing; 507 DAV_INSUFFICIENT_STORAGE past a limit or the quota. */
export async function applyPropertyChanges(dav: DavRequest, changes: PropertyChange[]): Promise<void> {
  const { storageQuotaBytes } = await getPolicy(dav.services.db);
  await dav.services.db.transaction().execute(async (trx) => {
    if (!(await lockUser(trx, dav.userId))) throw new SesameError('USER_NOT_FOUND', 'No such user.');
    const before = await propertiesOf(trx, dav.userId, dav.key);
    const after = new Map(before.map((p) => [keyOf(p.namespace, p.name), p]));
    for (const change of changes) {
      if (change.kind === 'set') after.set(keyOf(change.property.namespace, change.property.name), change.property);
      else after.delete(keyOf(change.namespace, change.name));
    }
    const refusal = overLimit(after, changes);
    if (refusal) throw new SesameError('DAV_INSUFFICIENT_STORAGE', refusal);
    const added = charactersOf(after.values()) - charactersOf(before);
    if (storageQuotaBytes > 0 && added > 0) {
      const used = (await dav.store.spaceUsed()) + (await propertyCharacters(trx, dav.userId));
      if (used + added > storageQuotaBytes) {
        throw new SesameError('DAV_INSUFFICIENT_STORAGE', 'These properties would exceed your storage quota.');
      }
    }
    // Only the net effect is written: a body that sets one name 10 000 times costs one statement.
    await changeProperties(trx, dav.userId, dav.key, netChanges(before, after));
  });
}
