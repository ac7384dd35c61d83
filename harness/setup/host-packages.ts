// The Debian packages the harness needs on the host; installed with apt-get when root.
import { execa } from 'execa';
import { MissingToolError } from '../errors.ts';
import { progress } from '../util/log.ts';

/** Each package and why it is needed (shown by doctor). */
export const hostPackages = [
  { name: 'qemu-system-x86', why: 'runs the guest' },
  { name: 'gcc', why: 'kernel build, guest helpers' },
  { name: 'libc6-dev', why: 'static guest helpers' },
  { name: 'uuid-dev', why: 'static VFIO selftests (libuuid.a)' },
  { name: 'make', why: 'kernel build' },
  { name: 'flex', why: 'kernel build' },
  { name: 'bison', why: 'kernel build' },
  { name: 'bc', why: 'kernel build' },
  { name: 'lz4', why: 'kernel build (the bzImage is LZ4-compressed)' },
  { name: 'libelf-dev', why: 'kernel build' },
  { name: 'libssl-dev', why: 'kernel build' },
  { name: 'cpio', why: 'initramfs' },
  { name: 'rsync', why: 'kernel headers_install' },
  { name: 'xz-utils', why: 'unpacking the kernel source' },
  { name: 'busybox-static', why: 'guest userland' },
  { name: 'dropbear-bin', why: 'guest SSH server and key tools' },
  { name: 'kexec-tools', why: 'kexec inside the guest' },
  { name: 'pciutils', why: 'lspci -F reads the config dumps on the host' },
] as const;

/** Only `make test` needs these: the report is checked in a real browser, the KEEP=1 SSH command really run. */
export const testPackages = [
  { name: 'chromium', why: 'make test renders the HTML report in it (headless)' },
  { name: 'openssh-client', why: 'make test logs in with the SSH command KEEP=1 prints' },
] as const;

type PackageList = readonly { readonly name: string; readonly why: string }[];

export interface PackageStatus {
  readonly name: string;
  readonly why: string;
  readonly installed: boolean;
  readonly version?: string;
}

/** Ask dpkg which packages are installed. */
export async function packageStatus(packages: PackageList = hostPackages): Promise<PackageStatus[]> {
  const query = await execa('dpkg-query', ['-W', '-f=${Package} ${Status} ${Version}\\n', ...packages.map((pkg) => pkg.name)], {
    reject: false,
  });
  const installed = new Map<string, string>();
  for (const line of query.stdout.split('\n')) {
    const [name, , , state, version] = line.split(' ');
    if (name && state === 'installed') installed.set(name, version ?? '');
  }
  return packages.map((pkg) => ({ ...pkg, installed: installed.has(pkg.name), version: installed.get(pkg.name) }));
}

/** Install missing packages as root; otherwise fail with the exact command to run. */
export async function ensureHostPackages(packages: PackageList = hostPackages): Promise<void> {
  const missing = (await packageStatus(packages)).filter((pkg) => !pkg.installed).map((pkg) => pkg.name);
  if (missing.length === 0) return;
  const command = `apt-get install -y ${missing.join(' ')}`;
  if (process.getuid?.() !== 0) throw new MissingToolError(`missing host packages; run: sudo apt-get update && sudo ${command}`);
  progress(`installing host packages: ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const update = await execa('apt-get', ['update'], { reject: false, all: true, env });
  if (update.exitCode !== 0) throw new MissingToolError(`apt-get update failed; run: apt-get update && ${command}\n${update.all ?? ''}`);
  const install = await execa('apt-get', ['install', '-y', '--no-install-recommends', ...missing], { reject: false, all: true, env });
  if (install.exitCode !== 0) throw new MissingToolError(`apt-get install failed; run: ${command}\n${(install.all ?? '').split('\n').slice(-10).join('\n')}`);
}
