// The patch the luo-mismatch scenario's next kernel carries: the memfd file handler under another compatible
// string, so the new kernel has no handler for the memfds the old one preserved. Written by the harness against the
// source it patches (the context lines are that source's), as a `git format-patch` mail, cached by content.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { cacheEntry } from '../../harness/cache/cache-entry.ts';
import { InfrastructureError } from '../../harness/errors.ts';
import { hashParts } from '../../harness/util/hash.ts';
import { readPatchSeries, type PatchSeries } from './patch-series.ts';

export const memfdAbiHeader = 'include/linux/kho/abi/memfd.h';
/** What the patched kernel registers instead of "memfd-v2": unknown to any released kernel. */
export const mismatchCompatible = 'memfd-luo-harness-mismatch';

const definition = /^#define MEMFD_LUO_FH_COMPATIBLE\s+"([^"]+)"$/;

/** The mail changing the compatible in `header` (the text of include/linux/kho/abi/memfd.h); throws if it has none. */
export function mismatchPatchText(header: string): { text: string; from: string } {
  const lines = header.split('\n');
  const index = lines.findIndex((line) => definition.test(line));
  const from = definition.exec(lines[index] ?? '')?.[1];
  if (index < 0 || from === undefined) throw new InfrastructureError(`${memfdAbiHeader} of the kernel source has no MEMFD_LUO_FH_COMPATIBLE to change`);
  const changed = (lines[index] ?? '').replace(`"${from}"`, `"${mismatchCompatible}"`);
  // Three lines of context each side, as git writes them; the header's last line is followed by its newline.
  const start = Math.max(0, index - 3);
  const end = Math.min(lines.length - (lines.at(-1) === '' ? 1 : 0), index + 4);
  const before = lines.slice(start, index).map((line) => ` ${line}`);
  const after = lines.slice(index + 1, end).map((line) => ` ${line}`);
  const count = end - start;
  const text = [
    'From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001',
    'From: luo-harness <luo-harness@localhost>',
    'Date: Thu, 1 Jan 2026 00:00:00 +0000',
    `Subject: [PATCH] mm: memfd_luo: register the file handler as "${mismatchCompatible}"`,
    '',
    `A next kernel that cannot claim memfds preserved as "${from}": the live update`,
    'from a kernel with the other compatible string must fail loudly.',
    '---',
    `diff --git a/${memfdAbiHeader} b/${memfdAbiHeader}`,
    `--- a/${memfdAbiHeader}`,
    `+++ b/${memfdAbiHeader}`,
    `@@ -${start + 1},${count} +${start + 1},${count} @@`,
    ...before,
    `-${lines[index] ?? ''}`,
    `+${changed}`,
    ...after,
    '-- ',
    'luo-harness',
    '',
  ].join('\n');
  return { text, from };
}

/** Write the mismatch patch for the source tree into the cache and read it as a series (NEXT_PATCHES= would). */
export async function mismatchSeries(sourceTree: string, cache: string): Promise<PatchSeries> {
  const { text } = mismatchPatchText(await readFile(path.join(sourceTree, memfdAbiHeader), 'utf8'));
  const entry = await cacheEntry({
    folder: path.join(cache, 'mismatch-patch'),
    key: hashParts([text]).slice(0, 16),
    what: 'the mismatch patch',
    keep: 4,
    waitMs: 60_000,
    build: (dir) => writeFile(path.join(dir, '0001-memfd-luo-mismatch-compatible.patch'), text),
  });
  return readPatchSeries(entry.dir, 'mismatch patch');
}
