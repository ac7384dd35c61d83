// The files a patched tree changed on top of its base commit, made newer than any object seeded into its build.
import { utimes } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';

/**
 * A seeded build copies the base build's objects with their times. A file the patches changed can be older than
 * those objects (the patched tree predates the base build, after a config change, say), and make would keep the
 * base's object: the kernel would silently lack the patch. So every file changed since the tree's first commit
 * (the base, as patchedKernelSource makes it) gets the current time. Returns the files touched.
 */
export async function touchFilesChangedSinceBase(tree: string, now = new Date()): Promise<string[]> {
  const [base = ''] = (await execa('git', ['-C', tree, 'rev-list', '--max-parents=0', 'HEAD'])).stdout.split('\n');
  const changed = (await execa('git', ['-C', tree, 'diff', '--name-only', '--diff-filter=d', base, 'HEAD'])).stdout.split('\n').filter(Boolean);
  // The patched tree hard-links unchanged files to the base; changed ones are git's own new files, safe to touch.
  for (const file of changed) await utimes(path.join(tree, file), now, now);
  return changed;
}
