// Assemble the guest initramfs (busybox, dropbear, kexec-tools, helpers), cached by content hash. Uncompressed: the
// kernel unpacks it at every boot and every kexec, and under TCG unpacking plain cpio costs a fraction of inflating it.
import { chmod, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { hashFiles, hashParts } from '../../harness/util/hash.ts';
import { progress } from '../../harness/util/log.ts';
import { cacheEntry } from '../../harness/cache/cache-entry.ts';
import { repoRoot } from '../../harness/util/paths.ts';
import { buildGuestHelpers, guestHelpers, helperSourceFiles } from './helpers.ts';
import {
  busyboxCandidates,
  copyIntoRoot,
  copyProgramWithLibraries,
  findHostFile,
  fingerprintHostFiles,
  guestPrograms,
} from './host-binaries.ts';
import { generateGuestKeys, readGuestKeys, type GuestKeys } from './ssh-keys.ts';

/** Bump when the image layout changes. */
const recipeVersion = 'image-2';
const initScript = path.join(repoRoot, 'images', 'guest', 'init.sh');

export interface GuestImage {
  readonly initramfs: string;
  readonly keys: GuestKeys;
  readonly folder: string;
  readonly key: string;
}

export interface ImageInputs {
  /** uAPI include directory of the kernel under test. */
  readonly headers: string;
  /** Identity of those headers (kernel source identity). */
  readonly headersIdentity: string;
}

/** Build the initramfs (or reuse the cached one with the same inputs). */
export async function buildGuestImage(inputs: ImageInputs, cache: string): Promise<GuestImage> {
  const busybox = await findHostFile(busyboxCandidates, 'busybox-static');
  const programs = await Promise.all(
    guestPrograms.map(async (program) => ({ ...program, hostFile: await findHostFile(program.candidates, program.debianPackage) })),
  );
  const key = hashParts([
    recipeVersion,
    inputs.headersIdentity,
    await hashFiles([initScript, path.join(repoRoot, 'images', 'guest', 'initramfs.ts'), ...helperSourceFiles()]),
    ...(await fingerprintHostFiles([busybox, ...programs.map((program) => program.hostFile)])),
  ]).slice(0, 16);
  const entry = await cacheEntry({
    folder: path.join(cache, 'guest'),
    key,
    what: `guest image ${key}`,
    // A few, so switching between branches does not rebuild every time.
    keep: 4,
    waitMs: 10 * 60_000,
    build: async (folder) => {
      progress(`building guest image ${key}`);
      await assemble(folder, inputs, busybox, programs);
    },
  });
  return { initramfs: path.join(entry.dir, 'initramfs.cpio'), keys: await readGuestKeys(entry.dir), folder: entry.dir, key };
}

/** Build the image's files in `folder`: keys, helpers, the root tree packed as an uncompressed cpio. */
async function assemble(folder: string, inputs: ImageInputs, busybox: string, programs: readonly { readonly guestPath: string; readonly hostFile: string }[]): Promise<void> {
  const root = path.join(folder, 'root');
  await mkdir(root, { recursive: true });
  const keys = await generateGuestKeys(folder);

  for (const dir of ['bin', 'sbin', 'usr/bin', 'usr/sbin', 'etc/dropbear', 'proc', 'sys', 'dev', 'run', 'tmp', 'mnt/next', 'var/log']) {
    await mkdir(path.join(root, dir), { recursive: true });
  }
  // Real programs first: applet symlinks point at /bin/busybox, and copying onto one would write through it.
  for (const program of programs) await copyProgramWithLibraries(root, program.hostFile, program.guestPath);
  await copyIntoRoot(root, busybox, '/bin/busybox');
  const helperDir = path.join(folder, 'helpers');
  await mkdir(helperDir, { recursive: true });
  for (const helper of await buildGuestHelpers(inputs.headers, helperDir)) {
    await copyProgramWithLibraries(root, helper, `/usr/bin/${path.basename(helper)}`);
  }

  await writeFile(path.join(root, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
  await writeFile(path.join(root, 'etc', 'group'), 'root:x:0:\n');
  await writeFile(path.join(root, 'etc', 'shells'), '/bin/sh\n');
  await mkdir(path.join(root, 'root', '.ssh'), { recursive: true, mode: 0o700 });
  await chmod(path.join(root, 'root'), 0o700);
  await writeFile(path.join(root, 'root', '.ssh', 'authorized_keys'), `${keys.clientPublicLine}\n`, { mode: 0o600 });
  await copyIntoRoot(root, keys.hostKeyFile, '/etc/dropbear/host_key');
  await copyIntoRoot(root, initScript, '/init');
  await chmod(path.join(root, 'init'), 0o755);
  for (const helper of guestHelpers) await chmod(path.join(root, 'usr', 'bin', helper.name), 0o755);

  await linkBusyboxApplets(root, busybox);
  await execa('sh', ['-c', `find . -print0 | cpio --null -o -H newc -R 0:0 --quiet > ${JSON.stringify(path.join(folder, 'initramfs.cpio'))}`], { cwd: root });
  await rm(root, { recursive: true, force: true });
}

/** One symlink per busybox applet, made at build time so the guest boots without `--install`. */
async function linkBusyboxApplets(root: string, busybox: string): Promise<void> {
  const { stdout } = await execa(busybox, ['--list-full']);
  for (const applet of stdout.split('\n').filter(Boolean)) {
    const target = path.join(root, applet);
    await mkdir(path.dirname(target), { recursive: true });
    try {
      await symlink('/bin/busybox', target);
    } catch {
      // a real program (kexec) already sits there
    }
  }
}
