// Two `./luo-harness run` started at the same moment, as a kernel developer does in two terminals, on a cache where
// the guest image and the selftests are missing: both pass, each entry is built once, and the run that did not build
// it says whom it waited for. The kernels come from the real cache (linked in): they are not what this test is about.
import { mkdtemp, readdir, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import t from 'tap';
import { cacheRoot, repoRoot } from '../../harness/util/paths.ts';

t.test('two runs at once on a cold image and selftests cache: each built once, the other run waits, both pass', async (t) => {
  const cache = await mkdtemp(path.join(tmpdir(), 'luo-harness-cache-'));
  // What the default kernel needs, shared with the real cache; everything else starts empty.
  for (const kind of ['apt', 'src', 'kernel', 'patched']) await symlink(path.join(cacheRoot(), kind), path.join(cache, kind));
  const run = async () => {
    const results = await mkdtemp(path.join(tmpdir(), 'luo-harness-results-'));
    return execa(path.join(repoRoot, 'luo-harness'), ['run', 'S=kselftest'], { env: { LUO_HARNESS_CACHE: cache, RESULTS: results }, reject: false, all: true, timeout: 30 * 60_000 });
  };
  const [first, second] = await Promise.all([run(), run()]);
  t.equal(first.exitCode, 0, `the first run passes (${first.all.split('\n').slice(-3).join(' | ')})`);
  t.equal(second.exitCode, 0, `the second run passes (${second.all.split('\n').slice(-3).join(' | ')})`);
  const both = `${first.all}\n${second.all}`;
  for (const [what, built] of [
    ['guest image', /luo-harness: building guest image (\w+)/g],
    ['selftests', /luo-harness: building the live-update selftests of \S+ in (\S+)/g],
  ] as const) {
    t.equal([...both.matchAll(built)].length, 1, `the ${what} is built by one run`);
    t.match(both, new RegExp(`luo-harness: waiting for another run building (?:${what === 'guest image' ? 'guest image' : 'the live-update selftests of'}) [^,]+, pid \\d+`), `the other run says it waits for the ${what}`);
  }
  t.same((await readdir(path.join(cache, 'guest'))).filter((name) => !name.startsWith('.')).length, 1, 'one guest image in the cache');
});
