// Configure and build a kernel out of tree with the LUO fragments, showing progress, keeping the full log.
import { mkdir, readFile, rm, symlink, writeFile, appendFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { BadInputError, InfrastructureError } from '../../harness/errors.ts';
import { hashFiles, hashParts } from '../../harness/util/hash.ts';
import { progress } from '../../harness/util/log.ts';
import { pruneOldEntries } from '../../harness/util/prune.ts';
import { repoRoot } from '../../harness/util/paths.ts';
import { missingOptions, parseKernelConfig } from './kernel-config.ts';
import type { KernelSource } from './debian-source.ts';
import { seedBuildFolder } from './seed-build.ts';
import { fileExists } from '../../harness/util/file-exists.ts';

/** Bump when the build recipe changes, so old cache entries are not reused. */
const recipeVersion = 'recipe-2';

/** Kernels kept in the cache (every build keeps its objects: a patched build starts from them). */
const keptKernels = 8;

/**
 * A packaged or patched source is built in a folder directly inside its tree, so kbuild records every path
 * relative to the tree ("..") and a copy of tree and objects rebuilds only what a patch changed.
 */
export const treeBuildPrefix = 'luo-build-';

/** Build steps (CC, AS, LD, AR lines) of a full build, until one is recorded: the progress line's total. */
const defaultFullBuildSteps = 1800;

export const configFragments = [
  path.join(repoRoot, 'images', 'kernel', 'luo.config'),
  path.join(repoRoot, 'images', 'kernel', 'lean.config'),
];

export interface BuiltKernel {
  readonly bzImage: string;
  readonly config: string;
  readonly headers: string;
  readonly release: string;
  readonly buildDir: string;
  readonly log: string;
  readonly identity: string;
  /** Wall time of the build in ms; 0 when the cache was used. */
  readonly buildMs: number;
}

/** Cache key of a build: the source identity (or tree path, for incremental builds) and the config fragments. */
export async function kernelCacheKey(source: KernelSource, incremental: boolean): Promise<string> {
  const sourcePart = incremental ? source.tree : source.identity;
  return hashParts([recipeVersion, sourcePart, await configKey()]).slice(0, 16);
}

/** What names a build folder inside a tree: the recipe and the fragments, the same for a tree and its patched copy. */
async function configKey(): Promise<string> {
  return hashParts([recipeVersion, await hashFiles(configFragments)]).slice(0, 12);
}

/** The build folder of a packaged or patched source tree. */
export async function treeBuildDir(tree: string): Promise<string> {
  return path.join(tree, `${treeBuildPrefix}${await configKey()}`);
}

export interface BuildPlan {
  /** A developer's tree: built out of tree in the cache, by path, make deciding what is stale. */
  readonly incremental: boolean;
  /** A tree whose build folder (same config) seeds this one: only what differs recompiles. */
  readonly seedFrom?: string;
}

/** Build (or reuse) a kernel from a source tree into the cache. */
export async function buildKernel(source: KernelSource, cache: string, plan: BuildPlan): Promise<BuiltKernel> {
  const { incremental } = plan;
  const key = await kernelCacheKey(source, incremental);
  const buildDir = path.join(cache, 'kernel', key);
  const out = incremental ? path.join(buildDir, 'build') : await treeBuildDir(source.tree);
  const log = path.join(buildDir, 'build.log');
  const stamp = path.join(buildDir, 'complete');
  const result = (buildMs: number, release: string): BuiltKernel => ({
    bzImage: path.join(buildDir, 'build', 'arch', 'x86', 'boot', 'bzImage'),
    config: path.join(buildDir, 'build', '.config'),
    headers: path.join(buildDir, 'build', 'hdr', 'include'),
    release,
    buildDir,
    log,
    identity: source.identity,
    buildMs,
  });
  if (!incremental) {
    try {
      return result(0, (await readFile(stamp, 'utf8')).trim());
    } catch {
      // not built yet
    }
  }
  await mkdir(buildDir, { recursive: true });
  await writeFile(log, `# ${source.identity}\n`);
  if (!incremental) {
    if (plan.seedFrom && !(await fileExists(out))) {
      progress(`copying the objects of ${plan.seedFrom} so only what the patches change recompiles`);
      await seedBuildFolder(plan.seedFrom, await treeBuildDir(plan.seedFrom), source.tree, out);
    }
    await rm(path.join(buildDir, 'build'), { force: true });
    await symlink(out, path.join(buildDir, 'build'));
  }
  await mkdir(out, { recursive: true });
  progress(`building kernel ${source.identity} in ${out} (full log: ${log})`);
  const started = performance.now();
  const make = (stage: string, args: string[], total?: number) => runLogged(stage, 'make', ['-C', source.tree, `O=${out}`, ...args], log, started, total);
  const configured = await fileExists(path.join(out, '.config'));
  if (!configured || !incremental) {
    // Everything off, then only what the fragments ask for: about 1800 build steps instead of 2650. Redone on a
    // seeded copy too: kbuild then recompiles only what depends on options the patches add.
    await make('configure', ['tinyconfig']);
    await runLogged(
      'configure',
      path.join(source.tree, 'scripts', 'kconfig', 'merge_config.sh'),
      ['-O', out, '-m', path.join(out, '.config'), ...configFragments],
      log,
      started,
    );
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
  // change). Kept beside, not inside, the kernel folder, whose entries are pruned.
  const full = !incremental && !plan.seedFrom;
  const stepsFile = path.join(cache, 'kernel-full-build-steps');
  const expectedSteps = full ? Number((await readFile(stepsFile, 'utf8').catch(() => '')).trim()) || defaultFullBuildSteps : undefined;
  // The uAPI headers in the same make: installed while the compiler works, not after it (15 s of a cold run).
  const steps = await make('build bzImage', [`-j${cpus().length}`, 'bzImage', 'headers_install', `INSTALL_HDR_PATH=${path.join(out, 'hdr')}`], expectedSteps);
  if (full) await writeFile(stepsFile, `${steps}\n`);
  const release = (await readFile(path.join(out, 'include', 'config', 'kernel.release'), 'utf8')).trim();
  const buildMs = Math.round(performance.now() - started);
  await writeFile(stamp, `${release}\n`);
  await pruneOldEntries(path.join(cache, 'kernel'), keptKernels);
  progress(`kernel ${release} ready in ${formatDuration(buildMs)} (${buildDir})`);
  return result(buildMs, release);
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
