// PATCHES= handling on a small source and patches written here: applied as commits, keyed by content, a patch that
// does not apply named and leaving nothing behind, the base never touched.
import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import t, { type Test } from 'tap';
import { BadInputError } from '../../harness/errors.ts';
import { joinPatchSeries, patchSubjects, readPatchSeries } from '../../images/kernel/patch-series.ts';
import { patchedKernelSource } from '../../images/kernel/patched-source.ts';

/** A git format-patch mail changing `file` from `from` to `to` (a one-line file). */
function patchMail(subject: string, file: string, from: string, to: string): string {
  return [
    'From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001',
    'From: Test Author <author@example.org>',
    'Date: Tue, 1 Dec 2026 00:00:00 +0000',
    `Subject: [PATCH] ${subject}`,
    '',
    '---',
    ` ${file} | 2 +-`,
    '',
    `diff --git a/${file} b/${file}`,
    `--- a/${file}`,
    `+++ b/${file}`,
    '@@ -1 +1 @@',
    `-${from}`,
    `+${to}`,
    '-- ',
    '2.39.5',
    '',
  ].join('\n');
}

async function fixture(t: Test) {
  const root = await mkdtemp(path.join(tmpdir(), 'luo-harness-patches-'));
  t.teardown(() => execa('rm', ['-rf', root]));
  const tree = path.join(root, 'src', 'linux');
  await mkdir(path.join(tree, 'drivers'), { recursive: true });
  await writeFile(path.join(tree, 'drivers', 'pci.c'), 'int preserve = 0;\n');
  await writeFile(path.join(tree, 'Makefile'), 'VERSION = 7\n');
  // A build folder of the base: never part of the patched copy.
  await mkdir(path.join(tree, 'luo-build-0123'));
  await writeFile(path.join(tree, 'luo-build-0123', 'vmlinux'), 'objects');
  const series = path.join(root, 'series');
  await mkdir(series);
  return { root, tree, series, cache: path.join(root, 'cache'), base: { tree, identity: 'linux-source-7.3=7.3.4' } };
}

t.test('a series applies as commits onto a copy; the base stays as it was', async (t) => {
  const { tree, series, cache, base } = await fixture(t);
  await writeFile(path.join(series, '0001-pci.patch'), patchMail('PCI: preserve devices', 'drivers/pci.c', 'int preserve = 0;', 'int preserve = 1;'));
  await writeFile(path.join(series, '0002-make.patch'), patchMail('Makefile: bump', 'Makefile', 'VERSION = 7', 'VERSION = 8'));
  await writeFile(path.join(series, 'README'), 'not a patch');
  const read = await readPatchSeries(series);
  t.same(read.subjects, ['PCI: preserve devices', 'Makefile: bump'], 'subjects in file-name order, README ignored');
  const patched = await patchedKernelSource(base, read, cache);
  t.match(patched.identity, /^linux-source-7\.3=7\.3\.4\+2 patches \(sha256 [0-9a-f]{12}\)$/);
  t.equal(await readFile(path.join(patched.tree, 'drivers', 'pci.c'), 'utf8'), 'int preserve = 1;\n', 'the patch is in the copy');
  t.equal(await readFile(path.join(tree, 'drivers', 'pci.c'), 'utf8'), 'int preserve = 0;\n', 'the hard-linked base is untouched');
  const log = await execa('git', ['-C', patched.tree, 'log', '--format=%s']);
  t.same(log.stdout.split('\n'), ['Makefile: bump', 'PCI: preserve devices', 'linux-source-7.3=7.3.4'], 'one commit per patch on the base commit');
  t.notOk((await readdir(patched.tree)).includes('luo-build-0123'), "the base's build folder is not copied with the source");
});

t.test('the base commit tracks only what the series touches; a patch adding a file applies', async (t) => {
  const { series, cache, base } = await fixture(t);
  await writeFile(path.join(series, '0001-pci.patch'), patchMail('PCI: preserve devices', 'drivers/pci.c', 'int preserve = 0;', 'int preserve = 1;'));
  const added = [
    'From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001',
    'From: Test Author <author@example.org>',
    'Subject: [PATCH] PCI: add a file',
    '',
    'diff --git a/drivers/new.c b/drivers/new.c',
    'new file mode 100644',
    '--- /dev/null',
    '+++ b/drivers/new.c',
    '@@ -0,0 +1 @@',
    '+int added;',
    '',
  ].join('\n');
  await writeFile(path.join(series, '0002-add.patch'), added);
  const patched = await patchedKernelSource(base, await readPatchSeries(series), cache);
  const tracked = await execa('git', ['-C', patched.tree, 'ls-tree', '-r', '--name-only', 'HEAD~2']);
  t.same(tracked.stdout.split('\n'), ['drivers/pci.c'], 'the base commit holds the patched file, not the Makefile');
  t.equal(await readFile(path.join(patched.tree, 'drivers', 'new.c'), 'utf8'), 'int added;\n');
  t.equal(await readFile(path.join(patched.tree, 'Makefile'), 'utf8'), 'VERSION = 7\n', 'untouched files are in the copy all the same');
});

