import t from 'tap';
import { derivedCheckId, parseTap, scenarioVerdict } from '../../harness/results/tap-results.ts';
import { judgePoints } from '../../harness/results/expectations.ts';
import { renderJunit } from '../../harness/results/junit.ts';

const tapText = `TAP version 14
ok 1 - guest runs the kernel under test
not ok 2 - /dev/liveupdate exists
  ---
  found: 1
  wanted: 0
  ...
ok 3 - DMA above 4 GiB # SKIP kernel lacks VFIO preservation
ok 4 - no config writes in the kexec window # TODO kernel does not preserve the device
    # Subtest: nested
    not ok 1 - nested failure is not top level
1..4
`;

t.test('top-level points with directives and diagnostics', async (t) => {
  const summary = parseTap(tapText);
  t.equal(summary.points.length, 4);
  t.same(summary.points.map((point) => point.status), ['pass', 'fail', 'skip', 'todo']);
  t.equal(summary.points[2]?.reason, 'kernel lacks VFIO preservation');
  t.match(summary.points[1]?.diagnostic, /wanted: 0/);
  t.equal(summary.planned, 4);
  t.equal(scenarioVerdict(summary, 1), 'fail');
  t.equal(summary.points[1]?.diagnostic, 'found: 1\nwanted: 0', 'the YAML block without its indentation');
  t.same(summary.unreadable, [], 'the nested subtest lines are no unreadable lines');
});

t.test('a stray print is kept as unreadable with its line; node-tap suffixes and escapes are no part of a name', async (t) => {
  const summary = parseTap(
    [
      'TAP version 14',
      'debug: config space 0x0107',
      'not ok 1 - [dma.before] DMA before kexec # time=12.5ms',
      '  ---',
      '  found: 1',
      '  ...',
      'ok 2 - issue \\# 42 fixed',
      '  ---',
      '  at: here',
      '  ...',
      '1..2',
    ].join('\n'),
  );
  t.same(summary.unreadable, [{ line: 2, text: 'debug: config space 0x0107' }]);
  t.same(
    summary.points.map((point) => [point.id, point.name, point.diagnostic]),
    [
      ['dma.before', 'DMA before kexec', 'found: 1'],
      ['issue-42-fixed', 'issue # 42 fixed', undefined],
    ],
    'a diagnostic only for a failure',
  );
  t.equal(scenarioVerdict(summary, 1), 'fail');
});

t.test('verdicts', async (t) => {
  t.equal(scenarioVerdict(parseTap('ok 1 - a\nok 2 - b # TODO x\n1..2\n'), 0), 'pass');
  t.equal(scenarioVerdict(parseTap('1..0 # skip run through make scenario\n'), 0), 'skip');
  t.equal(scenarioVerdict(parseTap(''), 0), 'fail', 'no test points is never a pass');
  t.equal(scenarioVerdict(parseTap('ok 1 - a\n1..3\n'), 0), 'fail', 'fewer points than planned');
  t.equal(scenarioVerdict(parseTap('ok 1 - a\n1..1\n'), 1), 'fail', 'non-zero exit');
  t.equal(scenarioVerdict(parseTap('ok 1 - a\nBail out! guest died\n'), 0), 'fail');
});

t.test('JUnit escapes and counts', async (t) => {
  const xml = renderJunit([{ name: 'boot', durationMs: 1500, points: judgePoints('boot', parseTap(tapText).points, [], '7.3'), error: { code: 'GUEST', message: 'panic <here>\u0007', detail: 'serial tail' } }]);
  t.match(xml, /<testsuite name="boot" tests="5" failures="1" errors="1" skipped="2" time="1.500">/);
  t.match(xml, /panic &lt;here&gt;/);
  t.notOk(xml.includes('\u0007'), 'control characters stripped from the XML');
  t.match(xml, /<skipped message="todo: kernel does not preserve the device"\/>/);
});

t.test('a bracketed id at the start of a name is the check id, stripped from the name', async (t) => {
  const summary = parseTap(
    [
      'ok 1 - [dma.after.00:04.0.above-4g] after kexec 0000:00:04.0: DMA at IOVA 0x100000000: 10 transfers',
      'not ok 2 - [kho.found] new kernel logs "KHO: found kexec handover data"',
      'ok 3 - [kho.found] the same id again # SKIP later',
      '1..3',
    ].join('\n'),
  );
  t.same(
    summary.points.map((point) => [point.id, point.explicitId, point.name, point.status]),
    [
      ['dma.after.00:04.0.above-4g', true, 'after kexec 0000:00:04.0: DMA at IOVA 0x100000000: 10 transfers', 'pass'],
      ['kho.found', true, 'new kernel logs "KHO: found kexec handover data"', 'fail'],
      ['kho.found-2', true, 'the same id again', 'skip'],
    ],
  );
});

t.test('a point without an id gets one derived from its name, stable across values in parentheses', async (t) => {
  const first = parseTap('ok 1 - boot_id changed (1111 -> 2222)\nok 2 - edu device at 0000:00:04.0\nok 3 - edu device at 0000:00:04.0\n1..3\n');
  const second = parseTap('ok 1 - boot_id changed (3333 -> 4444)\n1..1\n');
  t.equal(first.points[0]?.id, 'boot-id-changed');
  t.equal(second.points[0]?.id, first.points[0]?.id, 'a value in parentheses does not change the id');
  t.equal(first.points[0]?.explicitId, false);
  t.same([first.points[1]?.id, first.points[2]?.id], ['edu-device-at-0000-00-04-0', 'edu-device-at-0000-00-04-0-2'], 'repeats numbered');
  t.equal(derivedCheckId('!!!'), 'unnamed');
  t.equal(derivedCheckId('x'.repeat(200)).length, 80);
});
