// The mismatch patch the harness writes for luo-mismatch: a git-am-able mail changing only the memfd compatible.
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import t from 'tap';
import { memfdAbiHeader, mismatchCompatible, mismatchPatchText, mismatchSeries } from '../../images/kernel/mismatch-patch.ts';
import { applyPatchSeries } from '../../images/kernel/patch-series.ts';

// The tail of include/linux/kho/abi/memfd.h as 7.3.4 has it.
const header = ['struct memfd_luo_ser {', '\tu64 pos;', '} __packed;', '', '/* The compatibility string for memfd file handler */', '#define MEMFD_LUO_FH_COMPATIBLE\t"memfd-v2"', '', '#endif /* _LINUX_KHO_ABI_MEMFD_H */', ''].join('\n');

t.test('the patch renames the compatible and applies with git am', async (t) => {
  const { text, from } = mismatchPatchText(header);
  t.equal(from, 'memfd-v2');
  t.match(text, /^@@ -3,6 \+3,6 @@$/m, 'hunk with three context lines each side');
  t.match(text, new RegExp(`^\\+#define MEMFD_LUO_FH_COMPATIBLE\\t"${mismatchCompatible}"$`, 'm'));
  const tree = await mkdtemp(path.join(tmpdir(), 'mismatch-patch-'));
  await mkdir(path.join(tree, path.dirname(memfdAbiHeader)), { recursive: true });
  await writeFile(path.join(tree, memfdAbiHeader), header);
  const git = (args: string[]) => execa('git', ['-C', tree, '-c', 'user.name=t', '-c', 'user.email=t@t', ...args]);
  await git(['init', '--quiet']);
  await git(['add', '-A']);
  await git(['commit', '--quiet', '-m', 'base']);
  const cache = path.join(tree, 'cache');
  const series = await mismatchSeries(tree, cache);
  t.same(series.subjects, [`mm: memfd_luo: register the file handler as "${mismatchCompatible}"`]);
  t.equal((await mismatchSeries(tree, cache)).hash, series.hash, 'the same source gives the same series (cached by content)');
  await applyPatchSeries(tree, series, path.join(tree, 'am.log'));
  t.equal(await readFile(path.join(tree, memfdAbiHeader), 'utf8'), header.replace('"memfd-v2"', `"${mismatchCompatible}"`));
});

t.test('a source without the define is refused', async (t) => {
  t.throws(() => mismatchPatchText('#define OTHER 1\n'), /has no MEMFD_LUO_FH_COMPATIBLE/);
});
