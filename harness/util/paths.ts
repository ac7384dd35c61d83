// Where the harness keeps things: the repository, the cache, the results.
import { homedir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Root of this repository (the folder holding package.json): beside this file, or, for the bundle `luo-harness`
 * runs from node_modules, where that script says.
 */
export const repoRoot = process.env.LUO_HARNESS_ROOT ? path.resolve(process.env.LUO_HARNESS_ROOT) : path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * How Node runs a TypeScript entry point of this repository: the bundle's JavaScript copy when the harness runs
 * bundled (LUO_HARNESS_BUNDLE, set by `luo-harness`), else the source through the TypeScript loader.
 */
export function nodeArgsFor(file: string, env: NodeJS.ProcessEnv = process.env): string[] {
  return env.LUO_HARNESS_BUNDLE ? ['--enable-source-maps', moduleFor(file, env)] : ['--import', 'tsx', file];
}

/** The module Node loads for a TypeScript source of this repository: its bundled copy, or the source itself. */
export function moduleFor(file: string, env: NodeJS.ProcessEnv = process.env): string {
  const bundle = env.LUO_HARNESS_BUNDLE;
  return bundle ? path.join(bundle, path.relative(repoRoot, file).replace(/\.ts$/, '.mjs')) : file;
}

/** The cache outside the clone, so a warm CI run reuses kernels and images. */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.LUO_HARNESS_CACHE) return path.resolve(env.LUO_HARNESS_CACHE);
  const base = env.XDG_CACHE_HOME ? env.XDG_CACHE_HOME : path.join(homedir(), '.cache');
  return path.join(base, 'luo-harness');
}
