// A developer's own kernel tree (KERNEL_SRC=...): identity for the cache key.
import { access, realpath } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { BadInputError } from '../../harness/errors.ts';
import type { KernelSource } from './debian-source.ts';

/** Validate a kernel tree and describe it; the build directory is keyed by its path, make keeps it incremental. */
export async function treeKernelSource(tree: string): Promise<KernelSource> {
  let resolved: string;
  try {
    resolved = await realpath(tree);
    await access(path.join(resolved, 'Kconfig'));
    await access(path.join(resolved, 'arch', 'x86'));
  } catch {
    throw new BadInputError(`KERNEL_SRC=${tree} is not a Linux source tree (no Kconfig, arch/x86); point it at the top of a kernel checkout`);
  }
  const head = await execa('git', ['-C', resolved, 'describe', '--always', '--dirty'], { reject: false });
  const describe = head.exitCode === 0 ? head.stdout.trim() : 'not-git';
  return { tree: resolved, identity: `tree:${resolved}@${describe}` };
}
