// The README's bisect recipe, run as documented from a kernel tree's folder: `git bisect run <harness>/luo-harness
// run S=...` skips a commit the harness could not test (125) and marks bad one whose checks failed (1). And SHARD=:
// the two halves of a selection run each scenario exactly once.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import t from 'tap';
import { repoRoot } from '../../harness/util/paths.ts';

const harness = path.join(repoRoot, 'luo-harness');

/** A git repository with three commits standing in for the kernel tree: good, one to test, bad. */
async function bisectRepository(): Promise<{ dir: string; middle: string }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'luo-harness-bisect-'));
  const git = (...args: string[]) => execa('git', ['-C', dir, '-c', 'user.name=t', '-c', 'user.email=t@t', ...args]);
  await git('init', '-q');
  for (const name of ['good', 'middle', 'bad']) {
    await writeFile(path.join(dir, 'commit'), name);
    await git('add', 'commit');
    await git('commit', '-qm', name);
  }
  const middle = (await git('rev-parse', 'HEAD~1')).stdout.trim();
  await git('bisect', 'start', 'HEAD', 'HEAD~2');
  return { dir, middle };
}

async function bisectRun(dir: string, args: string[], env: Record<string, string>) {
  return execa('git', ['bisect', 'run', harness, 'run', ...args], { cwd: dir, env, reject: false, all: true, timeout: 30 * 60_000 });
}

t.test('could not test: the command exits 125 and bisect skips the commit', async (t) => {
  const results = await mkdtemp(path.join(tmpdir(), 'luo-harness-results-'));
  const direct = await execa(harness, ['run', 'S=boot', 'QEMU=/nonexistent/qemu'], { env: { RESULTS: results }, reject: false });
  t.equal(direct.exitCode, 125, direct.stderr);
  const { dir, middle } = await bisectRepository();
  const bisect = await bisectRun(dir, ['S=boot', 'QEMU=/nonexistent/qemu'], { RESULTS: results });
  t.match(bisect.all, /only 'skip'ped commits left to test/, 'bisect skipped it');
  t.match(await execa('git', ['bisect', 'log'], { cwd: dir }).then((log) => log.stdout), new RegExp(`git bisect skip ${middle}`));
});

t.test('a failing check: the command exits 1 and bisect marks the commit bad', async (t) => {
  const results = await mkdtemp(path.join(tmpdir(), 'luo-harness-results-'));
  // No kernel here fails a check on purpose; an outcome EXPECT= did not expect fails the run the same way.
  const expect = path.join(results, 'expect.json');
  await writeFile(expect, JSON.stringify([{ check: 'boot/iommu-enabled', result: 'fail', reason: 'stands in for a broken kernel' }]));
  const { dir, middle } = await bisectRepository();
  const bisect = await bisectRun(dir, ['S=boot', `EXPECT=${expect}`], { RESULTS: results });
  t.match(bisect.all, new RegExp(`${middle} is the first bad commit`), bisect.all.slice(-3000));
  const summary = JSON.parse(await readFile(path.join(results, 'latest', 'summary.json'), 'utf8')) as { scenarios: { verdict: string; counts: { unexpected: number } }[] };
  t.equal(summary.scenarios[0]?.verdict, 'fail');
  t.equal(summary.scenarios[0]?.counts.unexpected, 1);
  const junit = await readFile(path.join(results, 'latest', 'junit.xml'), 'utf8');
  t.match(junit, /<failure message="unexpected pass \(expected fail: stands in for a broken kernel\)">/);
});

t.test('expected outcomes are counted and do not fail the run; an expectation for another kernel is ignored', async (t) => {
  const results = await mkdtemp(path.join(tmpdir(), 'luo-harness-results-'));
  const expect = path.join(results, 'expect.json');
  // No check fails on this kernel, so the expected failure itself is covered by test/unit/expectations.test.ts.
  await writeFile(
    expect,
    JSON.stringify([
      { check: 'boot/iommu-enabled', result: 'pass', reason: 'IOMMU is on in this topology' },
      { check: 'boot/iommu-enabled', result: 'fail', reason: 'only on an old kernel', kernel: '6.1.*' },
    ]),
  );
  const run = await execa(harness, ['run', 'S=boot', `EXPECT=${expect}`], { env: { RESULTS: results }, reject: false });
  t.equal(run.exitCode, 0, run.stderr.slice(-2000));
  t.match(run.stdout, /^boot\s+PASS\s+\d+\s+0\s+0\s+0\s+1\s/m, 'the expected outcome is counted');
});

