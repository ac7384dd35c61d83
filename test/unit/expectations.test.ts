import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import t from 'tap';
import { BadInputError } from '../../harness/errors.ts';
import { judgedVerdict, judgePoints, loadExpectations, outcomeLabel, type Expectation } from '../../harness/results/expectations.ts';
import { renderJunit } from '../../harness/results/junit.ts';
import { renderSummaryTable, countPoints } from '../../harness/results/summary.ts';
import { parseTap } from '../../harness/results/tap-results.ts';

// A scenario where preservation fails (known kernel bug) and DMA passes.
const tap = parseTap(['ok 1 - [dma.before] DMA before kexec', 'not ok 2 - [preserve.no-writes] no config writes in the kexec window', '1..2'].join('\n'));
const knownBug: Expectation = { check: 'vfio-edu/preserve.no-writes', result: 'fail', reason: 'kernel does not preserve VFIO devices yet' };

t.test('without expectations a failure is unexpected and fails the scenario', async (t) => {
  const points = judgePoints('vfio-edu', tap.points, [], '7.3.4');
  t.same(points.map((point) => point.judgement), ['as-usual', 'unexpected']);
  t.equal(judgedVerdict(tap, 1, points), 'fail');
});

t.test('an expected failure is reported as such and does not fail the scenario', async (t) => {
  const points = judgePoints('vfio-edu', tap.points, [knownBug], '7.3.4');
  t.same(points.map((point) => point.judgement), ['as-usual', 'expected']);
  t.equal(outcomeLabel(points[1]!), 'expected fail: kernel does not preserve VFIO devices yet');
  t.equal(judgedVerdict(tap, 1, points), 'pass', 'the tap process exit 1 caused by the expected failure is forgiven');
  t.equal(judgedVerdict(tap, 2, points), 'fail', 'any other exit code still fails');
  const xml = renderJunit([{ name: 'vfio-edu', durationMs: 1, points }]);
  t.match(xml, /failures="0"/);
  t.match(xml, /<skipped message="expected fail: kernel does not preserve VFIO devices yet"\/>/);
});

t.test('an unexpected pass fails the scenario and says so in JUnit and the table', async (t) => {
  const passing = parseTap('ok 1 - [dma.before] DMA before kexec\nok 2 - [preserve.no-writes] no config writes\n1..2\n');
  const points = judgePoints('vfio-edu', passing.points, [knownBug], '7.3.4');
  t.same(points.map((point) => point.judgement), ['as-usual', 'unexpected']);
  t.equal(judgedVerdict(passing, 0, points), 'fail');
  t.match(renderJunit([{ name: 'vfio-edu', durationMs: 1, points }]), /<failure message="unexpected pass \(expected fail: kernel does not preserve VFIO devices yet\)">/);
  const table = renderSummaryTable(
    [{ name: 'vfio-edu', verdict: 'fail', durationMs: 1, exitCode: 0, kernel: '7.3.4', accel: 'tcg', phases: [], counts: countPoints(points), points, facts: {}, artifactDir: '/r/v' }],
    '/r',
  );
  t.match(table, /^vfio-edu\/preserve\.no-writes: unexpected pass \(expected fail: kernel does not preserve VFIO devices yet\)$/m);
});

t.test('an expectation applies only to the kernels it names', async (t) => {
  const scoped = { ...knownBug, kernel: '7.3.*' };
  t.equal(judgePoints('vfio-edu', tap.points, [scoped], '7.3.4')[1]?.judgement, 'expected');
  t.equal(judgePoints('vfio-edu', tap.points, [scoped], '7.4.0')[1]?.judgement, 'unexpected');
  t.equal(judgePoints('other', tap.points, [knownBug], '7.3.4')[1]?.judgement, 'unexpected', 'keyed by scenario too');
});

t.test('EXPECT files are validated with the entry and the fix', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'expect-'));
  const file = path.join(dir, 'expect.json');
  await writeFile(file, JSON.stringify([{ ...knownBug, kernel: '7.3.*' }]));
  t.same(await loadExpectations(file), [{ ...knownBug, kernel: '7.3.*' }]);
  const bad: [unknown, RegExp][] = [
    [{}, /a JSON array/],
    [[{ check: 'no-slash', result: 'fail', reason: 'x' }], /entry 1: "check" must be "<scenario>\/<check id>"/],
    [[{ check: 'a/b', result: 'broken', reason: 'x' }], /"result" must be one of pass, fail, skip, todo/],
    [[{ check: 'a/b', result: 'fail', reason: ' ' }], /"reason" must say why/],
  ];
  for (const [content, message] of bad) {
    await writeFile(file, JSON.stringify(content));
    await t.rejects(loadExpectations(file), message);
    await t.rejects(loadExpectations(file), BadInputError);
  }
  await t.rejects(loadExpectations(path.join(dir, 'missing.json')), /is not a readable JSON file/);
});
