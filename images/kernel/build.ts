// Configure and build a kernel out of tree with the recipe's config fragments, showing progress, keeping the full log.
// Every build is a cache entry: a Debian or patched source's (built in a folder inside its tree, published once),
// or a developer's tree's (rebuilt incrementally at every run, and the result copied into an entry of its own).
import { appendFile, copyFile, cp, mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { cacheEntry, type CacheEntry } from '../../harness/cache/cache-entry.ts';
import { BadInputError, InfrastructureError } from '../../harness/errors.ts';
import { fileExists } from '../../harness/util/file-exists.ts';
import { hashFiles, hashParts } from '../../harness/util/hash.ts';
import { progress } from '../../harness/util/log.ts';
import type { KernelSource } from './debian-source.ts';
import { missingOptions, parseKernelConfig } from './kernel-config.ts';
import { seedBuildFolder } from './seed-build.ts';

/** Bump when the build recipe changes, so old cache entries are not reused. */
const recipeVersion = 'recipe-2';

/** Kernels kept in the cache (every build keeps its objects: a patched build starts from them). */
const keptKernels = 8;

/** How long a run waits for another run's build of the same kernel: a cold build takes 10 to 20 minutes. */
const buildWaitMs = 90 * 60_000;

/**
 * A packaged or patched source is built in a folder directly inside its tree, so kbuild records every path
 * relative to the tree ("..") and a copy of tree and objects rebuilds only what a patch changed.
 */
export const treeBuildPrefix = 'luo-build-';

/** Build steps (CC, AS, LD, AR lines) of a full build, until one is recorded: the progress line's total. */
const defaultFullBuildSteps = 1800;

export interface BuiltKernel {
  readonly bzImage: string;
  readonly config: string;
  readonly headers: string;
  readonly release: string;
  /** The cache entry holding the build. */
  readonly buildDir: string;
  /** What identifies its uAPI headers, for what is built against them (guest helpers, selftests, the floor). */
  readonly headersIdentity: string;
  readonly log: string;
  readonly identity: string;
  /** Wall time of the build in ms; 0 when the cache was used. */
  readonly buildMs: number;
}

/** Cache key of a build: the source identity (or tree path, for incremental builds) and the config fragments. */
export async function kernelCacheKey(source: KernelSource, incremental: boolean, fragments: readonly string[]): Promise<string> {
  const sourcePart = incremental ? source.tree : source.identity;
  return hashParts([recipeVersion, sourcePart, await configKey(fragments)]).slice(0, 16);
}

/** What names a build folder inside a tree: the recipe and the fragments, the same for a tree and its patched copy. */
async function configKey(fragments: readonly string[]): Promise<string> {
  return hashParts([recipeVersion, await hashFiles(fragments)]).slice(0, 12);
}

/** The build folder of a packaged or patched source tree. */
export async function treeBuildDir(tree: string, fragments: readonly string[]): Promise<string> {
  return path.join(tree, `${treeBuildPrefix}${await configKey(fragments)}`);
}

export interface BuildPlan {
  readonly fragments: readonly string[];
  /** A developer's tree: built out of tree in the cache, by path, make deciding what is stale. */
  readonly incremental: boolean;
  /** A tree whose build folder (same config) seeds this one: only what differs recompiles. */
  readonly seedFrom?: string;
}

/** Build (or reuse) a kernel from a source tree into the cache. */
export function buildKernel(source: KernelSource, cache: string, plan: BuildPlan): Promise<BuiltKernel> {
  return plan.incremental ? buildTree(source, cache, plan.fragments) : buildPackaged(source, cache, plan);
}

/** A Debian or patched source: built once, in its tree's build folder; the entry names that folder and the release. */
async function buildPackaged(source: KernelSource, cache: string, plan: BuildPlan): Promise<BuiltKernel> {
  const key = await kernelCacheKey(source, false, plan.fragments);
  const folder = path.join(cache, 'kernel');
  const out = await treeBuildDir(source.tree, plan.fragments);
  // Beside the entry, not in it: a failed build's log must outlive the entry's temporary folder.
  const log = path.join(folder, `.${key}.log`);
  const entry = await cacheEntry({
    folder,
    key,
    what: `kernel ${source.identity}`,
    keep: keptKernels,
    waitMs: buildWaitMs,
    // The build lives in the source's tree: an entry whose tree was pruned since is built again.
    intact: (dir) => fileExists(path.join(dir, 'build', 'arch', 'x86', 'boot', 'bzImage')),
    build: async (dir) => {
      if (plan.seedFrom && !(await fileExists(out))) {
        progress(`copying the objects of ${plan.seedFrom} so only what the patches change recompiles`);
        await seedBuildFolder(plan.seedFrom, await treeBuildDir(plan.seedFrom, plan.fragments), source.tree, out);
      }
      const release = await compileKernel(source, out, log, cache, { fragments: plan.fragments, configure: true, full: !plan.seedFrom });
      await symlink(out, path.join(dir, 'build'));
      await writeFile(path.join(dir, 'kernel.release'), `${release}\n`);
    },
  });
  return builtFrom(entry, source.identity, log);
}

/**
 * A developer's tree: make runs in the tree's own build folder at every run (one run at a time), and what it made is
 * copied into an entry keyed by its content. A run beside this one that rebuilds the tree cannot change the kernel
 * this run boots.
 */
async function buildTree(source: KernelSource, cache: string, fragments: readonly string[]): Promise<BuiltKernel> {
  let built: BuiltKernel | undefined;
  await cacheEntry({
    folder: path.join(cache, 'kernel-tree'),
    key: await kernelCacheKey(source, true, fragments),
    what: `kernel ${source.tree}`,
    keep: 4,
    waitMs: buildWaitMs,
    mutable: true,
    build: async (dir) => {
      const out = path.join(dir, 'build');
      const log = path.join(dir, 'build.log');
      const configure = !(await fileExists(path.join(out, '.config')));
      const started = performance.now();
      const release = await compileKernel(source, out, log, cache, { fragments, configure, full: false });
      const buildMs = Math.round(performance.now() - started);
      const snapshot = await snapshotBuild(out, release, source, cache);
      built = { ...(await builtFrom(snapshot, source.identity, log)), buildMs };
    },
  });
  if (!built) throw new InfrastructureError(`the build of ${source.tree} returned no kernel`);
  return built;
}

/** Copy a tree build's bzImage, config and uAPI headers into an entry keyed by their content. */
async function snapshotBuild(out: string, release: string, source: KernelSource, cache: string): Promise<CacheEntry> {
  const products = ['arch/x86/boot/bzImage', '.config'];
  const contents = await Promise.all(products.map((file) => readFile(path.join(out, file))));
  return cacheEntry({
    folder: path.join(cache, 'kernel'),
    key: hashParts([recipeVersion, release, ...contents]).slice(0, 16),
    what: `kernel ${source.identity} as built`,
    keep: keptKernels,
    waitMs: buildWaitMs,
    build: async (dir) => {
      for (const file of products) {
        await mkdir(path.dirname(path.join(dir, 'build', file)), { recursive: true });
        await copyFile(path.join(out, file), path.join(dir, 'build', file));
      }
      await cp(path.join(out, 'hdr'), path.join(dir, 'build', 'hdr'), { recursive: true });
      await writeFile(path.join(dir, 'kernel.release'), `${release}\n`);
      // A tree's kernel changes at every edit, its uAPI headers seldom: what is built against them keys on them alone.
      await writeFile(path.join(dir, 'headers.sha256'), `${await hashFolder(path.join(dir, 'build', 'hdr'))}\n`);
    },
  });
}

async function builtFrom(entry: CacheEntry, identity: string, log: string): Promise<BuiltKernel> {
  const build = path.join(entry.dir, 'build');
  const headers = await readFile(path.join(entry.dir, 'headers.sha256'), 'utf8').catch(() => undefined);
  return {
    headersIdentity: headers === undefined ? `${identity}@${entry.dir}` : `headers sha256:${headers.trim()}`,
    bzImage: path.join(build, 'arch', 'x86', 'boot', 'bzImage'),
    config: path.join(build, '.config'),
    headers: path.join(build, 'hdr', 'include'),
    release: (await readFile(path.join(entry.dir, 'kernel.release'), 'utf8')).trim(),
    buildDir: entry.dir,
    log,
    identity,
    buildMs: entry.buildMs,
  };
}

/** sha256 of every file under a folder, by relative path and content. */
async function hashFolder(folder: string): Promise<string> {
  const files = (await readdir(folder, { recursive: true, withFileTypes: true })).filter((entry) => entry.isFile()).map((entry) => path.join(entry.parentPath, entry.name)).sort();
  const contents = await Promise.all(files.map((file) => readFile(file)));
  return hashParts(files.flatMap((file, index) => [path.relative(folder, file), contents[index] ?? '']));
}

/**
 * Configure (tinyconfig, the fragments, olddefconfig) and build bzImage and the uAPI headers in `out`; returns the
 * release. `full`: a build from nothing, whose step count becomes the next full build's progress total.
 */
async function compileKernel(
  source: KernelSource,
  out: string,
  log: string,
  cache: string,
  how: { readonly fragments: readonly string[]; readonly configure: boolean; readonly full: boolean },
): Promise<string> {
  await mkdir(out, { recursive: true });
  await writeFile(log, `# ${source.identity}\n`);
  progress(`building kernel ${source.identity} in ${out} (full log: ${log})`);
  const started = performance.now();
  const make = (stage: string, args: string[], total?: number) => runLogged(stage, 'make', ['-C', source.tree, `O=${out}`, ...args], log, started, total);
  if (how.configure) {
    // Everything off, then only what the fragments ask for: about 1800 build steps instead of 2650. Redone on a
    // seeded copy too: kbuild then recompiles only what depends on options the patches add.
    await make('configure', ['tinyconfig']);
    await runLogged('configure', path.join(source.tree, 'scripts', 'kconfig', 'merge_config.sh'), ['-O', out, '-m', path.join(out, '.config'), ...how.fragments], log, started);
    await make('configure', ['olddefconfig']);
  }
  const config = parseKernelConfig(await readFile(path.join(out, '.config'), 'utf8'));
  const missing = missingOptions(config);
  if (missing.length > 0) {
    throw new BadInputError(
      `kernel source ${source.tree} cannot enable ${missing.map((name) => `CONFIG_${name}`).join(', ')} (its Kconfig lacks them or their dependencies); use a tree with LUO support`,
    );
  }
  // A full build's step count is known from the last one; an incremental or seeded build's is not (it depends on the
  // change). Kept beside the kernel entries, which are pruned.
  const stepsFile = path.join(cache, 'kernel-full-build-steps');
  const expectedSteps = how.full ? Number((await readFile(stepsFile, 'utf8').catch(() => '')).trim()) || defaultFullBuildSteps : undefined;
  // The uAPI headers in the same make: installed while the compiler works, not after it.
  const steps = await make('build bzImage', [`-j${cpus().length}`, 'bzImage', 'headers_install', `INSTALL_HDR_PATH=${path.join(out, 'hdr')}`], expectedSteps);
  if (how.full) await writeFile(stepsFile, `${steps}\n`);
  const release = (await readFile(path.join(out, 'include', 'config', 'kernel.release'), 'utf8')).trim();
  progress(`kernel ${release} ready in ${formatDuration(performance.now() - started)} (${out})`);
  return release;
}

/**
 * Run one build step, its output appended to the log, with a progress line every 20 s: steps done of `total` when
 * known and the time left at the pace so far. Returns the number of steps (CC, AS, LD, AR lines).
 */
async function runLogged(stage: string, command: string, args: string[], log: string, started: number, total?: number): Promise<number> {
  let compiled = 0;
  let lastFile = '';
  const stageStarted = performance.now();
  const timer = setInterval(() => {
    progress(`kernel: ${stage}, ${buildProgress(compiled, total, performance.now() - stageStarted)}, ${formatDuration(performance.now() - started)} elapsed${lastFile ? `, at ${lastFile}` : ''}`);
  }, 20_000);
  try {
    const child = execa(command, args, { all: true, reject: false, buffer: false, env: { KBUILD_BUILD_USER: 'luo-harness' } });
    for await (const line of child.iterable({ from: 'all' })) {
      const text = String(line);
      await appendFile(log, `${text}\n`);
      const object = /^\s+(?:CC|AS|LD|AR)\s+(\S+)/.exec(text);
      if (object?.[1]) {
        compiled += 1;
        lastFile = object[1];
      }
    }
    const finished = await child;
    if (finished.exitCode !== 0) {
      const tail = (await readFile(log, 'utf8')).trim().split('\n').slice(-15).join('\n');
      throw new InfrastructureError(`kernel ${stage} failed (exit ${finished.exitCode}); full log: ${log}\n${tail}`);
    }
    return compiled;
  } finally {
    clearInterval(timer);
  }
}


/** "812/1800 steps (45%), about 2 min 40 s left": the time left at the pace so far; past the total, just the count. */
export function buildProgress(done: number, total: number | undefined, stageMs: number): string {
  if (total === undefined || done === 0 || done >= total) return `${done} steps${total !== undefined && done >= total ? ` (more than the ${total} last time)` : ''}`;
  const left = (stageMs / done) * (total - done);
  return `${done}/${total} steps (${Math.floor((done / total) * 100)}%), about ${formatDuration(left)} left`;
}

/** "7 min 32 s" style duration. */
export function formatDuration(milliseconds: number): string {
  const seconds = Math.round(milliseconds / 1000);
  return seconds >= 60 ? `${Math.floor(seconds / 60)} min ${seconds % 60} s` : `${seconds} s`;
}
