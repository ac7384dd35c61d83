// QEMU 10 by default: bookworm's own QEMU (7.2) has no igb, so on bookworm set-up installs QEMU from
// bookworm-backports. The host's apt sources stay as they are: apt reads them and one backports line through a
// private sources folder, for this one install.
import { mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { MissingToolError } from '../errors.ts';
import { progress } from '../util/log.ts';
import { debianKeyring, hostDebianMirror, hostSourceFiles, lastLine } from './private-apt.ts';

const backports = 'bookworm-backports';
/** igb came with QEMU 8.0. */
const firstWithIgb = '1:8.0';

/** The command a person runs instead, when the harness may not (not root). */
export const backportsInstallHint = `apt-get install -t ${backports} qemu-system-x86 (with ${backports} in the apt sources), or QEMU=10.0`;

async function codename(): Promise<string | undefined> {
  const text = await readFile('/etc/os-release', 'utf8').catch(() => '');
  return /^VERSION_CODENAME=(\S+)/m.exec(text)?.[1];
}

async function installedQemu(): Promise<string | undefined> {
  const query = await execa('dpkg-query', ['-W', '-f=${Status} ${Version}', 'qemu-system-x86'], { reject: false });
  return /install ok installed (\S+)/.exec(query.stdout)?.[1];
}

async function versionAtLeast(version: string, floor: string): Promise<boolean> {
  return (await execa('dpkg', ['--compare-versions', version, 'ge', floor], { reject: false })).exitCode === 0;
}

/**
 * On bookworm with a QEMU older than 8.0, install bookworm-backports' QEMU as root; otherwise say what to run. `cache`
 * holds the private sources folder. Other systems' QEMU is whatever their packages say (trixie has 10.0).
 */
export async function ensureQemuWithIgb(cache: string): Promise<void> {
  if ((await codename()) !== 'bookworm') return;
  const installed = await installedQemu();
  if (!installed || (await versionAtLeast(installed, firstWithIgb))) return;
  if (process.getuid?.() !== 0) {
    progress(`QEMU ${installed} has no igb: the igb checks will skip; as root: ${backportsInstallHint}`);
    return;
  }
  progress(`installing QEMU from ${backports} (the host has ${installed}, without igb)`);
  const parts = path.join(cache, 'apt-host-sources');
  await rm(parts, { recursive: true, force: true });
  await mkdir(parts, { recursive: true });
  for (const [index, file] of (await hostSourceFiles()).entries()) {
    if (file === '/etc/apt/sources.list') continue;
    await symlink(file, path.join(parts, `${index}-${path.basename(file)}`));
  }
  await writeFile(path.join(parts, `${backports}.list`), `deb [signed-by=${debianKeyring}] ${await hostDebianMirror()} ${backports} main\n`);
  const options = ['-o', `Dir::Etc::SourceParts=${parts}`];
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const update = await execa('apt-get', [...options, 'update'], { reject: false, all: true, env });
  if (update.exitCode !== 0) throw new MissingToolError(`apt-get update with ${backports} failed: ${lastLine(update.all)}; run: ${backportsInstallHint}`);
  const install = await execa('apt-get', [...options, 'install', '-y', '--no-install-recommends', '-t', backports, 'qemu-system-x86'], { reject: false, all: true, env });
  if (install.exitCode !== 0) throw new MissingToolError(`installing QEMU from ${backports} failed: ${lastLine(install.all)}; run: ${backportsInstallHint}`);
  progress(`QEMU ${(await installedQemu()) ?? '?'} installed from ${backports}; QEMU=7.2 runs bookworm's own from the cache`);
}
