import { mkdtemp, stat, utimes, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import t from 'tap';
import { touchFilesChangedSinceBase } from '../../images/kernel/patched-files.ts';

t.test('after seeding, what the patches changed is newer than the copied objects; the rest keeps its time', async (t) => {
  const tree = await mkdtemp(path.join(tmpdir(), 'patched-files-'));
  const git = (...args: string[]) => execa('git', ['-C', tree, '-c', 'user.name=t', '-c', 'user.email=t@t', ...args]);
  await mkdir(path.join(tree, 'mm'));
  for (const file of ['mm/memfd_luo.c', 'Makefile', 'gone.c']) await writeFile(path.join(tree, file), 'base\n');
  await git('init', '-q');
  await git('add', '-A');
  await git('commit', '-qm', 'base');
  // The patch series: one file changed, one added, one deleted.
  await writeFile(path.join(tree, 'mm/memfd_luo.c'), 'patched\n');
  await writeFile(path.join(tree, 'new.c'), 'added\n');
  await git('rm', '-q', 'gone.c');
  await git('add', '-A');
  await git('commit', '-qm', 'the patch');
  const old = new Date('2026-01-01T00:00:00Z');
  for (const file of ['mm/memfd_luo.c', 'Makefile', 'new.c']) await utimes(path.join(tree, file), old, old);
  const now = new Date('2026-12-01T06:00:00Z');
  t.same((await touchFilesChangedSinceBase(tree, now)).sort(), ['mm/memfd_luo.c', 'new.c']);
  t.equal((await stat(path.join(tree, 'mm/memfd_luo.c'))).mtimeMs, now.getTime(), 'the patched file is newer than any object seeded before now');
  t.equal((await stat(path.join(tree, 'Makefile'))).mtimeMs, old.getTime(), 'an unchanged file keeps its time: its object is reused');
});
