/**
 * Validates the "Nom de la connexion" of an app password (the help page's field, 64 characters max.):
 * trimmed, NFC-normalised, 1–64 Unicode code points, no control, line
 * separator or invisible format characters. The key used for duplicate
 * detection ignores case.
 */
import { SesameError } from '../errors.js';

export const NAME_MAX_CODE_POINTS = 64;

export interface ValidName {
  name: string;
  key: string;
}

// Control characters, line separators, and invisible format characters
// (bidi overrides, zero-width spaces) that could disguise a name; the
// zero-width joiners stay, as emoji sequences and some scripts need them.
const FORBIDDEN = /[\p{Cc}\p{Zl}\p{Zp}]|(?![\u200C\u200D])\p{Cf}/u;

export function validateAppPasswordName(raw: string): ValidName {
  const name = raw.normalize('NFC').trim();
  if (name.length === 0) throw new SesameError('NAME_REQUIRED', 'A connection name is required.');
  if (FORBIDDEN.test(name)) {
    throw new SesameError(
      'NAME_INVALID_CHARACTERS',
      'The connection name must not contain control characters, invisible formatting characters or line breaks.',
    );
  }
  const codePoints = [...name].length;
  if (codePoints > NAME_MAX_CODE_POINTS) {
    throw new SesameError(
      'NAME_TOO_LONG',
      `The connection name is ${codePoints} characters long; at most ${NAME_MAX_CODE_POINTS} are allowed.`,
    );
  }
  return { name, key: name.toLowerCase() };
}
