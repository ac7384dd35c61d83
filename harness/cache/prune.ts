// Keep a cache kind bounded: the oldest published entries go when a new one arrives, but never one that a run is
// using (its use lock is held) or building (its build lock is held), and a build a dead run left half done goes too.
import { readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { FileLock } from './file-lock.ts';

/**
 * Remove all but the `keep` newest entries of a kind's folder, with the files beside each (`.<key>.*`: locks, log),
 * skipping those another run uses or this process holds (`ownLocks`); also the temporary folders of builds nobody
 * is running. Returns the names removed.
 */
export async function pruneEntries(folder: string, keep: number, ownLocks: ReadonlySet<string> = new Set()): Promise<string[]> {
  const names = await readdir(folder).catch(() => [] as string[]);
  const dated = await Promise.all(names.filter((name) => !name.startsWith('.')).map(async (name) => ({ name, time: (await stat(path.join(folder, name))).mtimeMs })));
  const removed: string[] = [];
  for (const { name } of dated.sort((a, b) => b.time - a.time).slice(keep)) {
    const useLock = path.join(folder, `.${name}.lock`);
    if (ownLocks.has(useLock)) continue;
    // The lock file goes last, while held: a run that opened it meanwhile finds it gone and opens a new one.
    const beside = names.filter((other) => other.startsWith(`.${name}.`) && other !== `.${name}.lock`);
    if (await removeUnderLock(useLock, [name, ...beside].map((file) => path.join(folder, file)), true)) removed.push(name);
  }
  for (const name of names) {
    const key = /^\.(.+)\.building$/.exec(name)?.[1];
    if (key !== undefined && (await removeUnderLock(path.join(folder, `.${key}.build-lock`), [path.join(folder, name)], false))) removed.push(name);
  }
  return removed;
}

/** Remove `files` if the lock can be had exclusively at once (and the lock file too, when `lockToo`); whether it could. */
async function removeUnderLock(lockFile: string, files: readonly string[], lockToo: boolean): Promise<boolean> {
  const lock = await FileLock.open(lockFile);
  try {
    if (!(await lock.tryTake('exclusive'))) return false;
    for (const file of files) await rm(file, { recursive: true, force: true });
    if (lockToo) await rm(lockFile, { force: true });
    return true;
  } finally {
    await lock.release();
  }
}
