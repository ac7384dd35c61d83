// The guest helpers: small C programs built against the kernel's own uAPI headers, linked against the glibc the
// image already carries for dropbear and kexec (statically they would add 1.5 MB that every boot and kexec unpacks).
import { access } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { InfrastructureError } from '../../harness/errors.ts';
import { repoRoot } from '../../harness/util/paths.ts';

const sourceDir = path.join(repoRoot, 'images', 'guest');

/** Each helper and the C files it is built from. */
export const guestHelpers = [
  { name: 'luo-agent', sources: ['luo-agent.c', 'holder.c', 'pattern.c'] },
  { name: 'vfio-edu', sources: ['vfio-edu.c', 'vfio-device.c', 'holder.c', 'pattern.c'] },
  { name: 'vfio-igb', sources: ['vfio-igb.c', 'vfio-device.c', 'holder.c', 'pattern.c'] },
] as const;

/** Every C source and header the helpers are built from (for the image's cache key). */
export function helperSourceFiles(): string[] {
  const files = new Set<string>(['pattern.h', 'json.h', 'holder.h', 'helper.h', 'vfio-device.h']);
  for (const helper of guestHelpers) for (const source of helper.sources) files.add(source);
  // This file too: how they are compiled is part of what they are.
  return [...[...files].map((file) => path.join(sourceDir, file)), path.join(sourceDir, 'helpers.ts')];
}

/** Compile every helper into a folder, against the given uAPI include directory. */
export async function buildGuestHelpers(headers: string, outDir: string): Promise<string[]> {
  try {
    await access(path.join(headers, 'linux', 'liveupdate.h'));
  } catch {
    throw new InfrastructureError(`uAPI headers at ${headers} lack linux/liveupdate.h; the kernel's headers_install did not run or predates LUO`);
  }
  const built: string[] = [];
  for (const helper of guestHelpers) {
    const output = path.join(outDir, helper.name);
    const compile = await execa(
      'gcc',
      ['-O2', '-Wall', '-Wextra', '-Werror', '-isystem', headers, '-o', output, ...helper.sources],
      { cwd: sourceDir, reject: false, all: true },
    );
    if (compile.exitCode !== 0) {
      throw new InfrastructureError(`building guest helper ${helper.name} failed:\n${compile.all ?? ''}`);
    }
    built.push(output);
  }
  return built;
}
