// The kernel tree's own live-update selftests, built with their Makefiles against the kernel's headers_install,
// statically (the guest has busybox, no libc), in the cache: never in the repository or the source tree.
import { cp, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { InfrastructureError } from '../../harness/errors.ts';
import { cacheEntry } from '../../harness/cache/cache-entry.ts';
import { hashParts } from '../../harness/util/hash.ts';
import { progress } from '../../harness/util/log.ts';
import type { KernelUnderTest } from '../kernel/make-kernel.ts';
import { fileExists } from '../../harness/util/file-exists.ts';

/** Bump when the recipe changes, so old cache entries are not reused. */
const recipeVersion = 'selftests-3';

export interface SelftestProgram {
  /** The binary's name, as upstream's Makefile names it. */
  readonly name: string;
  /** Its suite: the selftests folder it comes from. */
  readonly suite: 'liveupdate' | 'vfio';
  /** TEST_GEN_PROGS run once and print KTAP; TEST_GEN_PROGS_EXTENDED are the two-stage ones (-s 1, kexec, -s 2). */
  readonly kind: 'ktap' | 'two-stage';
  /**
   * The device a VFIO test takes as its last argument: `igb` for the tests that drive a device through one of
   * upstream's userspace drivers (edu has none), `any` for the live-update ones, which also run on edu.
   */
  readonly device?: 'igb' | 'any';
  /** Why it does not run, as a skip: the tree's sources do not build it (the compiler's first error), or it is left out. */
  readonly notRun?: string;
}

export type Selftests = { readonly dir: string; readonly programs: readonly SelftestProgram[] } | { readonly unavailable: string };

/** Programs listed but not run, and why: each is still a skipped point, never silently missing. */
const leftOut: Readonly<Record<string, string>> = {
  vfio_pci_device_init_perf_test: 'a benchmark of how long device set-up takes, with no verdict on behaviour: not run by the harness',
};

/** The suites the harness builds and runs, every program of each but those left out. */
const suites = ['liveupdate', 'vfio'] as const;

/** What a suite's Makefile needs besides its own folder: kselftest's headers and lib.mk, tools/ headers, the arch. */
const sharedSources = ['tools/testing/selftests/lib.mk', 'tools/testing/selftests/kselftest', 'tools/include', 'tools/arch/x86', 'scripts/subarch.include'];

/** Build (or reuse) the selftests of the kernel's source; a kernel without a source says why there are none. */
export async function buildSelftests(kernel: KernelUnderTest, cache: string): Promise<Selftests> {
  const { source } = kernel;
  if (!source) return { unavailable: `KERNEL=${kernel.bzImage} is prebuilt: no source tree to build its selftests from (use KERNEL_SRC=)` };
  const selftests = path.join(source, 'tools', 'testing', 'selftests');
  if (!(await fileExists(path.join(selftests, 'liveupdate', 'Makefile')))) {
    return { unavailable: `${source} has no tools/testing/selftests/liveupdate` };
  }
  const key = hashParts([recipeVersion, kernel.identity, kernel.headersIdentity]).slice(0, 16);
  const folder = path.join(cache, 'selftests');
  // Beside the entry, not in it: a failed build's logs must outlive its temporary folder.
  const logOf = (suite: string) => path.join(folder, `.${key}.${suite}.log`);
  const entry = await cacheEntry({
    folder,
    key,
    what: `the live-update selftests of ${kernel.identity}`,
    keep: 4,
    waitMs: 20 * 60_000,
    build: async (root) => {
      progress(`building the live-update selftests of ${source} in ${root}`);
      const programs = await buildSuites(source, selftests, kernel.headers, root, logOf);
      await writeFile(path.join(root, 'programs.json'), JSON.stringify(programs));
    },
  });
  return { dir: path.join(entry.dir, 'out'), programs: JSON.parse(await readFile(path.join(entry.dir, 'programs.json'), 'utf8')) as SelftestProgram[] };
}

/** Copy what the suites' Makefiles need from the tree into `root`/src, build each suite's live-update programs into `root`/out. */
async function buildSuites(source: string, selftests: string, headers: string, root: string, logOf: (suite: string) => string): Promise<SelftestProgram[]> {
  const src = path.join(root, 'src');
  const dir = path.join(root, 'out');
  // The Makefiles write objects beside their sources, so they build from a copy; symlinks into the kernel's
  // drivers/ (the VFIO test drivers' register headers) are copied as the files they point to.
  const copy = (relative: string) => cp(path.join(source, relative), path.join(src, relative), { recursive: true, dereference: true });
  for (const relative of sharedSources) await copy(relative);
  for (const file of await headerFiles(selftests)) await copy(path.join('tools/testing/selftests', file));
  const programs: SelftestProgram[] = [];
  for (const suite of suites) {
    const makefile = path.join(selftests, suite, 'Makefile');
    if (!(await fileExists(makefile))) continue;
    const all = programsOf(await readFile(makefile, 'utf8'), suite);
    programs.push(...all.flatMap((program) => (leftOut[program.name] ? [{ ...program, notRun: leftOut[program.name] }] : [])));
    const listed = all.filter((program) => !leftOut[program.name]);
    if (listed.length === 0) continue;
    await copy(path.join('tools/testing/selftests', suite));
    // The liveupdate library is shared: the VFIO Makefile includes it from ../liveupdate.
    if (suite === 'vfio') await copy('tools/testing/selftests/liveupdate');
    const out = path.join(dir, suite);
    await mkdir(out, { recursive: true });
    // -k: one program that does not build must not take the others with it.
    const make = await execa(
      'make',
      ['-k', '-C', path.join(src, 'tools/testing/selftests', suite), `OUTPUT=${out}`, `KHDR_INCLUDES=-isystem ${headers}`, 'LDFLAGS=-static', ...listed.map((program) => path.join(out, program.name))],
      { reject: false, all: true },
    );
    await writeFile(logOf(suite), make.all ?? '');
    if (make.exitCode === 0) {
      programs.push(...listed);
      continue;
    }
    // A tree whose own selftest sources do not compile (Debian's 7.2.12 VFIO library calls a calloc_assert it lacks)
    // loses those programs, each a skip with the reason, kept with the build. Anything else (the host's toolchain, a
    // full disk) is the harness's problem: the run cannot test, and nothing is cached.
    const sourceError = firstSourceError(make.all ?? '');
    if (!sourceError) {
      throw new InfrastructureError(`building the ${suite} selftests of ${source} failed (log: ${logOf(suite)}):\n${(make.all ?? '').split('\n').slice(-15).join('\n')}`);
    }
    const reason = `does not build for ${source}: ${sourceError} (log: ${logOf(suite)})`;
    progress(`the ${suite} selftests: ${reason}`);
    for (const program of listed) programs.push((await fileExists(path.join(out, program.name))) ? program : { ...program, notRun: reason });
  }
  return programs;
}

/** The first error the compiler or linker found in the tree's own sources, without the build folder's path. */
export function firstSourceError(log: string): string | undefined {
  return log
    .split('\n')
    .find((line) => /\.[ch]:\d+(:\d+)?: (fatal )?error: |undefined reference to /.test(line))
    ?.replace(/^\S*\//, '')
    .trim();
}

/** The programs a selftests Makefile lists, with upstream's own split: run directly, or run by hand across a kexec. */
export function programsOf(makefile: string, suite: SelftestProgram['suite']): SelftestProgram[] {
  return [...makefile.matchAll(/^TEST_GEN_PROGS(_EXTENDED)?\s*\+?=\s*(\S+)\s*$/gm)].map((match): SelftestProgram => {
    const name = match[2] ?? '';
    const kind = match[1] ? 'two-stage' : 'ktap';
    if (suite !== 'vfio') return { name, suite, kind };
    return { name, suite, kind, device: name.includes('liveupdate') ? 'any' : 'igb' };
  });
}

/** kselftest.h and the other headers at the top of tools/testing/selftests. */
async function headerFiles(selftests: string): Promise<string[]> {
  return (await readdir(selftests)).filter((name) => name.endsWith('.h'));
}

