/**
 * The data directory and its files are the server user's alone: the
 * directory is created 0700 and every file in it 0600 (the SQLite database
 * holds argon2 hashes and sealed TOTP secrets). A directory or file that
 * already exists with wider permissions — as earlier versions left them when
 * DATA_DIR existed beforehand — is tightened rather than refused, so that an
 * upgrade needs no manual step; one that cannot be tightened (another
 * owner) stops start-up with a message naming it. Never loosens anything.
 */
import fs from 'node:fs';
import { SesameError } from '../errors.js';

const GROUP_OR_OTHERS = 0o077;

function restrict(target: string, mode: number, what: string): void {
  if ((fs.statSync(target).mode & GROUP_OR_OTHERS) === 0) return;
  try {
    fs.chmodSync(target, mode);
  } catch (error) {
    throw new SesameError(
      'CONFIG_INVALID',
      `Invalid configuration: ${what} ${target} is open to other users and cannot be restricted ` +
        `(${(error as NodeJS.ErrnoException).code}); make it mode ${mode.toString(8)} and owned by the server's user.`,
    );
  }
}

/** Creates `dir` (0700) or tightens it to 0700. */
export function preparePrivateDirectory(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (!fs.statSync(dir).isDirectory()) {
    throw new SesameError('CONFIG_INVALID', `Invalid configuration: DATA_DIR ${dir} is not a directory.`);
  }
  restrict(dir, 0o700, 'the data directory');
}

/** Creates `file` empty (0600) if it is missing, or tightens it to 0600. */
export function preparePrivateFile(file: string): void {
  fs.closeSync(fs.openSync(file, 'a', 0o600));
  restrict(file, 0o600, 'the file');
}

/** Tightens `file` to 0600 if it exists. */
export function restrictIfPresent(file: string): void {
  if (fs.existsSync(file)) restrict(file, 0o600, 'the file');
}
