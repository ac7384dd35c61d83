// Keep caches bounded: old entries go when new ones arrive.
import { readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';

/** Remove all but the `keep` most recently completed entries of a cache folder (by their `complete` stamp). */
export async function pruneOldEntries(folder: string, keep: number, stampName = 'complete'): Promise<string[]> {
  const entries = await readdir(folder).catch(() => [] as string[]);
  const dated = await Promise.all(
    entries.map(async (name) => ({ name, time: (await stat(path.join(folder, name, stampName)).catch(() => undefined))?.mtimeMs ?? 0 })),
  );
  const doomed = dated.sort((a, b) => b.time - a.time).slice(keep).map((entry) => entry.name);
  for (const name of doomed) await rm(path.join(folder, name), { recursive: true, force: true });
  return doomed;
}
