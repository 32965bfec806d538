/**
 * Usernames: 1–64 characters of letters, digits and `. _ - @ +`, never a
 * colon (Basic auth splits on the first one). Compared without case.
 */
import { SesameError } from '../errors.js';

const USERNAME = /^[\p{L}\p{N}._@+-]{1,64}$/u;

export function validateUsername(raw: string): { username: string; key: string } {
  const username = raw.normalize('NFC').trim();
  if (!USERNAME.test(username)) {
    throw new SesameError('USERNAME_INVALID', 'A username has 1 to 64 characters: letters, digits and . _ - @ + only.');
  }
  return { username, key: usernameKey(username) };
}

export function usernameKey(username: string): string {
  return username.normalize('NFC').toLowerCase();
}
