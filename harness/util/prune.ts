// Keep caches bounded: old entries go when new ones arrive.
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
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

/** Empty a folder except the listed relative paths (files or folders), which stay where they are. */
export async function keepOnly(folder: string, keep: readonly string[]): Promise<void> {
  const stash = `${folder}.keep`;
  await rm(stash, { recursive: true, force: true });
  for (const relative of keep) {
    const target = path.join(stash, relative);
    await mkdir(path.dirname(target), { recursive: true });
    await rename(path.join(folder, relative), target).catch(() => undefined);
  }
  await rm(folder, { recursive: true, force: true });
  await rename(stash, folder);
}
