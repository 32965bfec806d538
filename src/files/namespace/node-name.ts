/**
 * The rules for the name of a file or folder, whichever surface gives it:
 * not empty, not `.` or `..`, no `/` or `\`, no control character (C0 or
 * DEL), at most 255 bytes of UTF-8, and none of the characters that make a
 * name show as something it is not: bidirectional embeddings, overrides
 * and isolates (U+202A–U+202E, U+2066–U+2069: `cod.exe` shown as
 * `exe.doc`), noncharacters (U+FDD0–U+FDEF, U+FFFE, U+FFFF and their
 * equivalents in every plane) and unpaired surrogates. Names are kept byte
 * for byte, as today: a name in NFC and the same name in NFD are two names.
 * Pure: no I/O.
 */
import { SesameError } from '../../errors.js';

export const MAX_NAME_BYTES = 255;

function refused(detail: string): SesameError {
  return new SesameError('FILE_NAME_INVALID', `This name is not allowed: ${detail}.`);
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;
const BIDI_CONTROL = /[\u202a-\u202e\u2066-\u2069]/;
const UNPAIRED_SURROGATE = /\p{Cs}/u;

function hasNoncharacter(name: string): boolean {
  for (const char of name) {
    const point = char.codePointAt(0)!;
    if ((point >= 0xfdd0 && point <= 0xfdef) || (point & 0xfffe) === 0xfffe) return true;
  }
  return false;
}

/** Throws FILE_NAME_INVALID, saying why, unless `name` may name a file or folder. */
export function checkNodeName(name: string): void {
  if (name === '') throw refused('a name cannot be empty');
  if (name === '.' || name === '..') throw refused('"." and ".." are not names');
  if (name.includes('/') || name.includes('\\')) throw refused('a name cannot contain "/" or "\\"');
  if (CONTROL.test(name)) throw refused('a name cannot contain control characters');
  if (UNPAIRED_SURROGATE.test(name)) throw refused('a name must be valid Unicode');
  if (BIDI_CONTROL.test(name)) throw refused('a name cannot contain bidirectional embedding, override or isolate characters');
  if (hasNoncharacter(name)) throw refused('a name cannot contain Unicode noncharacters');
  if (Buffer.byteLength(name) > MAX_NAME_BYTES) throw refused(`a name may be at most ${MAX_NAME_BYTES} bytes long`);
}
