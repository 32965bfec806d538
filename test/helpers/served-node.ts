/**
 * A `sesame serve` process of the built CLI (helpers/build.ts), for tests
 * that must see whole processes live, die or be replaced: its output is
 * kept, its worker processes can be listed and killed, and it is stopped
 * with SIGTERM like a service manager would. Each node gets its own data
 * directory and port; nodes given the same DATABASE_URL and key make a
 * cluster.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { ROOT, ensureServerBuild } from './build.js';
import { onFreePort, tempDir } from './server.js';

export interface ServedNode {
  url: string;
  port: number;
  dataDir: string;
  child: ChildProcess;
  /** Everything the process wrote on stdout and stderr so far. */
  output(): string;
  /** Whether the process (the primary, with workers) has exited. */
  exited(): boolean;
  /** The pids of its worker processes (none with WORKERS=1). */
  workerPids(): number[];
  /** Resolves once `pattern` appears in the output; rejects on exit or after `timeoutMs`. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  /** SIGTERM, then the exit code (null when killed by a signal). */
  stop(): Promise<number | null>;
}

export interface NodeOptions {
  env: Record<string, string>;
  /** What the output shows once the node serves; the default is its "listening" line. */
  ready?: RegExp | null;
  readyTimeoutMs?: number;
  /** Runs the process as `nobody` (setpriv), for a test of file permissions, which root would ignore. */
  asNobody?: boolean;
}

const LISTENING = /Sésame is listening on/;

function childrenOf(pid: number): number[] {
  try {
    return execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' })
      .split('\n')
      .map((line) => Number(line.trim()))
      .filter((n) => n > 0);
  } catch {
    return [];
  }
}

async function spawnOn(port: number, options: NodeOptions): Promise<ServedNode> {
  const dataDir = options.env.DATA_DIR ?? tempDir();
  const env: NodeJS.ProcessEnv = { ...process.env };
  // The test's own environment never leaks in; a node is given HOST or PUBLIC_URL only by its options.
  for (const name of ['HOST', 'PUBLIC_URL', 'NODE_TEST_CONTEXT']) delete env[name];
  Object.assign(env, { DATA_DIR: dataDir, LOG_LEVEL: 'warn', ...options.env, PORT: String(port) });
  if (options.env.DATABASE_URL === undefined) delete env.DATABASE_URL;
  const command = [process.execPath, 'dist/cli/main.js', 'serve'];
  const [file, ...args] = options.asNobody
    ? ['setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups', ...command]
    : command;
  const child = spawn(file!, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let exitCode: number | null | undefined;
  const exit = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      exitCode = code;
      resolve(code);
    }),
  );
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const node: ServedNode = {
    url: `http://127.0.0.1:${port}`,
    port,
    dataDir,
    child,
    output: () => output,
    exited: () => exitCode !== undefined,
    workerPids: () => childrenOf(child.pid!),
    waitFor(pattern, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const started = Date.now();
        const poll = setInterval(() => {
          const found = pattern.exec(output);
          if (found) {
            clearInterval(poll);
            resolve(found);
          } else if (exitCode !== undefined || Date.now() - started > timeoutMs) {
            clearInterval(poll);
            const why = exitCode !== undefined ? `exited with ${exitCode}` : `did not show ${pattern} within ${timeoutMs} ms`;
            const error = new Error(`serve ${why}:\n${output}`);
            reject(/EADDRINUSE/.test(output) ? Object.assign(error, { code: 'EADDRINUSE' }) : error);
          }
        }, 50);
      });
    },
    async stop() {
      if (exitCode === undefined) child.kill('SIGTERM');
      const code = await exit;
      if (options.env.DATA_DIR === undefined) fs.rmSync(dataDir, { recursive: true, force: true });
      return code;
    },
  };
  if (options.ready !== null) {
    try {
      await node.waitFor(options.ready ?? LISTENING, options.readyTimeoutMs);
    } catch (error) {
      await node.stop();
      throw error;
    }
  }
  return node;
}

/** Starts `sesame serve` on a free port and, unless `ready` is null, waits until it serves. */
export async function startNode(options: NodeOptions): Promise<ServedNode> {
  await ensureServerBuild();
  return onFreePort((port) => spawnOn(port, options));
}
