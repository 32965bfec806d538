/**
 * Shared by the CPU-profiling benchmarks (bench/auth-profile.ts,
 * bench/dav-get-cpu.ts): names the module a V8 profile frame belongs to,
 * so that self time can be added up by module. Measures nothing itself.
 */
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');

/** The module a frame belongs to: an npm package, a file of ours, Node's internals, or V8's own (GC, idle, native). */
export function moduleOf(url: string, functionName: string): string {
  if (url === '') return `(${functionName || 'native'})`;
  const file = url.replace(/^file:\/\//, '');
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file);
  if (pkg) return pkg[1]!;
  if (file.startsWith('node:')) return 'node:internal';
  return path.relative(ROOT, file);
}
