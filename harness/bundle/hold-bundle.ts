// The bundle a process runs from is a cache entry like any other: holding it keeps prune from removing it while
// this run, and the scenario processes it starts, still load from it.
import path from 'node:path';
import { cacheEntry } from '../cache/cache-entry.ts';
import { InfrastructureError } from '../errors.ts';

/** Hold LUO_HARNESS_BUNDLE (set by luo-harness to the bundle it chose) until this process exits; nothing when unbundled. */
export async function holdRunningBundle(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const dir = env.LUO_HARNESS_BUNDLE;
  if (!dir) return;
  await cacheEntry({
    folder: path.dirname(dir),
    key: path.basename(dir),
    what: `the harness bundle ${path.basename(dir)}`,
    keep: Number.POSITIVE_INFINITY,
    waitMs: 60_000,
    build: () => Promise.reject(new InfrastructureError(`the harness bundle ${dir} is gone; run ./luo-harness again to rebuild it`)),
  });
}
