// Keep a cache kind bounded: the least recently used entries go when a new one arrives, but never one that a run is
// using (its use lock is held) or building (its build lock is held); a build a dead run left half done goes too.
import { readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { FileLock } from './file-lock.ts';

/**
 * Remove all but the `keep` most recently used entries of a kind's folder (their folder's time, see markUsed), with the files beside each (`.<key>.*`: locks, log),
 * skipping those another run uses or builds and those this process holds (`ownLocks`); also the temporary folders of
 * builds nobody is running, and entries a prune interrupted. Returns the names removed.
 */
export async function pruneEntries(folder: string, keep: number, ownLocks: ReadonlySet<string> = new Set()): Promise<string[]> {
  const names = await readdir(folder).catch(() => [] as string[]);
  // Another run's prune may remove an entry between the listing and its stat: it is gone either way.
  const dated = (
    await Promise.all(
      names.filter((name) => !name.startsWith('.')).map(async (name) => ({ name, time: (await stat(path.join(folder, name)).catch(() => undefined))?.mtimeMs })),
    )
  ).flatMap(({ name, time }) => (time === undefined ? [] : [{ name, time }]));
  const removed: string[] = [];
  for (const { name } of dated.sort((a, b) => b.time - a.time).slice(keep)) {
    const useLock = path.join(folder, `.${name}.lock`);
    if (ownLocks.has(useLock)) continue;
    const beside = names.filter((other) => other.startsWith(`.${name}.`) && !other.endsWith('lock'));
    if (await removeUnused(folder, name, [name, ...beside])) removed.push(name);
  }
  for (const name of names) {
    const building = /^\.(.+)\.building$/.exec(name)?.[1];
    if (building !== undefined && (await removeUnused(folder, building, [name], false))) removed.push(name);
    // What a prune interrupted (a signal, a crash) left: nobody can use it any more.
    if (/^\..+\.removing-\d+$/.test(name)) {
      await rm(path.join(folder, name), { recursive: true, force: true });
      removed.push(name);
    }
  }
  return removed;
}

/**
 * Move a published entry out of its name, then delete it: an interrupted delete must not leave a half-removed
 * folder where the next run takes it for the entry.
 */
export async function removeEntryFolder(dir: string): Promise<void> {
  const away = path.join(path.dirname(dir), `.${path.basename(dir)}.removing-${process.pid}`);
  await rename(dir, away);
  await rm(away, { recursive: true, force: true });
}

/**
 * Remove `files` of entry `key` if nobody uses or builds it: both its locks had exclusively at once. The locks'
 * files go last, while held (with `locksToo`): a run that opened one meanwhile finds it gone and opens a new one.
 */
async function removeUnused(folder: string, key: string, files: readonly string[], locksToo = true): Promise<boolean> {
  const lockFiles = [path.join(folder, `.${key}.lock`), path.join(folder, `.${key}.build-lock`)];
  const locks = await Promise.all(lockFiles.map((file) => FileLock.open(file)));
  try {
    for (const lock of locks) if (!(await lock.tryTake('exclusive'))) return false;
    for (const file of files) {
      const target = path.join(folder, file);
      if (file.startsWith('.')) await rm(target, { recursive: true, force: true });
      else await removeEntryFolder(target).catch(() => undefined);
    }
    if (locksToo) for (const file of lockFiles) await rm(file, { force: true });
    return true;
  } finally {
    await Promise.all(locks.map((lock) => lock.release()));
  }
}
