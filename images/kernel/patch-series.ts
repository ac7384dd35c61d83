// A patch series as kernel developers get it from the list: a folder of `git format-patch` files or one mbox.
import { appendFile, readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { BadInputError } from '../../harness/errors.ts';
import { hashParts } from '../../harness/util/hash.ts';

export interface PatchSeries {
  /** The folder or mbox as given. */
  readonly given: string;
  /** The option that gave it (PATCHES, NEXT_PATCHES), for errors. */
  readonly variable: string;
  /** Files in the order `git am` applies them (one file for an mbox). */
  readonly files: readonly string[];
  /** Subject of every patch, in order, "[PATCH n/m]" prefixes removed. */
  readonly subjects: readonly string[];
  /** sha256 of the patch contents in order: the cache key part (paths do not count). */
  readonly hash: string;
}

/** Read PATCHES=<folder of *.patch | mbox>; errors name the input and the fix. */
export async function readPatchSeries(given: string, variable = 'PATCHES'): Promise<PatchSeries> {
  const resolved = path.resolve(given);
  const info = await stat(resolved).catch(() => undefined);
  if (!info) throw new BadInputError(`${variable}=${given} does not exist; pass a folder of .patch files or an mbox`);
  const files = info.isDirectory()
    ? (await readdir(resolved)).filter((name) => /\.(patch|diff|mbox|eml)$/.test(name)).sort().map((name) => path.join(resolved, name))
    : [resolved];
  if (files.length === 0) throw new BadInputError(`${variable}=${given} holds no .patch files; pass the output of git format-patch or an mbox`);
  const contents = await Promise.all(files.map((file) => readFile(file, 'utf8')));
  const subjects = contents.flatMap(patchSubjects);
  if (subjects.length === 0) throw new BadInputError(`${variable}=${given}: no "Subject:" header in it; pass git format-patch output or an mbox`);
  return { given, variable, files, subjects, hash: hashParts(contents) };
}

/** `first` then `then`, applied in that order (PATCHES= then NEXT_PATCHES=): one series, keyed by both. */
export function joinPatchSeries(first: PatchSeries, then: PatchSeries): PatchSeries {
  return {
    given: `${first.given} + ${then.given}`,
    variable: first.variable === then.variable ? first.variable : `${first.variable} + ${then.variable}`,
    files: [...first.files, ...then.files],
    subjects: [...first.subjects, ...then.subjects],
    hash: hashParts([first.hash, then.hash]),
  };
}

/** Subjects of the mails in one file (an mbox may hold several), folded header lines joined. */
export function patchSubjects(text: string): string[] {
  return [...text.matchAll(/^Subject: (.*(?:\n[ \t].*)*)/gm)].map((match) =>
    (match[1] ?? '').replace(/\n[ \t]+/g, ' ').replace(/^\[[^\]]*PATCH[^\]]*\]\s*/i, '').trim(),
  );
}

/** The paths a patch's diffs name, before and after (`diff --git a/old b/new`, renames and copies included). */
export function patchedPaths(text: string): string[] {
  return [...text.matchAll(/^diff --git a\/(\S+) b\/(\S+)$/gm)].flatMap((match) => [match[1] ?? '', match[2] ?? '']).filter(Boolean);
}

/**
 * `git am` the series onto a git tree, as commits. A patch that does not apply is bad input naming the patch and the
 * first file that failed; the caller discards the half-applied tree.
 */
export async function applyPatchSeries(tree: string, series: PatchSeries, log: string): Promise<void> {
  const am = await execa('git', ['-C', tree, '-c', 'user.name=luo-harness', '-c', 'user.email=luo-harness@localhost', 'am', '--quiet', ...series.files], {
    reject: false,
    all: true,
  });
  await appendFile(log, `# git am ${series.given}\n${am.all ?? ''}\n`);
  if (am.exitCode === 0) return;
  const output = am.all ?? '';
  const failedSubject = /Patch failed at \d+ (.*)/.exec(output)?.[1]?.trim();
  const failedFile = /error: (?:patch failed: ([^:\n]+)|([^:\n]+): does not exist in index|([^:\n]+): already exists)/.exec(output);
  const file = failedFile?.[1] ?? failedFile?.[2] ?? failedFile?.[3] ?? 'unknown file';
  const index = failedSubject ? series.subjects.findIndex((subject) => subject === failedSubject) : -1;
  const patch = series.files.length === 1 ? series.files[0] : series.files[index];
  throw new BadInputError(
    `${series.variable}: ${patch ? path.basename(patch) : failedSubject ?? series.given} does not apply to the kernel source (first failure: ${file}); rebase the series onto it or pass KERNEL_SRC=<tree that has it>`,
  );
}
