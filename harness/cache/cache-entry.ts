// One cache entry: a folder named by a content key, built once by whichever run needs it first and shared by every run
// on the machine. It is built in a temporary folder and published by rename, so nobody sees it half made; a lock makes
// a second run wait for the first run's build rather than build it again; a run that uses an entry holds the lock
// shared until it exits, so prune never removes it under that run.
import { watch, type FSWatcher } from 'node:fs';
import { mkdir, readFile, rename, rm, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileExists } from '../util/file-exists.ts';
import { progress } from '../util/log.ts';
import { FileLock } from './file-lock.ts';
import { pruneEntries, removeEntryFolder } from './prune.ts';

export interface EntryRecipe {
  /** The folder holding every entry of this kind (kernels, guest images, ...). */
  readonly folder: string;
  /** The content key: the entry's folder name, the same for the same inputs on every machine. */
  readonly key: string;
  /** What it is, for people: "kernel linux-source-7.3=7.3.4-1". */
  readonly what: string;
  /** Entries of this kind kept when a new one is published (the ones in use are kept anyway). */
  readonly keep: number;
  /** How long a run waits for another run's build of the same entry. */
  readonly waitMs: number;
  /** Fill `dir`, an empty folder that becomes the entry once this returns. */
  readonly build: (dir: string) => Promise<void>;
  /**
   * A mutable entry (a developer's own tree, built incrementally): built in place, by `build` at every request, under
   * the exclusive lock, and not held afterwards; immutable entries are built once.
   */
  readonly mutable?: boolean;
  /**
   * Whether a published entry still holds what it should (one that points into another entry, say, which prune
   * removed since): one that does not is built again.
   */
  readonly intact?: (dir: string) => Promise<boolean>;
}

export interface CacheEntry {
  readonly dir: string;
  /** Whether this request built it (false: it was there, or another run built it meanwhile). */
  readonly built: boolean;
  /** Wall time of this request's build in ms; 0 when it built nothing. */
  readonly buildMs: number;
}

/** Entries this process holds, by lock file: asking again returns the same entry without locking twice. */
const held = new Map<string, Promise<CacheEntry>>();

/** The locks behind them, kept referenced: a lock file closed by the garbage collector would end its lock. */
const holding = new Set<FileLock>();

/** Who builds an entry now, written beside its lock so a waiting run can say whom it waits for. */
interface OwnerNote {
  readonly pid: number;
  readonly what: string;
  readonly since: string;
}

const paths = (recipe: EntryRecipe) => ({
  dir: path.join(recipe.folder, recipe.key),
  /** Held shared by every run using the entry, exclusive by prune removing it. */
  useLock: path.join(recipe.folder, `.${recipe.key}.lock`),
  /** Held by the one run building the entry; the others wait for it, then find the entry made. */
  buildLock: path.join(recipe.folder, `.${recipe.key}.build-lock`),
  owner: path.join(recipe.folder, `.${recipe.key}.owner`),
  building: path.join(recipe.folder, `.${recipe.key}.building`),
});

/** The entry, built first if no run has; held shared until this process exits (immutable entries). */
export function cacheEntry(recipe: EntryRecipe): Promise<CacheEntry> {
  const { useLock } = paths(recipe);
  const known = held.get(useLock);
  if (known && !recipe.mutable) return known;
  const entry = recipe.mutable ? rebuild(recipe) : obtain(recipe);
  if (!recipe.mutable) {
    held.set(useLock, entry);
    entry.catch(() => held.delete(useLock));
  }
  return entry;
}

/** Lock files of the entries this process holds: prune must not try to take them from itself. */
export function heldLocks(): ReadonlySet<string> {
  return new Set(held.keys());
}

async function obtain(recipe: EntryRecipe): Promise<CacheEntry> {
  const where = paths(recipe);
  await mkdir(recipe.folder, { recursive: true });
  const use = await FileLock.open(where.useLock);
  try {
    // Waits only while prune removes this very entry.
    await use.take('shared', recipe.waitMs, recipe.what);
    if (await usable(recipe, where.dir)) {
      await markUsed(where.dir);
      return holdOn(use, { dir: where.dir, built: false, buildMs: 0 });
    }
    const buildMs = await underBuildLock(recipe, where, async () => {
      if (await usable(recipe, where.dir)) return undefined;
      // Published once, broken since: away with it, under the lock, before anyone takes it again.
      if (await fileExists(where.dir)) await removeEntryFolder(where.dir);
      return buildEntry(recipe, where);
    });
    if (buildMs !== undefined) await pruneQuietly(recipe);
    return holdOn(use, { dir: where.dir, built: buildMs !== undefined, buildMs: buildMs ?? 0 });
  } catch (error) {
    await use.release();
    throw error;
  }
}

