// A copy of a kernel source with a patch series applied as commits (b4 shazam, in effect), cached by content.
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { HarnessError, InfrastructureError } from '../../harness/errors.ts';
import { hashParts } from '../../harness/util/hash.ts';
import { progress } from '../../harness/util/log.ts';
import { cacheEntry } from '../../harness/cache/cache-entry.ts';
import { treeBuildPrefix } from './build.ts';
import type { KernelSource } from './debian-source.ts';
import { applyPatchSeries, patchedPaths, type PatchSeries } from './patch-series.ts';
import { fileExists } from '../../harness/util/file-exists.ts';

/** Patched trees kept (each is a hard-linked copy of the source plus what the patches changed). */
const keptPatchedTrees = 3;

const git = (tree: string, args: string[]) =>
  execa('git', ['-C', tree, '-c', 'user.name=luo-harness', '-c', 'user.email=luo-harness@localhost', '-c', 'core.compression=1', ...args]);

/**
 * The base source with the series applied, as commits on top of one commit of the base, cached by content. A series
 * that does not apply leaves nothing behind (the next run with good patches starts clean) and is reported as bad input.
 */
export async function patchedKernelSource(base: KernelSource, series: PatchSeries, cache: string): Promise<KernelSource> {
  const identity = `${base.identity}+${series.subjects.length} patches (sha256 ${series.hash.slice(0, 12)})`;
  const name = path.basename(base.tree);
  const entry = await cacheEntry({
    folder: path.join(cache, 'patched'),
    key: hashParts([base.identity, series.hash]).slice(0, 16),
    what: `patched source ${identity}`,
    keep: keptPatchedTrees,
    waitMs: 30 * 60_000,
    build: async (dir) => {
      try {
        await applyToCopy(base, series, path.join(dir, name), path.join(dir, 'git-am.log'));
      } catch (error) {
        if (error instanceof HarnessError) throw error;
        throw new InfrastructureError(`preparing the patched source failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    },
  });
  return { tree: path.join(entry.dir, name), identity };
}

async function applyToCopy(base: KernelSource, series: PatchSeries, tree: string, log: string): Promise<void> {
  progress(`applying ${series.subjects.length} patches from ${series.given} to a copy of ${base.identity}`);
  // Hard links cost no space; git replaces a file it patches with a new one, so the base stays untouched. The base's
  // build folders stay out: a patched build seeds its own from them.
  await mkdir(tree);
  const names = (await readdir(base.tree)).filter((name) => !name.startsWith(treeBuildPrefix));
  await execa('cp', ['-al', '-t', tree, ...names.map((name) => path.join(base.tree, name))]);
  await git(tree, ['init', '--quiet']);
  await writeFile(path.join(tree, '.git', 'info', 'exclude'), `/${treeBuildPrefix}*\n`);
  // The base commit holds only the files the series touches: `git am` needs nothing else, and hashing the whole
  // tree into git takes most of a minute. -f: Debian's linux-source .gitignore ignores everything at the top level.
  const touched = await existingFiles(tree, await seriesPaths(series));
  if (touched.length > 0) await git(tree, ['add', '-f', '--', ...touched]);
  await git(tree, ['commit', '--quiet', '--allow-empty', '-m', base.identity]);
  await applyPatchSeries(tree, series, log);
}

/** Every path the series' diffs name, old and new. */
async function seriesPaths(series: PatchSeries): Promise<string[]> {
  const texts = await Promise.all(series.files.map((file) => readFile(file, 'utf8')));
  return [...new Set(texts.flatMap(patchedPaths))];
}

/** The paths that are files in the tree (a path the series creates is not there yet). */
async function existingFiles(tree: string, paths: readonly string[]): Promise<string[]> {
  const present = await Promise.all(paths.map((file) => fileExists(path.join(tree, file))));
  return paths.filter((_, index) => present[index]);
}
