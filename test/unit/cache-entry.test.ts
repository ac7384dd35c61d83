// The cache shared by runs side by side: built once, waited for, taken over from a dead run, never pruned in use.
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import t from 'tap';
import { cacheEntry } from '../../harness/cache/cache-entry.ts';
import { FileLock } from '../../harness/cache/file-lock.ts';
import { pruneEntries } from '../../harness/cache/prune.ts';
import { repoRoot } from '../../harness/util/paths.ts';

/** Lines of a stream as they come, and a wait for the first that matches (an event, with the child's end as its limit). */
function lineWatcher(stream: NodeJS.ReadableStream, ended: Promise<unknown>, describe: () => string): (pattern: RegExp) => Promise<string> {
  const seen: string[] = [];
  const waiting: { pattern: RegExp; resolve: (line: string) => void }[] = [];
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    for (const text of chunk.split('\n').filter(Boolean)) {
      seen.push(text);
      for (const waiter of waiting.filter((candidate) => candidate.pattern.test(text))) waiter.resolve(text);
    }
  });
  return (pattern) =>
    new Promise<string>((resolve, reject) => {
      const found = seen.find((text) => pattern.test(text));
      if (found) return resolve(found);
      waiting.push({ pattern, resolve });
      void ended.then(() => reject(new Error(`exited before printing ${String(pattern)}: ${describe()}`)));
    });
}

/** Another run asking for an entry (test/support/cache-entry-child.ts): its stdout and stderr lines as they come. */
function otherRun(folder: string, key: string) {
  const child = execa('node', ['--import', 'tsx', 'test/support/cache-entry-child.ts', folder, key], { cwd: repoRoot, stdin: 'pipe', buffer: false, reject: false, cleanup: true });
  const said: string[] = [];
  child.stderr.on('data', (chunk: Buffer) => said.push(chunk.toString()));
  const describe = () => `stderr: ${said.join('')}`;
  return { child, line: lineWatcher(child.stdout, child, describe), stderrLine: lineWatcher(child.stderr, child, describe) };
}

t.test('two runs asking at once: one builds, the other says whom it waits for and gets the same entry', async (t) => {
  const folder = await mkdtemp(path.join(tmpdir(), 'cache-entry-'));
  const first = otherRun(folder, 'k1');
  const builder = Number((await first.line(/^building /)).split(' ')[1]);
  const second = otherRun(folder, 'k1');
  t.match(await second.stderrLine(/waiting for/), `waiting for another run building test entry k1, pid ${builder}`);
  first.child.stdin.write('finish\n');
  t.match(await first.line(/^have /), /^have built /);
  t.match(await second.line(/^have /), /^have found /, 'the waiting run finds the entry built');
  first.child.stdin.end();
  second.child.stdin.end();
  await Promise.all([first.child, second.child]);
  t.same((await readFile(`${folder}.builds.log`, 'utf8')).trim().split('\n'), [String(builder)], 'built once');
  t.same((await readdir(folder)).filter((name) => !name.startsWith('.')), ['k1']);
});

t.test('a run that died building leaves its lock to the next run, which builds afresh', async (t) => {
  const folder = await mkdtemp(path.join(tmpdir(), 'cache-entry-'));
  const dead = otherRun(folder, 'k1');
  await dead.line(/^building /);
  dead.child.kill('SIGKILL');
  await dead.child;
  t.ok((await readdir(folder)).includes('.k1.building'), 'the dead run left its half-built folder');
  const entry = await cacheEntry({ folder, key: 'k1', what: 'test entry k1', keep: 10, waitMs: 10_000, build: (dir) => writeFile(path.join(dir, 'made-by'), 'this run\n') });
  t.equal(entry.built, true);
  t.equal(await readFile(path.join(entry.dir, 'made-by'), 'utf8'), 'this run\n', 'nothing of the dead build is in it');
  t.notOk((await readdir(folder)).includes('.k1.building'));
});

t.test('a failed build leaves nothing behind, and the next request builds', async (t) => {
  const folder = await mkdtemp(path.join(tmpdir(), 'cache-entry-'));
  const recipe = { folder, key: 'k1', what: 'test entry k1', keep: 10, waitMs: 10_000 };
  await t.rejects(cacheEntry({ ...recipe, build: () => Promise.reject(new Error('no compiler')) }), /no compiler/);
  t.same((await readdir(folder)).filter((name) => !/\.(build-)?lock$/.test(name)), [], 'no entry and no temporary folder, only locks');
  const entry = await cacheEntry({ ...recipe, build: (dir) => writeFile(path.join(dir, 'ok'), '') });
  t.equal(entry.built, true);
});

