// A private apt state for one Debian suite, in the cache: packages are looked up and downloaded (never installed)
// without touching the host's apt sources, lists or package database.
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { FileLock } from '../cache/file-lock.ts';
import { InfrastructureError } from '../errors.ts';
import { progress } from '../util/log.ts';

export const debianKeyring = '/usr/share/keyrings/debian-archive-keyring.gpg';
const listsMaxAgeMs = 24 * 3600 * 1000;

/** The Debian mirror the host already uses (deb822 or one-line sources), so no host name lives in our code. */
export async function hostDebianMirror(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  if (env.LUO_HARNESS_DEBIAN_MIRROR) return env.LUO_HARNESS_DEBIAN_MIRROR;
  for (const file of await hostSourceFiles()) {
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

/** The host's apt source files apt itself reads: sources.list and sources.list.d's *.list and *.sources. */
export async function hostSourceFiles(): Promise<string[]> {
  const files = ['/etc/apt/sources.list'];
  try {
    for (const name of (await readdir('/etc/apt/sources.list.d')).sort()) files.push(path.join('/etc/apt/sources.list.d', name));
  } catch {
    // no sources.list.d: only sources.list counts
  }
  return files.filter((name) => /\.(list|sources)$/.test(name));
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

async function isFresh(file: string, maxAgeMs: number): Promise<boolean> {
  try {
    return Date.now() - (await stat(file)).mtimeMs < maxAgeMs;
  } catch {
    return false;
  }
}

/** One suite's private apt state in `dir`. */
export class PrivateApt {
  constructor(
    readonly dir: string,
    readonly suite: string,
  ) {}

  /** apt options that point every state, list and cache path into `dir`. */
  get options(): string[] {
    return [
      '-o', `Dir::Etc::SourceList=${path.join(this.dir, 'sources.list')}`,
      '-o', 'Dir::Etc::SourceParts=/dev/null',
      '-o', `Dir::State::Lists=${path.join(this.dir, 'lists')}`,
      '-o', `Dir::Cache=${path.join(this.dir, 'cache')}`,
      '-o', 'Dir::State::status=/dev/null',
      '-o', 'APT::Sandbox::User=root',
      '-o', 'Debug::NoLocking=1',
    ];
  }

  private get stamp(): string {
    return path.join(this.dir, 'updated');
  }

  /**
   * Run `work` with the lists at most a day old, holding the state's lock: apt runs without its own locks here
   * (Debug::NoLocking), and this lock stands in for them. `why` names what the refresh is for in the progress line.
   */
  async withLists<T>(why: string, work: () => Promise<T>): Promise<T> {
    await mkdir(path.join(this.dir, 'lists', 'partial'), { recursive: true });
    await mkdir(path.join(this.dir, 'cache', 'archives', 'partial'), { recursive: true });
    const lock = await FileLock.open(path.join(this.dir, '.lock'));
    try {
      await lock.take('exclusive', 10 * 60_000, `the harness's apt lists for ${this.suite}`);
      if (!(await isFresh(this.stamp, listsMaxAgeMs))) {
        const mirror = await hostDebianMirror();
        await writeFile(path.join(this.dir, 'sources.list'), `deb [signed-by=${debianKeyring}] ${mirror} ${this.suite} main\n`);
        progress(`refreshing the package list for ${why} (${this.suite})`);
        const update = await execa('apt-get', [...this.options, 'update'], { reject: false, all: true });
        if (update.exitCode !== 0) throw new InfrastructureError(`apt-get update for ${this.suite} failed: ${lastLine(update.all)}`);
        await writeFile(this.stamp, new Date().toISOString());
      }
      return await work();
    } finally {
      await lock.release();
    }
  }

  /** The version apt would download; call inside withLists. */
  candidate(pkg: string): Promise<string | undefined> {
    return candidateVersion(this.options, pkg, this.dir, this.stamp);
  }

  /** Download packages (name=version or name) into `dir`. */
  async download(packages: readonly string[], dir: string): Promise<void> {
    const download = await execa('apt-get', [...this.options, 'download', ...packages], { cwd: dir, reject: false, all: true });
    if (download.exitCode !== 0) throw new InfrastructureError(`apt-get download ${packages.join(' ')} (${this.suite}) failed: ${lastLine(download.all)}`);
  }
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

export function lastLine(text: string | undefined): string {
  return (text ?? '').trim().split('\n').pop() ?? '';
}
