// Host programs copied into the guest, with the shared libraries they load.
import { copyFile, mkdir, stat, realpath } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { MissingToolError } from '../../harness/errors.ts';

/**
 * Programs the guest image carries, found on the host: where they go in the guest, and which package provides them.
 * No pciutils: the harness reads config space from sysfs, and Debian's lspci pulls in 6 MB of libraries (libkmod,
 * libcrypto) that every boot and every kexec would unpack; busybox's lspci is there for a person at the prompt.
 */
export const guestPrograms = [
  { guestPath: '/usr/sbin/dropbear', candidates: ['/usr/sbin/dropbear'], debianPackage: 'dropbear-bin' },
  { guestPath: '/sbin/kexec', candidates: ['/sbin/kexec', '/usr/sbin/kexec'], debianPackage: 'kexec-tools' },
] as const;

export const busyboxCandidates = ['/bin/busybox', '/usr/bin/busybox'];

/** First existing path of a list, or a MissingToolError naming the package to install. */
export async function findHostFile(candidates: readonly string[], debianPackage: string): Promise<string> {
  for (const candidate of candidates) {
    try {
      await stat(candidate);
      return await realpath(candidate);
    } catch {
      continue;
    }
  }
  throw new MissingToolError(`${candidates[0]} not found; install it: apt-get install ${debianPackage}`);
}

/** The shared libraries (and the loader) a dynamic binary needs, as absolute paths from ldd. */
export function parseLdd(output: string): string[] {
  const libraries: string[] = [];
  for (const line of output.split('\n')) {
    const match = /=>\s*(\/\S+)/.exec(line) ?? /^\s*(\/\S+)\s+\(0x/.exec(line);
    if (match?.[1]) libraries.push(match[1]);
  }
  return libraries;
}

/** Copy a host file into the image root at a guest path, following symlinks. */
export async function copyIntoRoot(root: string, hostFile: string, guestPath: string): Promise<void> {
  const target = path.join(root, guestPath);
  await mkdir(path.dirname(target), { recursive: true });
  await copyFile(hostFile, target);
}

/** Copy a dynamic program and every library it loads, keeping the library paths ldd reports. */
export async function copyProgramWithLibraries(root: string, hostFile: string, guestPath: string): Promise<void> {
  await copyIntoRoot(root, hostFile, guestPath);
  const ldd = await execa('ldd', [hostFile], { reject: false });
  for (const library of parseLdd(ldd.stdout)) await copyIntoRoot(root, library, library);
}

/** A fingerprint of host files (path, size, mtime) so the image is rebuilt when the host upgrades them. */
export async function fingerprintHostFiles(files: readonly string[]): Promise<string[]> {
  return Promise.all(
    files.map(async (file) => {
      const info = await stat(file);
      return `${file}:${info.size}:${Math.round(info.mtimeMs)}`;
    }),
  );
}
