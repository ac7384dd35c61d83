// A build folder copied from another tree's build of the same config, so only what a patch changed recompiles.
import { readdir, readFile, stat, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { touchFilesChangedSinceBase } from './patched-files.ts';

/**
 * Copy `fromBuild` (the build folder inside `fromTree`) to `toBuild` inside `toTree`, times kept. Kbuild records the
 * kernel's own paths relative to the tree, but the host tools (objtool) record absolute ones: their commands would
 * differ and all of them would recompile (half of a seeded build's time). So the tools' command files are made
 * to name the new tree, as if built there. Then what the patches changed is made newer than the copied objects.
 */
export async function seedBuildFolder(fromTree: string, fromBuild: string, toTree: string, toBuild: string): Promise<void> {
  await execa('cp', ['-a', fromBuild, toBuild]);
  for (const file of await toolCommandFiles(path.join(toBuild, 'tools'))) {
    const text = await readFile(file, 'utf8');
    const moved = text.replaceAll(`${fromTree}/`, `${toTree}/`);
    if (moved === text) continue;
    const { atime, mtime } = await stat(file);
    await writeFile(file, moved);
    await utimes(file, atime, mtime);
  }
  await touchFilesChangedSinceBase(toTree);
}

/** The `.*.cmd` files under the tools build folder (none when the config builds no host tools). */
async function toolCommandFiles(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((entry) => entry.isFile() && /^\..*\.cmd$/.test(entry.name)).map((entry) => path.join(entry.parentPath, entry.name));
}
