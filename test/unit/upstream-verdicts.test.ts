import { readFileSync } from 'node:fs';
import t from 'tap';
import { exitVerdict, upstreamResults } from '../../harness/checks/upstream-verdicts.ts';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/kselftest/${name}`, import.meta.url), 'utf8');

t.test('liveupdate on 7.3.4, as recorded: 15 cases, each by upstream name, all passing', async (t) => {
  const ktap = upstreamResults(fixture('gen0-liveupdate.txt'));
  t.equal(ktap.planned, 15);
  t.equal(ktap.cases.length, 15);
  t.same(ktap.cases[0], { name: 'liveupdate_device.basic_open_close', verdict: 'pass' });
  t.same(ktap.cases.at(-1), { name: 'liveupdate_device.preserve_many_files', verdict: 'pass' });
  t.ok(ktap.cases.every((test) => test.verdict === 'pass'));
  t.equal(ktap.bailedOut, undefined);
  t.same(ktap.unreadable, [], 'every line is KTAP (the harness appends "# exit 0", a comment)');
});

t.test('the VFIO uapi test on the series kernel, as recorded: skips keep upstream reason', async (t) => {
  const ktap = upstreamResults(fixture('gen0-vfio_pci_liveupdate_uapi_test.txt'));
  t.equal(ktap.cases.length, 15);
  t.equal(ktap.cases.filter((test) => test.verdict === 'pass').length, 13);
  t.same(ktap.cases.at(-1), { name: 'vfio_pci_liveupdate_uapi_test.iommufd.preserve_container_fails', verdict: 'skip', reason: 'iommufd-mode does not have container files' });
  t.same(ktap.unreadable, []);
});

t.test('two-stage programs report by exit status (as recorded: stage 1 before kexec, stage 2 after)', async (t) => {
  const exit = (text: string) => Number(/^# exit (\d+)/m.exec(text)?.[1]);
  for (const name of ['gen0-luo_stress_files-stage-1.txt', 'gen1-luo_kexec_simple-stage-2.txt', 'gen1-vfio_pci_liveupdate_kexec_test-stage-2.txt']) {
    const text = fixture(name);
    t.same(exitVerdict(exit(text), text), { verdict: 'pass' }, name);
    t.same(upstreamResults(text).cases, [], `${name}: no KTAP case lines`);
  }
});

t.test('what a program prints that is not KTAP is kept with its line number (as recorded)', async (t) => {
  t.same(upstreamResults(fixture('gen1-luo_kexec_simple-stage-2.txt')).unreadable, [{ line: 8, text: '--- SIMPLE KEXEC TEST PASSED ---' }]);
  const vfio = upstreamResults(fixture('gen1-vfio_pci_liveupdate_kexec_test-stage-2.txt')).unreadable;
  t.equal(vfio.length, 11, 'every printf line of the VFIO stage 2');
  t.same(vfio[0], { line: 1, text: 'Checking open(/dev/vfio/devices/vfio0) fails' });
  t.same(vfio.at(-1), { line: 11, text: 'Finishing the session' });
  t.same(upstreamResults(fixture('gen0-luo_stress_files-stage-1.txt')).unreadable, [], 'ksft_print_msg lines are comments');
});

// The lines below follow kselftest.h and kselftest_harness.h's formats (no recorded run had a failing case or a whole-program skip).
t.test('a failing case keeps what it printed; a skipped one keeps upstream reason', async (t) => {
  const ktap = upstreamResults(
    [
      'TAP version 13',
      '1..2',
      '#  RUN           fixture.broken ...',
      '# broken.c:42:broken:Expected 0 (0) == ret (-22)',
      '# broken: Test terminated by assertion',
      '#          FAIL  fixture.broken',
      'not ok 1 fixture.broken',
      '#  RUN           fixture.needs_device ...',
      '#      SKIP      no device',
      'ok 2 fixture.needs_device # SKIP no device',
    ].join('\n'),
  );
  t.same(ktap.cases, [
    { name: 'fixture.broken', verdict: 'fail', reason: 'broken.c:42:broken:Expected 0 (0) == ret (-22)\nbroken: Test terminated by assertion\nFAIL  fixture.broken' },
    { name: 'fixture.needs_device', verdict: 'skip', reason: 'no device' },
  ]);
});

t.test('a failure keeps only its last 5 messages, or says it printed none; XFAIL passes; a TODO is not judged', async (t) => {
  const ktap = upstreamResults(
    [
      'KTAP version 1',
      '1..4',
      ...['one', 'two', 'three', 'four', 'five', 'six'].map((said) => `# ${said}`),
      'not ok 1 chatty',
      '#  RUN           quiet ...',
      'not ok 2 quiet',
      'not ok 3 expected_to_break # XFAIL known bug',
      'not ok 4 unfinished # TODO not written yet',
    ].join('\n'),
  );
  t.same(ktap.cases, [
    { name: 'chatty', verdict: 'fail', reason: 'two\nthree\nfour\nfive\nsix' },
    { name: 'quiet', verdict: 'fail', reason: 'failed (no message)' },
    { name: 'expected_to_break', verdict: 'pass' },
    { name: 'unfinished', verdict: 'skip', reason: 'TODO not written yet' },
  ]);
});

t.test('a whole program skipped, a bail out, and ksft exit codes', async (t) => {
  t.equal(upstreamResults('TAP version 13\n1..0 # SKIP Failed to open /dev/liveupdate\n').skippedAll, 'Failed to open /dev/liveupdate');
  t.equal(upstreamResults('TAP version 13\n1..0\n').skippedAll, 'no tests');
  t.equal(upstreamResults('TAP version 13\n1..3\n').skippedAll, undefined, 'a plan of cases is no skip');
  t.equal(upstreamResults('1..2\nok 1 a\nBail out! lost the device\n').bailedOut, 'lost the device');
  t.equal(upstreamResults('1..2\nBail out!\n').bailedOut, 'bailed out');
  t.same(exitVerdict(4, '# Failed to open /dev/liveupdate. Is the luo module loaded?\n'), { verdict: 'skip', reason: 'skip: Failed to open /dev/liveupdate. Is the luo module loaded?' });
  t.same(exitVerdict(1, 'Bail out! Stage mismatch Requested stage 2, but system is in stage 1.\n# Totals: pass:0 fail:0\n'), {
    verdict: 'fail',
    reason: 'exit 1: Stage mismatch Requested stage 2, but system is in stage 1.',
  });
  t.equal(exitVerdict(139, '').verdict, 'fail', 'a crash is a failure');
});
