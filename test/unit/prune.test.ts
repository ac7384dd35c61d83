import { mkdir, mkdtemp, readdir, utimes, writeFile, access } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import t from 'tap';
import { keepOnly, pruneOldEntries } from '../../harness/util/prune.ts';

t.test('old cache entries go, the newest stay, unfinished ones count as oldest', async (t) => {
  const folder = await mkdtemp(path.join(tmpdir(), 'prune-'));
  for (const [name, age] of [['a', 300], ['b', 200], ['c', 100]] as const) {
    await mkdir(path.join(folder, name));
    const stamp = path.join(folder, name, 'complete');
    await writeFile(stamp, '');
    const when = new Date(Date.now() - age * 1000);
    await utimes(stamp, when, when);
  }
  await mkdir(path.join(folder, 'unfinished'));
  t.same((await pruneOldEntries(folder, 2)).sort(), ['a', 'unfinished']);
  t.same((await readdir(folder)).sort(), ['b', 'c']);
});

t.test('keepOnly leaves just the listed paths, nested ones included', async (t) => {
  const folder = await mkdtemp(path.join(tmpdir(), 'keep-'));
  await mkdir(path.join(folder, 'arch', 'x86', 'boot'), { recursive: true });
  await writeFile(path.join(folder, 'arch', 'x86', 'boot', 'bzImage'), 'kernel');
  await writeFile(path.join(folder, 'arch', 'x86', 'boot', 'setup.o'), 'object');
  await writeFile(path.join(folder, 'vmlinux.o'), 'object');
  await writeFile(path.join(folder, '.config'), 'CONFIG_X=y');
  await keepOnly(folder, ['arch/x86/boot/bzImage', '.config', 'System.map']);
  await t.resolves(access(path.join(folder, 'arch', 'x86', 'boot', 'bzImage')));
  await t.resolves(access(path.join(folder, '.config')));
  await t.rejects(access(path.join(folder, 'vmlinux.o')));
  await t.rejects(access(path.join(folder, 'arch', 'x86', 'boot', 'setup.o')));
});
