#!/usr/bin/env node
/**
 * The `sesame` command: `serve`, and user and app-password administration
 * on the same database as the server (the data directory or DATABASE_URL),
 * also while the server runs. Thin over the domain functions.
 */
import { parseArgs } from 'node:util';
import { isSesameError } from '../errors.js';
import { describeFault, isDatabaseFault } from '../db/database-faults.js';
import { loadConfig } from '../config/config.js';
import { runCommand, UsageError } from './commands.js';

async function main(argv: string[]): Promise<number> {
  try {
    return await runCommand(argv, { loadConfig: () => loadConfig(), stdin: process.stdin, stdout: process.stdout, parseArgs });
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`sesame: ${error.message}\n${error.help ? `\n${error.help}\n` : ''}`);
      return 2;
    }
    // A database fault says what the driver said ("database or disk is full"), not only what it means.
    if (isDatabaseFault(error)) {
      process.stderr.write(`sesame: ${describeFault(error)} [${error.code}]\n`);
      return 1;
    }
    if (isSesameError(error)) {
      process.stderr.write(`sesame: ${error.message} [${error.code}]\n`);
      return 1;
    }
    process.stderr.write(`sesame: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
