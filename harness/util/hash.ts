// Content hashes used as cache keys.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { repoRoot } from './paths.ts';

/** sha256 over a list of strings and buffers, in order, with separators. */
export function hashParts(parts: readonly (string | Uint8Array)[]): string {
  const hash = createHash('sha256');
  for (const part of parts) {
    hash.update(part);
    hash.update('\0');
  }
  return hash.digest('hex');
}

/** sha256 over files' names relative to the repository and their contents: the same in every clone. */
export async function hashFiles(files: readonly string[]): Promise<string> {
  const contents = await Promise.all(files.map((file) => readFile(file)));
  return hashParts(files.flatMap((file, index) => [path.relative(repoRoot, file), contents[index] ?? '']));
}
