// The compatible strings a kernel source declares for what it hands over across a kexec (include/linux/kho/abi/):
// KHO's, LUO's, each file handler's. Two kernels with the same strings claim each other's data.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

const abiFolder = path.join('include', 'linux', 'kho', 'abi');

/** NAME -> string for every `#define NAME_COMPATIBLE "..."` in the tree's KHO ABI headers, sorted by name. */
export async function abiCompatibles(tree: string): Promise<Record<string, string>> {
  const folder = path.join(tree, abiFolder);
  const headers = (await readdir(folder).catch(() => [] as string[])).filter((name) => name.endsWith('.h'));
  const texts = await Promise.all(headers.map((name) => readFile(path.join(folder, name), 'utf8')));
  return Object.fromEntries(texts.flatMap((text) => compatiblesIn(text)).sort(([a], [b]) => a.localeCompare(b)));
}

/** The string-valued `*_COMPATIBLE` macros of one header (not the ones with parameters). */
export function compatiblesIn(header: string): [string, string][] {
  return [...header.matchAll(/^#define\s+(\w+_COMPATIBLE)\s+"([^"]*)"\s*$/gm)].map((match): [string, string] => [match[1] ?? '', match[2] ?? '']);
}
