/**
 * Usernames: 1–64 characters of letters, digits and `. _ - @ +`, never a
 * colon (Basic auth splits on the first one), letters of one script only
 * (Japanese and Korean may mix Han with their kana / Hangul), so that
 * `аdmin` in Cyrillic and Latin cannot pass for `admin`.
 *
 * Uniqueness and lookup use the RFC 8265 UsernameCaseMapped form: width
 * mapping (fullwidth `Ａｄｍｉｎ` is `Admin`), NFC, full case folding
 * (`Straße` is `strasse`, `ΟΔΟΣ` is `οδοσ`). Sign-in, Basic auth and
 * creation all trim and map the same way.
 */
import { SesameError } from '../errors.js';

const USERNAME = /^[\p{L}\p{N}._@+-]{1,64}$/u;
const HALF_AND_FULL_WIDTH = /[\uFF01-\uFFEE]/gu;

const SCRIPTS = [
  'Latin',
  'Greek',
  'Cyrillic',
  'Armenian',
  'Georgian',
  'Hebrew',
  'Arabic',
  'Syriac',
  'Thaana',
  'Devanagari',
  'Bengali',
  'Gurmukhi',
  'Gujarati',
  'Tamil',
  'Telugu',
  'Kannada',
  'Malayalam',
  'Sinhala',
  'Thai',
  'Lao',
  'Tibetan',
  'Myanmar',
  'Khmer',
  'Ethiopic',
  'Cherokee',
  'Mongolian',
  'Hangul',
  'Hiragana',
  'Katakana',
  'Bopomofo',
  'Han',
].map((name) => ({ name, pattern: new RegExp(`\\p{Script=${name}}`, 'u') }));

/** Scripts that are written together in one language. */
const COMBINABLE = [new Set(['Han', 'Hiragana', 'Katakana']), new Set(['Han', 'Hangul']), new Set(['Han', 'Bopomofo'])];

function scriptOf(char: string): string | null {
  if (!/\p{L}/u.test(char)) return null;
  return SCRIPTS.find((script) => script.pattern.test(char))?.name ?? 'other';
}

/** True when the letters of `name` belong to more than one script (combinable sets excepted). */
export function mixesScripts(name: string): boolean {
  const scripts = new Set<string>();
  for (const char of name) {
    const script = scriptOf(char);
    if (script !== null) scripts.add(script);
  }
  if (scripts.size <= 1) return false;
  return !COMBINABLE.some((set) => [...scripts].every((script) => set.has(script)));
}

/** RFC 8265 width mapping, NFC, surrounding white space trimmed: the form a username is stored and shown in. */
function preparedForm(raw: string): string {
  return raw
    .replace(HALF_AND_FULL_WIDTH, (char) => char.normalize('NFKC'))
    .normalize('NFC')
    .trim();
}

export function validateUsername(raw: string): { username: string; key: string } {
  const username = preparedForm(raw);
  if (!USERNAME.test(username)) {
    throw new SesameError('USERNAME_INVALID', 'A username has 1 to 64 characters: letters, digits and . _ - @ + only.');
  }
  if (mixesScripts(username)) {
    throw new SesameError('USERNAME_INVALID', 'A username must not mix letters of different scripts (e.g. Latin and Cyrillic).');
  }
  return { username, key: usernameKey(username) };
}

/** The uniqueness key: prepared form, full case folding (upper then lower case, final sigma folded), NFC. */
export function usernameKey(username: string): string {
  return preparedForm(username).toUpperCase().toLowerCase().replace(/ς/gu, 'σ').normalize('NFC');
}