/** A mutable entry: built in place at every request, one run at a time; nobody holds it afterwards. */
async function rebuild(recipe: EntryRecipe): Promise<CacheEntry> {
  const where = paths(recipe);
  await mkdir(recipe.folder, { recursive: true });
  const buildMs = await underBuildLock(recipe, where, () => buildEntry(recipe, where));
  await pruneQuietly(recipe);
  return { dir: where.dir, built: true, buildMs };
}

/** Prune keeps the entries used last: using one counts as making it (a folder's time; nothing inside changes). */
async function markUsed(dir: string): Promise<void> {
  const now = new Date();
  await utimes(dir, now, now).catch(() => undefined);
}

async function usable(recipe: EntryRecipe, dir: string): Promise<boolean> {
  return (await fileExists(dir)) && (recipe.intact === undefined || (await recipe.intact(dir)));
}

/** Prune the kind after a build; a failure to prune is said, never the build's failure. */
async function pruneQuietly(recipe: EntryRecipe): Promise<void> {
  await pruneEntries(recipe.folder, recipe.keep, heldLocks()).catch((error: unknown) => {
    progress(`could not prune ${recipe.folder}: ${error instanceof Error ? error.message : String(error)}`);
  });
}

/** Keep the entry's shared lock until this process exits. */
function holdOn(lock: FileLock, entry: CacheEntry): CacheEntry {
  holding.add(lock);
  return entry;
}

/** `work` under the entry's build lock; when another run holds it, say whom this run waits for, then wait. */
async function underBuildLock<T>(recipe: EntryRecipe, where: ReturnType<typeof paths>, work: () => Promise<T>): Promise<T> {
  const lock = await FileLock.open(where.buildLock);
  try {
    if (!(await lock.tryTake('exclusive'))) {
      // Ended on every path out, so that no flock(1) keeps waiting for a lock this run gave up.
      const waiting = new AbortController();
      try {
        const taken = lock.take('exclusive', recipe.waitMs, `waiting for ${recipe.what}`, waiting.signal);
        // The builder writes its note just after taking the lock: say whom this run waits for once the note is there,
        // or nothing if the lock comes first.
        const noted = new AbortController();
        const owner = await Promise.race([liveOwnerNote(where.owner, noted.signal), taken.then(() => undefined)]).finally(() => noted.abort());
        if (owner) progress(`waiting for another run building ${owner.what}, pid ${owner.pid} (since ${owner.since})`);
        await taken;
      } finally {
        waiting.abort();
      }
    }
    return await work();
  } finally {
    await lock.release();
  }
}

/** The note of a live builder as soon as there is one: read now, then at every change of its folder, until `signal`. */
function liveOwnerNote(file: string, signal: AbortSignal): Promise<OwnerNote | undefined> {
  return new Promise((resolve) => {
    let watcher: FSWatcher;
    try {
      watcher = watch(path.dirname(file), (_event, name) => {
        if (name === path.basename(file)) check();
      });
    } catch {
      // No watch to be had (inotify's limit): the wait goes on without naming the builder.
      resolve(undefined);
      return;
    }
    const finish = (note: OwnerNote | undefined) => {
      watcher.close();
      resolve(note);
    };
    const check = () => void readOwnerNote(file).then((note) => note && finish(note));
    watcher.on('error', () => finish(undefined));
    signal.addEventListener('abort', () => finish(undefined), { once: true });
    check();
  });
}

/** The note of a live builder; a dead builder's note (its lock already gone with it) says nothing. */
async function readOwnerNote(file: string): Promise<OwnerNote | undefined> {
  const note = await readFile(file, 'utf8')
    .then((text) => JSON.parse(text) as OwnerNote)
    .catch(() => undefined);
  if (!note) return undefined;
  try {
    process.kill(note.pid, 0);
    return note;
  } catch {
    return undefined;
  }
}

/** Build under the exclusive lock; a failed build leaves nothing behind but its own error. */
async function buildEntry(recipe: EntryRecipe, where: ReturnType<typeof paths>): Promise<number> {
  const note: OwnerNote = { pid: process.pid, what: recipe.what, since: new Date().toISOString() };
  await writeFile(where.owner, `${JSON.stringify(note)}\n`);
  const started = performance.now();
  // A mutable entry is built where it lives (make picks up where it stopped); an immutable one where nobody looks.
  const target = recipe.mutable ? where.dir : where.building;
  try {
    if (!recipe.mutable) await rm(where.building, { recursive: true, force: true });
    await mkdir(target, { recursive: true });
    await recipe.build(target);
    if (!recipe.mutable) await rename(where.building, where.dir);
    await markUsed(where.dir);
  } catch (error) {
    if (!recipe.mutable) await rm(where.building, { recursive: true, force: true });
    throw error;
  } finally {
    await rm(where.owner, { force: true });
  }
  return Math.round(performance.now() - started);
}
