// Debian's linux-source package, fetched through a private apt state directory
// so the host's apt configuration and package database are never touched.
import { mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { BadInputError, InfrastructureError } from '../../harness/errors.ts';
import { progress } from '../../harness/util/log.ts';
import { cacheEntry } from '../../harness/cache/cache-entry.ts';
import { FileLock } from '../../harness/cache/file-lock.ts';

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

/** The sources asked for in this process, by package: the lists are refreshed and the tree unpacked once per run. */
const asked = new Map<string, Promise<KernelSource>>();

/**
 * A Debian kernel source, unpacked in the cache: the newest version the suite has (the lists are refreshed once a day
 * at most). Two runs share one download: the lists behind a lock, the tree as a cache entry. `askedBy`: the option
 * that named it, for the error when the suite has no such package.
 */
export function debianKernelSource(cache: string, pkg: string, askedBy: string): Promise<KernelSource> {
  const key = `${cache}\0${pkg}`;
  let source = asked.get(key);
  if (!source) {
    source = unpackedSource(cache, pkg, askedBy);
    asked.set(key, source);
    source.catch(() => asked.delete(key));
  }
  return source;
}

async function unpackedSource(cache: string, pkg: string, askedBy: string): Promise<KernelSource> {
  const version = await newestVersion(cache, pkg, askedBy);
  const options = aptOptions(path.join(cache, 'apt'));
  const entry = await cacheEntry({
    folder: path.join(cache, 'src'),
    key: `${pkg}_${version}`,
    what: `kernel source ${pkg} ${version}`,
    // An unpacked source is about 1.8 GB: the two newest versions (an update's A and B) stay.
    keep: 2,
    waitMs: 30 * 60_000,
    build: async (dir) => {
      progress(`downloading ${pkg} ${version}`);
      const download = await execa('apt-get', [...options, 'download', `${pkg}=${version}`], { cwd: dir, reject: false, all: true });
      if (download.exitCode !== 0) throw new InfrastructureError(`apt-get download ${pkg} failed: ${lastLine(download.all)}`);
      const deb = (await readdir(dir)).find((name) => name.endsWith('.deb'));
      if (!deb) throw new InfrastructureError(`apt-get download ${pkg} produced no .deb in ${dir}`);
      progress(`unpacking ${pkg} ${version}`);
      await execa('dpkg-deb', ['-x', deb, 'pkg'], { cwd: dir });
      await execa('tar', ['-xf', path.join(dir, 'pkg', 'usr', 'src', `${pkg}.tar.xz`), '-C', dir]);
      await rm(path.join(dir, 'pkg'), { recursive: true, force: true });
      await rm(path.join(dir, deb), { force: true });
    },
  });
  return { tree: path.join(entry.dir, pkg), identity: `${pkg}=${version}` };
}

/** The version apt would download, after refreshing the lists if they are a day old; one run at a time touches them. */
async function newestVersion(cache: string, pkg: string, askedBy: string): Promise<string> {
  const aptDir = path.join(cache, 'apt');
  await mkdir(path.join(aptDir, 'lists', 'partial'), { recursive: true });
  await mkdir(path.join(aptDir, 'cache', 'archives', 'partial'), { recursive: true });
  const options = aptOptions(aptDir);
  const stamp = path.join(aptDir, 'updated');
  // The private state runs apt without its own locks (Debug::NoLocking): this lock stands in for them.
  const lock = await FileLock.open(path.join(aptDir, '.lock'));
  try {
    await lock.take('exclusive', 10 * 60_000, 'the harness\'s apt lists');
    if (!(await isFresh(stamp, listsMaxAgeMs))) {
      const mirror = await hostDebianMirror();
      await writeFile(path.join(aptDir, 'sources.list'), `deb [signed-by=${keyring}] ${mirror} ${defaultKernelSuite} main\n`);
      progress(`refreshing the package list for ${pkg} (${defaultKernelSuite})`);
      const update = await execa('apt-get', [...options, 'update'], { reject: false, all: true });
      if (update.exitCode !== 0) {
        throw new InfrastructureError(`apt-get update for ${defaultKernelSuite} failed: ${lastLine(update.all)}`);
      }
      await writeFile(stamp, new Date().toISOString());
    }
    const version = await candidateVersion(options, pkg, aptDir, stamp);
    if (!version) {
      const versions = await sourceVersions(options);
      throw new BadInputError(
        `${askedBy}: Debian's ${defaultKernelSuite} has no ${pkg}; the kernel versions it has: ${versions.join(', ') || 'none'} (or pass KERNEL_SRC=<tree> or KERNEL=<bzImage>)`,
      );
    }
    return version;
  } finally {
    await lock.release();
  }
}

/** The kernel versions whose linux-source-X.Y the suite has, in version order. */
async function sourceVersions(options: string[]): Promise<string[]> {
  const names = await execa('apt-cache', [...options, 'pkgnames', 'linux-source-'], { reject: false });
  const versions = names.stdout.split('\n').flatMap((name) => /^linux-source-(\d+\.\d+)$/.exec(name.trim())?.[1] ?? []);
  return versions.sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
}

/**
 * The version apt would download. It changes only when the lists do, so it is kept beside the lists' stamp and asked
 * of apt-cache (a process start at every run otherwise) only when the lists are newer than the answer.
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