t.test('prune keeps the newest, and never an entry another run uses or one being built', async (t) => {
  const folder = await mkdtemp(path.join(tmpdir(), 'cache-entry-'));
  const simple = (key: string) => cacheEntry({ folder, key, what: key, keep: 10, waitMs: 10_000, build: (dir) => writeFile(path.join(dir, 'x'), key) });
  const gone = otherRun(folder, 'old');
  gone.child.stdin.write('finish\n');
  await gone.line(/^have built/);
  gone.child.stdin.end();
  await gone.child;
  const user = otherRun(folder, 'used');
  user.child.stdin.write('finish\n');
  await user.line(/^have built/);
  const building = otherRun(folder, 'in-progress');
  await building.line(/^building /);
  await simple('newest');
  // Published in this order: "newest" is the newest.
  const removed = await pruneEntries(folder, 1);
  t.same(removed, ['old'], 'only the old entry nobody holds goes');
  t.ok((await readdir(folder)).includes('used'), 'the entry the other run uses stays');
  t.ok((await readdir(folder)).includes('.in-progress.building'), 'the build in progress stays');
  user.child.stdin.end();
  building.child.kill('SIGKILL');
  await Promise.all([user.child, building.child]);
  t.same((await pruneEntries(folder, 1)).sort(), ['.in-progress.building', 'used'], 'once their runs are gone, both go');
});

t.test('a mutable entry is built at every request, and nobody holds it afterwards', async (t) => {
  const folder = await mkdtemp(path.join(tmpdir(), 'cache-entry-'));
  let builds = 0;
  const recipe = { folder, key: 'tree', what: 'a tree', keep: 10, waitMs: 10_000, mutable: true, build: () => Promise.resolve(void builds++) };
  await cacheEntry(recipe);
  await cacheEntry(recipe);
  t.equal(builds, 2);
  const lock = await FileLock.open(path.join(folder, '.tree.build-lock'));
  t.equal(await lock.tryTake('exclusive'), true, 'the build lock is free once built');
  await lock.release();
});

t.test('flock semantics: exclusive refuses others, shared shares, and a lock file removed while held is not a lock', async (t) => {
  const folder = await mkdtemp(path.join(tmpdir(), 'lock-'));
  const file = path.join(folder, 'x.lock');
  const first = await FileLock.open(file);
  const second = await FileLock.open(file);
  t.equal(await first.tryTake('exclusive'), true);
  t.equal(await second.tryTake('exclusive'), false, 'a conflicting lock is refused');
  t.equal(await second.tryTake('shared'), false);
  await first.release();
  t.equal(await second.tryTake('shared'), true, 'free once released');
  const third = await FileLock.open(file);
  t.equal(await third.tryTake('shared'), true, 'shared locks share');
  t.equal(await third.tryTake('exclusive'), false, 'and keep an exclusive one out');
  await Promise.all([second.release(), third.release()]);

  // As prune does: the holder removes the file; a run that opened it before must not believe it holds the new one.
  const holder = await FileLock.open(file);
  t.equal(await holder.tryTake('exclusive'), true);
  const late = await FileLock.open(file);
  await rm(file);
  const fresh = await FileLock.open(file);
  t.equal(await fresh.tryTake('exclusive'), true, 'the file made anew is free');
  await holder.release();
  t.equal(await late.tryTake('exclusive'), false, 'the old file\'s lock is not taken for the new one');
  await Promise.all([late.release(), fresh.release()]);
});

t.test('an entry that no longer holds what it should (its tree pruned under it) is built again', async (t) => {
  const folder = await mkdtemp(path.join(tmpdir(), 'cache-entry-'));
  let builds = 0;
  const recipe = {
    folder,
    key: 'k1',
    what: 'test entry k1',
    keep: 10,
    waitMs: 10_000,
    intact: async (dir: string) => (await readdir(dir)).includes('made'),
    build: async (dir: string) => writeFile(path.join(dir, 'made'), String(++builds)),
  };
  const first = await cacheEntry(recipe);
  await rm(path.join(first.dir, 'made'));
  // Another process asks: this one holds k1 already (and would be handed what it holds).
  const other = execa('node', ['--import', 'tsx', '-e', `
    import('./harness/cache/cache-entry.ts').then(async ({ cacheEntry }) => {
      const { readdir, writeFile } = await import('node:fs/promises');
      const entry = await cacheEntry({ folder: ${JSON.stringify(folder)}, key: 'k1', what: 'k1', keep: 10, waitMs: 10000,
        intact: async (dir) => (await readdir(dir)).includes('made'), build: (dir) => writeFile(dir + '/made', 'again') });
      console.log(entry.built);
    })`], { cwd: repoRoot });
  t.equal((await other).stdout.trim(), 'true', 'built again');
  t.equal(await readFile(path.join(first.dir, 'made'), 'utf8'), 'again');
});

t.test('what an interrupted prune left (a folder moved aside, not yet deleted) goes at the next prune', async (t) => {
  const folder = await mkdtemp(path.join(tmpdir(), 'cache-entry-'));
  await mkdir(path.join(folder, '.old.removing-123', 'deep'), { recursive: true });
  await writeFile(path.join(folder, '.old.removing-123', 'deep', 'file'), 'x');
  t.same(await pruneEntries(folder, 1), ['.old.removing-123']);
  t.same(await readdir(folder), []);
});
