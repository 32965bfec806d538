/**
 * Generates app-password secrets: 24 characters drawn uniformly
 * with crypto.randomInt from printable ASCII minus space, quotes, backtick,
 * backslash and colon (89 symbols, ≈155 bits). A draw lacking a lower-case
 * letter, an upper-case letter, a digit or a symbol is thrown away whole and
 * drawn again, which keeps the result uniform over the valid secrets.
 */
import crypto from 'node:crypto';

const EXCLUDED = new Set([' ', '"', "'", '`', '\\', ':']);

export const SECRET_ALPHABET: readonly string[] = Array.from({ length: 0x7e - 0x21 + 1 }, (_, i) =>
  String.fromCharCode(0x21 + i),
).filter((c) => !EXCLUDED.has(c));

export const SECRET_LENGTH = 24;

/** Random integer in [0, max), uniform; crypto.randomInt rejects biased draws itself. */
export type RandomInt = (max: number) => number;

export function hasEveryCharacterClass(secret: string): boolean {
  return /[a-z]/.test(secret) && /[A-Z]/.test(secret) && /[0-9]/.test(secret) && /[^a-zA-Z0-9]/.test(secret);
}

export function generateSecret(randomInt: RandomInt = (max) => crypto.randomInt(max)): string {
  for (;;) {
    let secret = '';
    for (let i = 0; i < SECRET_LENGTH; i++) secret += SECRET_ALPHABET[randomInt(SECRET_ALPHABET.length)];
    if (hasEveryCharacterClass(secret)) return secret;
  }
}
