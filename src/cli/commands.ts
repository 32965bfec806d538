/**
 * The commands of `sesame`, each with its help text. Every command except
 * `serve` opens the database, checks the server key like a server node
 * would, does one thing through the domain functions, and closes.
 */
import type { parseArgs as ParseArgs } from 'node:util';
import type { Readable, Writable } from 'node:stream';
import type { Config } from '../config/config.js';
import { systemClock, type Context } from '../context.js';
import { openDatabase } from '../db/database.js';
import { openServerKey } from '../security/server-key.js';
import { CLI_ACTOR } from '../audit/audit-log.js';
import { createUser, disableUser, enableUser, listUsers, requireUserNamed, setPrimaryPassword } from '../accounts/users.js';
import { generateInitialPassword } from '../accounts/first-admin.js';
import { createAppPassword, listAppPasswords, revokeAppPassword } from '../app-passwords/store.js';
import { serve } from './serve.js';

export class UsageError extends Error {
  constructor(
    message: string,
    readonly help?: string,
  ) {
    super(message);
  }
}

export interface CliIo {
  loadConfig(): Config;
  stdin: Readable;
  stdout: Writable;
  parseArgs: typeof ParseArgs;
}

const HELP = {
  main: `Usage: sesame <command>

Commands:
  serve                                   start the server
  user add NAME [--admin] [--password-stdin]
  user list
  user disable NAME
  user enable NAME
  user passwd NAME --password-stdin
  app-password create --user NAME --name LABEL [--app ID] [--expires-in DAYS]
  app-password list --user NAME
  app-password revoke ID

Configuration comes from the environment: PORT, HOST, DATA_DIR, DATABASE_URL,
SESAME_SECRET_KEY, PUBLIC_URL, TRUST_PROXY, LOG_LEVEL.
Each command takes --help.`,
  serve: 'Usage: sesame serve\n\nStarts the server (SQLite under DATA_DIR, or PostgreSQL with DATABASE_URL).',
  'user add':
    'Usage: sesame user add NAME [--admin] [--password-stdin]\n\nCreates a local account. Without --password-stdin a password is generated and printed once.',
  'user list': 'Usage: sesame user list\n\nLists the accounts.',
  'user disable':
    'Usage: sesame user disable NAME\n\nDisables an account: its sessions end and its app passwords stop working. The last enabled administrator cannot be disabled.',
  'user enable':
    'Usage: sesame user enable NAME\n\nEnables a disabled account again: it can sign in, and its app passwords neither revoked nor expired work again.',
  'user passwd':
    "Usage: sesame user passwd NAME --password-stdin\n\nSets a new primary password read from standard input; by policy this revokes the user's app passwords.",
  'app-password create':
    'Usage: sesame app-password create --user NAME --name LABEL [--app ID] [--expires-in DAYS]\n\nCreates an app password and prints its secret, once.\nApplications: webdav, sync, outlook.',
  'app-password list': 'Usage: sesame app-password list --user NAME\n\nLists the app passwords of a user (never their secrets).',
  'app-password revoke': 'Usage: sesame app-password revoke ID\n\nRevokes an app password at once.',
} as const;

type CommandName = Exclude<keyof typeof HELP, 'main'>;

async function readPassword(stdin: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

async function withContext<T>(io: CliIo, run: (ctx: Context) => Promise<T>): Promise<T> {
  const config = io.loadConfig();
  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    const key = await openServerKey(db, config);
    return await run({ db, key, clock: systemClock });
  } finally {
    await db.destroy();
  }
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  return (
    rows
      .map((row) =>
        row
          .map((cell, i) => cell.padEnd(widths[i]!))
          .join('  ')
          .trimEnd(),
      )
      .join('\n') + '\n'
  );
}

