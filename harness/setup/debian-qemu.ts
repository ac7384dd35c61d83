// QEMU=7.2 or QEMU=10.0: Debian's own QEMU of that version, unpacked into the cache and run from there, so either can
// be compared with the other (or used without root) whichever one the host has installed.
import { chmod, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { cacheEntry } from '../cache/cache-entry.ts';
import { BadInputError } from '../errors.ts';
import { progress } from '../util/log.ts';
import { PrivateApt } from './private-apt.ts';

/** The QEMU versions Debian builds for bookworm, where each comes from, and what a runnable copy needs unpacked. */
export const debianQemus: Readonly<Record<string, { readonly suite: string; readonly packages: readonly string[] }>> = {
  '7.2': { suite: 'bookworm', packages: ['qemu-system-x86', 'qemu-system-common', 'qemu-system-data', 'qemu-system-gui'] },
  // The backport also needs a newer libbpf, libudev and SeaBIOS than bookworm has, and loads its display modules.
  '10.0': {
    suite: 'bookworm-backports',
    packages: ['qemu-system-x86', 'qemu-system-common', 'qemu-system-data', 'qemu-system-gui', 'qemu-system-modules-opengl', 'qemu-system-modules-spice', 'libbpf1', 'libudev1', 'seabios'],
  },
};

/** QEMU= names a Debian version rather than a binary. */
export function namesDebianQemu(value: string): boolean {
  return /^\d+\.\d+$/.test(value);
}

/** The binary to run for QEMU=: a path or command as given, or a Debian version's copy in the cache. */
export async function resolveQemu(value: string, cache: string): Promise<string> {
  if (!namesDebianQemu(value)) return value;
  const wanted = debianQemus[value];
  if (!wanted) {
    const known = Object.entries(debianQemus).map(([version, { suite }]) => `${version} (${suite})`).join(', ');
    throw new BadInputError(`QEMU=${value}: Debian builds QEMU ${known} for bookworm; or set QEMU=<path to qemu-system-x86_64>`);
  }
  const apt = new PrivateApt(path.join(cache, `apt-${wanted.suite}`), wanted.suite);
  const version = await apt.withLists(`QEMU ${value}`, async () => {
    const found = await apt.candidate('qemu-system-x86');
    if (!found) throw new BadInputError(`QEMU=${value}: Debian's ${wanted.suite} has no qemu-system-x86; set QEMU=<path to qemu-system-x86_64>`);
    return found;
  });
  const entry = await cacheEntry({
    folder: path.join(cache, 'qemu'),
    key: `qemu-system-x86_${version.replace(/[^\w.+~-]/g, '_')}`,
    what: `QEMU ${version} (${wanted.suite})`,
    keep: 2,
    waitMs: 10 * 60_000,
    build: async (dir) => {
      progress(`downloading QEMU ${version} from ${wanted.suite}`);
      await apt.withLists(`QEMU ${value}`, () => apt.download(wanted.packages, dir));
      for (const deb of (await readdir(dir)).filter((name) => name.endsWith('.deb'))) {
        await execa('dpkg-deb', ['-x', deb, 'root'], { cwd: dir });
        await rm(path.join(dir, deb));
      }
      await writeFile(path.join(dir, 'qemu-system-x86_64'), wrapper);
      await chmod(path.join(dir, 'qemu-system-x86_64'), 0o755);
    },
  });
  return path.join(entry.dir, 'qemu-system-x86_64');
}

/**
 * A script that runs the unpacked binary with its own libraries, modules and firmware first. Paths are relative to the
 * script: the entry is built in a temporary folder and renamed. exec keeps the PID, so the QEMU the harness started is
 * the QEMU it ends.
 */
const wrapper = [
  '#!/bin/sh',
  'root="${0%/*}/root"',
  'libs="$root/usr/lib/x86_64-linux-gnu"',
  'export LD_LIBRARY_PATH="$libs" QEMU_MODULE_DIR="$libs/qemu"',
  'exec "$root/usr/bin/qemu-system-x86_64" -L "$root/usr/share/qemu" -L "$root/usr/share/seabios" -L /usr/share/seabios "$@"',
  '',
].join('\n');
