/**
 * The one access rule of file spaces: a principal acts only in its own
 * space. Every file surface asks here before it opens a store, so a later
 * sharing feature has one place to widen. Never consults the path's content.
 */
import type { Principal } from '../auth/principal.js';
import { SesameError } from '../errors.js';

export type FileAction = 'read' | 'write';

export function authorize(principal: Principal | null, action: FileAction, spaceOwnerId: string): void {
  if (principal === null || principal.userId !== spaceOwnerId) {
    throw new SesameError('DAV_FORBIDDEN', `You may not ${action} in another user's space.`);
  }
}