t.test('the cache key is the patch contents, not their paths', async (t) => {
  const { root, series, cache, base } = await fixture(t);
  const mail = patchMail('PCI: preserve devices', 'drivers/pci.c', 'int preserve = 0;', 'int preserve = 1;');
  await writeFile(path.join(series, '0001.patch'), mail);
  const elsewhere = path.join(root, 'elsewhere.mbox');
  await writeFile(elsewhere, mail);
  const first = await patchedKernelSource(base, await readPatchSeries(series), cache);
  const second = await patchedKernelSource(base, await readPatchSeries(elsewhere), cache);
  t.equal(second.tree, first.tree, 'the same series from an mbox elsewhere reuses the patched tree');
  await writeFile(elsewhere, mail.replace('int preserve = 1;', 'int preserve = 2;'));
  const changed = await patchedKernelSource(base, await readPatchSeries(elsewhere), cache);
  t.not(changed.tree, first.tree, 'different contents, a different tree');
});

t.test('NEXT_PATCHES on top of PATCHES: one series, both applied in order, keyed by both', async (t) => {
  const { root, series, cache, base } = await fixture(t);
  await writeFile(path.join(series, '0001-pci.patch'), patchMail('PCI: preserve devices', 'drivers/pci.c', 'int preserve = 0;', 'int preserve = 1;'));
  const next = path.join(root, 'next.mbox');
  await writeFile(next, patchMail('PCI: preserve more', 'drivers/pci.c', 'int preserve = 1;', 'int preserve = 2;'));
  const under = await readPatchSeries(series);
  const joined = joinPatchSeries(under, await readPatchSeries(next, 'NEXT_PATCHES'));
  t.same(joined.subjects, ['PCI: preserve devices', 'PCI: preserve more']);
  t.not(joined.hash, under.hash);
  const patched = await patchedKernelSource(base, joined, cache);
  t.equal(await readFile(path.join(patched.tree, 'drivers', 'pci.c'), 'utf8'), 'int preserve = 2;\n', 'the next series applies on top of the first');
});

t.test('a patch that does not apply: bad input naming it and the file, nothing left half-applied', async (t) => {
  const { series, cache, base } = await fixture(t);
  await writeFile(path.join(series, '0001-pci.patch'), patchMail('PCI: preserve devices', 'drivers/pci.c', 'int preserve = 0;', 'int preserve = 1;'));
  await writeFile(path.join(series, '0002-stale.patch'), patchMail('PCI: stale context', 'drivers/pci.c', 'int preserve = 5;', 'int preserve = 6;'));
  const error = await patchedKernelSource(base, await readPatchSeries(series), cache).catch((caught: unknown) => caught);
  t.type(error, BadInputError);
  t.match((error as Error).message, /^PATCHES: 0002-stale\.patch does not apply to the kernel source \(first failure: drivers\/pci\.c\)/);
  // Only the entry's locks stay, for the next run that builds it.
  t.same((await readdir(path.join(cache, 'patched'))).filter((name) => !/\.(build-)?lock$/.test(name)), [], 'no patched tree stays in the cache');
  await writeFile(path.join(series, '0002-stale.patch'), patchMail('PCI: fixed context', 'drivers/pci.c', 'int preserve = 1;', 'int preserve = 6;'));
  const fixed = await patchedKernelSource(base, await readPatchSeries(series), cache);
  t.equal(await readFile(path.join(fixed.tree, 'drivers', 'pci.c'), 'utf8'), 'int preserve = 6;\n', 'the next run with good patches works');
});

t.test('PATCHES that is not a series is refused by name', async (t) => {
  const { root, series } = await fixture(t);
  await t.rejects(readPatchSeries(path.join(root, 'nope')), { name: 'BadInputError', message: /PATCHES=.*nope does not exist/ });
  await t.rejects(readPatchSeries(series), { name: 'BadInputError', message: /holds no \.patch files/ });
  t.same(patchSubjects('Subject: [PATCH v7 03/12] PCI: liveupdate: Track\n incoming devices\n'), ['PCI: liveupdate: Track incoming devices'], 'folded subjects joined, prefix dropped');
});
