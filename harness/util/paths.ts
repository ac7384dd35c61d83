// Where the harness keeps things: the repository, the cache, the results.
import { homedir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Root of this repository (the folder holding package.json). */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The cache outside the clone, so a warm CI run reuses kernels and images. */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.LUO_HARNESS_CACHE) return path.resolve(env.LUO_HARNESS_CACHE);
  const base = env.XDG_CACHE_HOME ? env.XDG_CACHE_HOME : path.join(homedir(), '.cache');
  return path.join(base, 'luo-harness');
}
