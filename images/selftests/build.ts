// The kernel tree's own live-update selftests, built with their Makefiles against the kernel's headers_install,
// statically (the guest has busybox, no libc), in the cache: never in the repository or the source tree.
import { cp, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { cacheEntry } from '../../harness/cache/cache-entry.ts';
import { hashParts } from '../../harness/util/hash.ts';
import { progress } from '../../harness/util/log.ts';
import type { KernelUnderTest } from '../kernel/make-kernel.ts';
import { fileExists } from '../../harness/util/file-exists.ts';

/** Bump when the recipe changes, so old cache entries are not reused. */
const recipeVersion = 'selftests-2';

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
  /** Why the tree's sources did not build it (the compiler's first error and the log): the program is a skip. */
  readonly unbuilt?: string;
}

export type Selftests = { readonly dir: string; readonly programs: readonly SelftestProgram[] } | { readonly unavailable: string };

/** upstream's VFIO tests on a device that are not live-update tests: the ones the harness's igb checks are held against. */
const vfioDeviceTests = ['vfio_dma_mapping_test', 'vfio_pci_device_test', 'vfio_pci_driver_test', 'vfio_iommufd_setup_test'];

/** The suites and which of their programs the harness runs. */
const suites = [
  { suite: 'liveupdate', wanted: () => true },
  { suite: 'vfio', wanted: (name: string) => name.includes('liveupdate') || vfioDeviceTests.includes(name) },
] as const;

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
  for (const { suite, wanted } of suites) {
    const makefile = path.join(selftests, suite, 'Makefile');
    if (!(await fileExists(makefile))) continue;
    const listed = programsOf(await readFile(makefile, 'utf8'), suite).filter((program) => wanted(program.name));
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
    // A tree whose selftests do not build (as Debian's 7.2.12 VFIO library, which calls a calloc_assert it lacks) loses
    // those programs, each a skip with the reason, not the run.
    const reason = `does not build for ${source}: ${firstBuildError(make.all ?? '')} (log: ${logOf(suite)})`;
    progress(`the ${suite} selftests: ${reason}`);
    for (const program of listed) programs.push((await fileExists(path.join(out, program.name))) ? program : { ...program, unbuilt: reason });
  }
  return programs;
}

/** The first compiler or linker error in a build log, without the build folder's path; or make's own last words. */
export function firstBuildError(log: string): string {
  const lines = log.split('\n');
  const error = lines.find((line) => /\berror\b/.test(line) && !line.startsWith('make'));
  return (error ?? lines.filter((line) => line.trim()).at(-1) ?? 'make failed').replace(/^\S*\//, '').trim();
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

