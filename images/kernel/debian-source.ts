// Debian's linux-source package, fetched through a private apt state directory
// so the host's apt configuration and package database are never touched.
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { BadInputError, InfrastructureError } from '../../harness/errors.ts';
import { progress } from '../../harness/util/log.ts';
import { cacheEntry } from '../../harness/cache/cache-entry.ts';
import { PrivateApt } from '../../harness/setup/private-apt.ts';

export const defaultKernelSuite = 'trixie-backports';

export interface KernelSource {
  /** Tree to build. */
  readonly tree: string;
  /** What the cache key is made of: package and version, or tree identity. */
  readonly identity: string;
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
  const apt = kernelApt(cache);
  const version = await newestVersion(apt, pkg, askedBy);
  const entry = await cacheEntry({
    folder: path.join(cache, 'src'),
    key: `${pkg}_${version}`,
    what: `kernel source ${pkg} ${version}`,
    // An unpacked source is about 1.8 GB: the two newest versions (an update's A and B) stay.
    keep: 2,
    waitMs: 30 * 60_000,
    build: async (dir) => {
      progress(`downloading ${pkg} ${version}`);
      await apt.download([`${pkg}=${version}`], dir);
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

/** Debian's kernel sources come from their own private apt state (the folder's name predates other suites). */
function kernelApt(cache: string): PrivateApt {
  return new PrivateApt(path.join(cache, 'apt'), defaultKernelSuite);
}

/** The version apt would download, after refreshing the lists if they are a day old; one run at a time touches them. */
function newestVersion(apt: PrivateApt, pkg: string, askedBy: string): Promise<string> {
  return apt.withLists(pkg, async () => {
    const version = await apt.candidate(pkg);
    if (!version) {
      const versions = await sourceVersions(apt.options);
      throw new BadInputError(
        `${askedBy}: Debian's ${defaultKernelSuite} has no ${pkg}; the kernel versions it has: ${versions.join(', ') || 'none'} (or pass KERNEL_SRC=<tree> or KERNEL=<bzImage>)`,
      );
    }
    return version;
  });
}

/** The kernel versions whose linux-source-X.Y the suite has, in version order. */
async function sourceVersions(options: string[]): Promise<string[]> {
  const names = await execa('apt-cache', [...options, 'pkgnames', 'linux-source-'], { reject: false });
  const versions = names.stdout.split('\n').flatMap((name) => /^linux-source-(\d+\.\d+)$/.exec(name.trim())?.[1] ?? []);
  return versions.sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
}
