import { readFileSync } from 'node:fs';
import t from 'tap';
import { exitVerdict, parseKtap } from '../../harness/checks/ktap.ts';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/kselftest/${name}`, import.meta.url), 'utf8');

t.test('liveupdate on 7.3.4, as recorded: 15 cases, each by upstream name, all passing', async (t) => {
  const ktap = parseKtap(fixture('gen0-liveupdate.txt'));
  t.equal(ktap.planned, 15);
  t.equal(ktap.cases.length, 15);
  t.same(ktap.cases[0], { name: 'liveupdate_device.basic_open_close', verdict: 'pass' });
  t.same(ktap.cases.at(-1), { name: 'liveupdate_device.preserve_many_files', verdict: 'pass' });
  t.ok(ktap.cases.every((test) => test.verdict === 'pass'));
  t.equal(ktap.bailedOut, undefined);
});

t.test('the VFIO uapi test on the series kernel, as recorded: skips keep upstream reason', async (t) => {
  const ktap = parseKtap(fixture('gen0-vfio_pci_liveupdate_uapi_test.txt'));
  t.equal(ktap.cases.length, 15);
  t.equal(ktap.cases.filter((test) => test.verdict === 'pass').length, 13);
  t.same(ktap.cases.at(-1), { name: 'vfio_pci_liveupdate_uapi_test.iommufd.preserve_container_fails', verdict: 'skip', reason: 'iommufd-mode does not have container files' });
});

t.test('two-stage programs report by exit status (as recorded: stage 1 before kexec, stage 2 after)', async (t) => {
  const exit = (text: string) => Number(/^# exit (\d+)/m.exec(text)?.[1]);
  for (const name of ['gen0-luo_stress_files-stage-1.txt', 'gen1-luo_kexec_simple-stage-2.txt', 'gen1-vfio_pci_liveupdate_kexec_test-stage-2.txt']) {
    const text = fixture(name);
    t.same(exitVerdict(exit(text), text), { verdict: 'pass' }, name);
    t.same(parseKtap(text).cases, [], `${name}: no KTAP case lines`);
  }
});

// The lines below follow kselftest.h and kselftest_harness.h's formats (no recorded run had a failing case or a whole-program skip).
t.test('a failing case keeps what it printed; a skipped one keeps upstream reason', async (t) => {
  const ktap = parseKtap(
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

t.test('a whole program skipped, and ksft exit codes', async (t) => {
  t.equal(parseKtap('TAP version 13\n1..0 # SKIP Failed to open /dev/liveupdate\n').skippedAll, 'Failed to open /dev/liveupdate');
  t.same(exitVerdict(4, '# Failed to open /dev/liveupdate. Is the luo module loaded?\n'), { verdict: 'skip', reason: 'skip: Failed to open /dev/liveupdate. Is the luo module loaded?' });
  t.same(exitVerdict(1, 'Bail out! Stage mismatch Requested stage 2, but system is in stage 1.\n# Totals: pass:0 fail:0\n'), {
    verdict: 'fail',
    reason: 'exit 1: Stage mismatch Requested stage 2, but system is in stage 1.',
  });
  t.equal(exitVerdict(139, '').verdict, 'fail', 'a crash is a failure');
});