t.test('SHARD=1/2 and SHARD=2/2 together run each scenario exactly once', async (t) => {
  // As documented: make list SHARD=i/n shows a shard, make scenario SHARD=i/n runs it.
  const list = async (shard: string) =>
    (await execa('make', ['--no-print-directory', 'list'], { cwd: repoRoot, env: { SHARD: shard } })).stdout.split('\n').map((line) => line.split(' ')[0]);
  const whole = await list('1/1');
  const halves = [await list('1/2'), await list('2/2')];
  t.same([...halves.flat()].sort(), [...whole].sort(), 'the union is the whole selection, nothing twice');
  t.ok(halves.every((half) => half.length > 0), 'both halves have work');

  const ran: string[][] = [];
  for (const shard of ['1/2', '2/2']) {
    const results = await mkdtemp(path.join(tmpdir(), 'luo-harness-results-'));
    const run = await execa('make', ['--no-print-directory', 'scenario'], { cwd: repoRoot, env: { RESULTS: results, S: 'boot,kexec', SHARD: shard }, reject: false });
    // Judged (0 or 1, which make turns into 2), not refused or untestable: whether kexec passes is not this test's subject.
    t.ok(run.exitCode === 0 || /\[Makefile:\d+: scenario\] Error 1$/m.test(run.stderr), `shard ${shard} ran and judged`);
    const summary = JSON.parse(await readFile(path.join(results, 'latest', 'summary.json'), 'utf8')) as { shard: unknown; scenarios: { name: string }[] };
    t.same(summary.shard, { index: Number(shard[0]), count: 2 }, 'the shard is in the results');
    ran.push(summary.scenarios.map((scenario) => scenario.name));
  }
  t.same([...ran.flat()].sort(), ['boot', 'kexec'], 'each scenario ran exactly once');
});

t.test('JOBS=2 runs two scenarios at once (the longest first), JOBS=1 one after the other; the summary keeps the selection order', async (t) => {
  const windows: Record<string, { name: string; from: number; to: number }[]> = {};
  for (const jobs of ['1', '2']) {
    const results = await mkdtemp(path.join(tmpdir(), 'luo-harness-results-'));
    const run = await execa('make', ['--no-print-directory', 'scenario'], { cwd: repoRoot, env: { RESULTS: results, S: 'boot,kexec', JOBS: jobs }, reject: false });
    t.equal(run.exitCode, 0, `JOBS=${jobs} exits 0`);
    if (run.exitCode !== 0) t.comment(run.stderr.slice(-2000));
    t.match(run.stderr, new RegExp(`, ${jobs} at once`), 'the run says how many at once');
    const summary = JSON.parse(await readFile(path.join(results, 'latest', 'summary.json'), 'utf8')) as { jobs: number; scenarios: { name: string; phases: { startedAt: string; durationMs: number }[] }[] };
    t.equal(summary.jobs, Number(jobs), 'summary.json says how many ran at once');
    t.same(summary.scenarios.map((scenario) => scenario.name), ['boot', 'kexec'], 'the selection\'s order, whatever order they ran in');
    windows[jobs] = summary.scenarios.map((scenario) => ({
      name: scenario.name,
      from: Math.min(...scenario.phases.map((phase) => Date.parse(phase.startedAt))),
      to: Math.max(...scenario.phases.map((phase) => Date.parse(phase.startedAt) + phase.durationMs)),
    }));
  }
  const overlap = ([a, b]: { from: number; to: number }[]) => (a && b ? a.from < b.to && b.from < a.to : false);
  t.notOk(overlap(windows['1'] ?? []), `JOBS=1: one after the other (${JSON.stringify(windows['1'])})`);
  t.ok(overlap(windows['2'] ?? []), `JOBS=2: side by side (${JSON.stringify(windows['2'])})`);
});
