import { mkdir, mkdtemp, readdir, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import t from 'tap';
import { pruneOldEntries } from '../../harness/util/prune.ts';

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
