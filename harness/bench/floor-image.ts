// The floor the kexec scenario is measured against: the kernel's own luo_kexec_simple selftest with its nolibc
// init, built against the kernel under test's uAPI headers and packed as the selftest's vmtest.sh packs them (an
// outer initramfs holding the bzImage and an inner one for the second kernel). Cached; never in the repository.
import { stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { InfrastructureError } from '../errors.ts';
import { cacheEntry } from '../cache/cache-entry.ts';
import { fileExists } from '../util/file-exists.ts';
import { hashParts } from '../util/hash.ts';
import { progress } from '../util/log.ts';
import type { KernelUnderTest } from '../../images/kernel/make-kernel.ts';

/** Bump when the recipe changes, so old cache entries are not reused. */
const recipeVersion = 'floor-1';

export type FloorImage = { readonly initrd: string; readonly dir: string } | { readonly unavailable: string };

const selftest = 'tools/testing/selftests/liveupdate';
/** What the floor needs from the kernel's source tree. */
const sources = [`${selftest}/luo_kexec_simple.c`, `${selftest}/init.c`, `${selftest}/lib/lu_utils.c`, `${selftest}/lib/include`, 'tools/include/nolibc', 'usr/gen_init_cpio.c'];

/** Build (or reuse) the floor's initramfs for a kernel; a kernel without a source, or a source without the selftest, says why. */
export async function buildFloorImage(kernel: KernelUnderTest, cache: string): Promise<FloorImage> {
  const { source } = kernel;
  if (!source) return { unavailable: `KERNEL=${kernel.bzImage} is prebuilt: no source tree to build the luo_kexec_simple floor from (use KERNEL_SRC=)` };
  for (const relative of sources) {
    if (!(await fileExists(path.join(source, relative)))) return { unavailable: `${source} has no ${relative}: the kernel's own kexec selftest is the floor` };
  }
  const bzImage = await stat(kernel.bzImage);
  const key = hashParts([recipeVersion, kernel.identity, kernel.headersIdentity, `${kernel.bzImage}:${bzImage.size}:${Math.round(bzImage.mtimeMs)}`]).slice(0, 16);
  const entry = await cacheEntry({
    folder: path.join(cache, 'floor'),
    key,
    what: `the luo_kexec_simple floor of ${kernel.identity}`,
    keep: 4,
    waitMs: 10 * 60_000,
    build: async (dir) => {
      progress(`building the luo_kexec_simple floor of ${source} in ${dir}`);
      await buildFloor(source, kernel, dir);
    },
  });
  return { initrd: path.join(entry.dir, 'initrd.cpio'), dir: entry.dir };
}

async function buildFloor(source: string, kernel: KernelUnderTest, dir: string): Promise<void> {
  const from = (relative: string) => path.join(source, relative);
  const nolibc = ['-nostdinc', '-nostdlib', '-I', kernel.headers, '-I', from('tools/include/nolibc')];
  const gcc = async (args: string[]) => {
    const result = await execa('gcc', args, { reject: false, all: true });
    if (result.exitCode !== 0) throw new InfrastructureError(`building the luo_kexec_simple floor failed: gcc ${args.join(' ')}\n${result.all ?? ''}`);
  };
  // The flags of vmtest.sh's mkinitrd, so the floor is what upstream runs.
  await gcc(['-static', '-O2', ...nolibc, '-I', from(`${selftest}/lib/include`), '-o', path.join(dir, 'test_binary'), from(`${selftest}/luo_kexec_simple.c`), from(`${selftest}/lib/lu_utils.c`)]);
  await gcc(['-s', '-static', '-Os', ...nolibc, '-fno-asynchronous-unwind-tables', '-fno-ident', '-fno-stack-protector', '-o', path.join(dir, 'init'), from(`${selftest}/init.c`)]);
  // The kernel's own cpio writer: it makes /dev/console without root.
  await gcc(['-O2', '-o', path.join(dir, 'gen_init_cpio'), from('usr/gen_init_cpio.c')]);
  const common = ['dir /dev 0755 0 0', 'dir /proc 0755 0 0', 'dir /debugfs 0755 0 0', 'nod /dev/console 0600 0 0 c 5 1', `file /init ${path.join(dir, 'init')} 0755 0 0`, `file /test_binary ${path.join(dir, 'test_binary')} 0755 0 0`];
  await pack(dir, 'inner.cpio', common);
  await pack(dir, 'initrd.cpio', [...common, `file /kernel ${kernel.bzImage} 0644 0 0`, `file /initrd.img ${path.join(dir, 'inner.cpio')} 0644 0 0`]);
}

async function pack(dir: string, name: string, entries: readonly string[]): Promise<void> {
  const list = path.join(dir, `${name}.list`);
  await writeFile(list, `${entries.join('\n')}\n`);
  await execa(path.join(dir, 'gen_init_cpio'), [list], { stdout: { file: path.join(dir, name) } });
}
