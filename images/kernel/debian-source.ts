// Debian's linux-source package, fetched through a private apt state directory
// so the host's apt configuration and package database are never touched.
import { mkdir, readFile, readdir, rm, stat, writeFile, access } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { InfrastructureError } from '../../harness/errors.ts';
import { progress } from '../../harness/util/log.ts';
import { pruneOldEntries } from '../../harness/util/prune.ts';

export const defaultKernelPackage = 'linux-source-7.3';
export const defaultKernelSuite = 'trixie-backports';
const keyring = '/usr/share/keyrings/debian-archive-keyring.gpg';
const listsMaxAgeMs = 24 * 3600 * 1000;

export interface KernelSource {
  /** Tree to build. */
  readonly tree: string;
  /** What the cache key is made of: package and version, or tree identity. */
  readonly identity: string;
}

/** The Debian mirror the host already uses (deb822 or one-line sources), so no host name lives in our code. */
export async function hostDebianMirror(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  if (env.LUO_HARNESS_DEBIAN_MIRROR) return env.LUO_HARNESS_DEBIAN_MIRROR;
  const files = ['/etc/apt/sources.list'];
  try {
    for (const name of await readdir('/etc/apt/sources.list.d')) files.push(path.join('/etc/apt/sources.list.d', name));
  } catch {
    // no sources.list.d: only sources.list counts
  }
  for (const file of files.filter((name) => /\.(list|sources)$/.test(name))) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      continue;
    }
    const mirror = mirrorFromSources(text);
    if (mirror) return mirror;
  }
  throw new InfrastructureError(
    'no Debian mirror found in /etc/apt/sources.list*; set LUO_HARNESS_DEBIAN_MIRROR=<url of a Debian mirror>',
  );
}

/** The first Debian archive URI (not security, not third party) in a sources file's text. */
export function mirrorFromSources(text: string): string | undefined {
  const isArchive = (uri: string, suites: string) =>
    /\/debian\/?$/.test(uri) && !/security/.test(suites) && !/security/.test(uri);
  for (const stanza of text.split(/\n\s*\n/)) {
    const uri = /^URIs:\s*(\S+)/m.exec(stanza)?.[1];
    const suites = /^Suites:\s*(.+)$/m.exec(stanza)?.[1] ?? '';
    if (uri && isArchive(uri, suites)) return uri;
  }
  for (const line of text.split('\n')) {
    const match = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)/.exec(line.trim());
    if (match?.[1] && match[2] && isArchive(match[1], match[2])) return match[1];
  }
  return undefined;
}

function aptOptions(aptDir: string): string[] {
  return [
    '-o', `Dir::Etc::SourceList=${path.join(aptDir, 'sources.list')}`,
    '-o', 'Dir::Etc::SourceParts=/dev/null',
    '-o', `Dir::State::Lists=${path.join(aptDir, 'lists')}`,
    '-o', `Dir::Cache=${path.join(aptDir, 'cache')}`,
    '-o', 'Dir::State::status=/dev/null',
    '-o', 'APT::Sandbox::User=root',
    '-o', 'Debug::NoLocking=1',
  ];
}

async function isFresh(file: string, maxAgeMs: number): Promise<boolean> {
  try {
    return Date.now() - (await stat(file)).mtimeMs < maxAgeMs;
  } catch {
    return false;
  }
}

/** Download (once a day at most, checking for a newer version) and unpack the default kernel source. */
export async function debianKernelSource(cache: string, pkg = defaultKernelPackage): Promise<KernelSource> {
  const aptDir = path.join(cache, 'apt');
  await mkdir(path.join(aptDir, 'lists', 'partial'), { recursive: true });
  await mkdir(path.join(aptDir, 'cache', 'archives', 'partial'), { recursive: true });
  const options = aptOptions(aptDir);
  const stamp = path.join(aptDir, 'updated');
  if (!(await isFresh(stamp, listsMaxAgeMs))) {
    const mirror = await hostDebianMirror();
    await writeFile(
      path.join(aptDir, 'sources.list'),
      `deb [signed-by=${keyring}] ${mirror} ${defaultKernelSuite} main\n`,
    );
    progress(`refreshing the package list for ${pkg} (${defaultKernelSuite})`);
    const update = await execa('apt-get', [...options, 'update'], { reject: false, all: true });
    if (update.exitCode !== 0) {
      throw new InfrastructureError(`apt-get update for ${defaultKernelSuite} failed: ${lastLine(update.all)}`);
    }
    await writeFile(stamp, new Date().toISOString());
  }
  const version = await candidateVersion(options, pkg, aptDir, stamp);
  if (!version) {
    throw new InfrastructureError(`${pkg} is not available from ${defaultKernelSuite}; pass KERNEL_SRC=<tree> or KERNEL=<bzImage>`);
  }
  const tree = path.join(cache, 'src', `${pkg}_${version}`);
  const complete = path.join(tree, '.luo-harness-complete');
  try {
    await access(complete);
    return { tree: path.join(tree, pkg), identity: `${pkg}=${version}` };
  } catch {
    // not unpacked yet
  }
  await rm(tree, { recursive: true, force: true });
  await mkdir(tree, { recursive: true });
  progress(`downloading ${pkg} ${version}`);
  const download = await execa('apt-get', [...options, 'download', `${pkg}=${version}`], {
    cwd: tree,
    reject: false,
    all: true,
  });
  if (download.exitCode !== 0) throw new InfrastructureError(`apt-get download ${pkg} failed: ${lastLine(download.all)}`);
  const deb = (await readdir(tree)).find((name) => name.endsWith('.deb'));
  if (!deb) throw new InfrastructureError(`apt-get download ${pkg} produced no .deb in ${tree}`);
  progress(`unpacking ${pkg} ${version}`);
  await execa('dpkg-deb', ['-x', deb, 'pkg'], { cwd: tree });
  const tarball = path.join(tree, 'pkg', 'usr', 'src', `${pkg}.tar.xz`);
  await execa('tar', ['-xf', tarball, '-C', tree]);
  await rm(path.join(tree, 'pkg'), { recursive: true, force: true });
  await rm(path.join(tree, deb), { force: true });
  await writeFile(complete, version);
  // An unpacked source is about 1.8 GB: only the newest version is kept.
  await pruneOldEntries(path.join(cache, 'src'), 1, '.luo-harness-complete');
  return { tree: path.join(tree, pkg), identity: `${pkg}=${version}` };
}

/**
 * The version apt would download. It changes only when the lists do, so it is kept beside the lists' stamp and asked
 * of apt-cache (0.13 s, at every run) only when the lists are newer than the answer.
 */
export async function candidateVersion(options: string[], pkg: string, aptDir: string, stamp: string): Promise<string | undefined> {
  const kept = path.join(aptDir, `candidate-${pkg}`);
  const [keptAt, listsAt] = await Promise.all([stat(kept).then((info) => info.mtimeMs, () => -1), stat(stamp).then((info) => info.mtimeMs)]);
  if (keptAt >= listsAt) return (await readFile(kept, 'utf8')).trim();
  const policy = await execa('apt-cache', [...options, 'policy', pkg], { reject: false });
  const version = /Candidate:\s*(\S+)/.exec(policy.stdout)?.[1];
  if (!version || version === '(none)') return undefined;
  await writeFile(kept, `${version}\n`);
  return version;
}

function lastLine(text: string | undefined): string {
  return (text ?? '').trim().split('\n').pop() ?? '';
}
