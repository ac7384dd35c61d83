import { cp, mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import t from 'tap';
import { repoRoot } from '../../harness/util/paths.ts';
import { kernelCacheKey } from '../../images/kernel/build.ts';
import { configFragments } from '../../images/kernel/recipe.ts';
import { hashFiles } from '../../harness/util/hash.ts';

t.test('the kernel cache key depends on source identity and fragment contents', async (t) => {
  const source = { tree: '/src/linux', identity: 'linux-source-7.3=7.3.4-1~bpo13+1' };
  const key = await kernelCacheKey(source, false, configFragments);
  t.match(key, /^[0-9a-f]{16}$/);
  t.equal(await kernelCacheKey({ ...source, tree: '/elsewhere' }, false, configFragments), key, 'a packaged source is keyed by its version');
  t.not(await kernelCacheKey({ ...source, identity: 'linux-source-7.3=7.3.5-1' }, false, configFragments), key, 'a new version is a new key');
  t.not(await kernelCacheKey(source, true, configFragments), key, 'a developer tree is keyed by its path (incremental builds)');
  t.not(await kernelCacheKey(source, false, configFragments.slice(0, 1)), key, 'other config fragments are another key');
});

t.test('file hashes follow content', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'hash-'));
  const copy = path.join(dir, 'luo.config');
  await cp(configFragments[0]!, copy);
  const before = await hashFiles([copy]);
  t.equal(await hashFiles([copy]), before, 'stable');
  await writeFile(copy, 'CONFIG_LIVEUPDATE=n\n');
  t.not(await hashFiles([copy]), before, 'changes with the contents');
});

t.test('a clone elsewhere computes the same key, so CI in a fresh clone reuses the cache', async (t) => {
  const clone = await mkdtemp(path.join(tmpdir(), 'clone-'));
  const { stdout: files } = await execa('git', ['ls-files', '-z'], { cwd: repoRoot });
  for (const file of files.split('\0').filter(Boolean)) await cp(path.join(repoRoot, file), path.join(clone, file), { recursive: true });
  await symlink(path.join(repoRoot, 'node_modules'), path.join(clone, 'node_modules'));
  const script =
    "Promise.all([import('./images/kernel/build.ts'), import('./images/kernel/recipe.ts')]).then(async ([build, recipe]) => console.log(await build.kernelCacheKey({ tree: 'x', identity: 'v1' }, false, recipe.configFragments)))";
  const here = await execa('node', ['--import', 'tsx', '-e', script], { cwd: repoRoot });
  const there = await execa('node', ['--import', 'tsx', '-e', script], { cwd: clone });
  t.equal(there.stdout.trim(), here.stdout.trim());
});
