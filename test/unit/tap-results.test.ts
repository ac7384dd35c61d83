import t from 'tap';
import { parseTap, scenarioVerdict } from '../../harness/results/tap-results.ts';
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
  const xml = renderJunit([{ name: 'boot', durationMs: 1500, tap: parseTap(tapText), error: { code: 'GUEST', message: 'panic <here>\u0007', detail: 'serial tail' } }]);
  t.match(xml, /<testsuite name="boot" tests="5" failures="1" errors="1" skipped="2" time="1.500">/);
  t.match(xml, /panic &lt;here&gt;/);
  t.notOk(xml.includes('\u0007'), 'control characters stripped from the XML');
  t.match(xml, /<skipped message="todo: kernel does not preserve the device"\/>/);
});