export async function runCommand(argv: string[], io: CliIo): Promise<number> {
  const [group, sub] = argv;
  if (group === undefined || group === '--help' || group === '-h' || group === 'help') {
    io.stdout.write(HELP.main + '\n');
    return group === undefined ? 2 : 0;
  }
  const name = (group === 'serve' ? 'serve' : `${group} ${sub ?? ''}`) as CommandName;
  if (!(name in HELP)) throw new UsageError(`unknown command "${[group, sub].filter(Boolean).join(' ')}"`, HELP.main);
  const rest = argv.slice(name === 'serve' ? 1 : 2);
  const help = HELP[name];
  let parsed;
  try {
    parsed = io.parseArgs({
      args: rest,
      allowPositionals: true,
      strict: true,
      options: {
        help: { type: 'boolean', short: 'h' },
        admin: { type: 'boolean' },
        'password-stdin': { type: 'boolean' },
        user: { type: 'string' },
        name: { type: 'string' },
        app: { type: 'string' },
        'expires-in': { type: 'string' },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message, help);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout.write(help + '\n');
    return 0;
  }
  const expectPositionals = (count: number): string[] => {
    if (positionals.length !== count)
      throw new UsageError(`expected ${count} argument${count === 1 ? '' : 's'}, got ${positionals.length}`, help);
    return positionals;
  };
  const requireOption = (option: 'user' | 'name'): string => {
    const value = values[option];
    if (value === undefined || value === '') throw new UsageError(`--${option} is required`, help);
    return value;
  };
  const allowOnly = (...allowed: string[]): void => {
    const extra = Object.keys(values).filter((k) => k !== 'help' && !allowed.includes(k));
    if (extra.length > 0) throw new UsageError(`option --${extra[0]} does not apply here`, help);
  };

  switch (name) {
    case 'serve':
      allowOnly();
      expectPositionals(0);
      await serve(io.loadConfig(), io.stdout);
      return 0;
    case 'user add': {
      allowOnly('admin', 'password-stdin');
      const [username] = expectPositionals(1);
      const generated = values['password-stdin'] ? null : generateInitialPassword();
      const password = generated ?? (await readPassword(io.stdin));
      const user = await withContext(io, (ctx) =>
        createUser(ctx, { username: username!, password, role: values.admin ? 'admin' : 'user' }, CLI_ACTOR),
      );
      io.stdout.write(`Created ${user.role} "${user.username}".\n`);
      if (generated) io.stdout.write(`Password (shown once): ${generated}\n`);
      return 0;
    }
    case 'user list': {
      allowOnly();
      expectPositionals(0);
      const users = await withContext(io, (ctx) => listUsers(ctx));
      const rows = users.map((u) => [
        u.username,
        u.role,
        u.authSource,
        u.twoFactor ? '2fa' : '-',
        u.disabled ? 'disabled' : 'active',
        u.createdAt,
      ]);
      io.stdout.write(table([['USERNAME', 'ROLE', 'SOURCE', '2FA', 'STATE', 'CREATED'], ...rows]));
      return 0;
    }
    case 'user disable':
    case 'user enable': {
      allowOnly();
      const [username] = expectPositionals(1);
      const disabling = name === 'user disable';
      const setState = disabling ? disableUser : enableUser;
      // The account's own name, which the one typed (`BOB`, `ＢＯＢ`) may only match.
      const user = await withContext(io, async (ctx) => setState(ctx, (await requireUserNamed(ctx, username!)).id, CLI_ACTOR));
      io.stdout.write(
        disabling
          ? `Disabled "${user.username}": sessions ended, app passwords refused.\n`
          : `Enabled "${user.username}": it can sign in, and its app passwords in force work again.\n`,
      );
      return 0;
    }
    case 'user passwd': {
      allowOnly('password-stdin');
      const [username] = expectPositionals(1);
      if (!values['password-stdin']) throw new UsageError('--password-stdin is required', help);
      const password = await readPassword(io.stdin);
      const result = await withContext(io, async (ctx) =>
        setPrimaryPassword(ctx, (await requireUserNamed(ctx, username!)).id, password, CLI_ACTOR),
      );
      io.stdout.write(`Password changed for "${username}"; ${result.revokedAppPasswords} app password(s) revoked.\n`);
      return 0;
    }
    case 'app-password create': {
      allowOnly('user', 'name', 'app', 'expires-in');
      expectPositionals(0);
      const username = requireOption('user');
      const label = requireOption('name');
      const expiresRaw = values['expires-in'];
      if (expiresRaw !== undefined && !/^\d{1,5}$/.test(expiresRaw))
        throw new UsageError('--expires-in takes a whole number of days', help);
      const created = await withContext(io, async (ctx) =>
        createAppPassword(
          ctx,
          (await requireUserNamed(ctx, username)).id,
          {
            name: label,
            application: values.app ?? null,
            ...(expiresRaw === undefined ? {} : { expiresInDays: Number(expiresRaw) }),
          },
          CLI_ACTOR,
          'cli',
        ),
      );
      io.stdout.write(
        `Created app password "${created.appPassword.name}" (id ${created.appPassword.id}) for ${username}, ` +
          `valid until ${created.appPassword.expiresAt}.\nIt is shown this once:\n${created.secret}\n`,
      );
      return 0;
    }
    case 'app-password list': {
      allowOnly('user');
      expectPositionals(0);
      const username = requireOption('user');
      const list = await withContext(io, async (ctx) => listAppPasswords(ctx, (await requireUserNamed(ctx, username)).id));
      const rows = list.map((p) => [
        p.id,
        p.name,
        p.application ?? 'unassigned',
        p.expired ? `expired ${p.expiresAt}` : p.expiresAt,
        p.lastUsed?.at ?? 'never',
      ]);
      io.stdout.write(table([['ID', 'NAME', 'APPLICATION', 'EXPIRES', 'LAST USED'], ...rows]));
      return 0;
    }
    case 'app-password revoke': {
      allowOnly();
      const [id] = expectPositionals(1);
      await withContext(io, (ctx) => revokeAppPassword(ctx, id!, CLI_ACTOR));
      io.stdout.write(`Revoked app password ${id}.\n`);
      return 0;
    }
  }
}
