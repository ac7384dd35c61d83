import t from 'tap';
import { renderSummaryTable, type ScenarioResult } from '../../harness/results/summary.ts';

const base: ScenarioResult = {
  name: 'kexec',
  verdict: 'pass',
  durationMs: 5900,
  exitCode: 0,
  kernel: '7.3.4',
  accel: 'tcg',
  phases: [
    { name: 'boot-to-ssh', startedAt: '', durationMs: 2200, outcome: 'ok' },
    { name: 'kexec-to-ssh', startedAt: '', durationMs: 2100, outcome: 'ok' },
  ],
  counts: { pass: 5, fail: 0, skip: 0, todo: 0, expected: 0, unexpected: 0 },
  points: [],
  facts: {},
  artifactDir: '/r/kexec',
};

t.test('one row per scenario with verdict, counts and phase times, then the results path', async (t) => {
  const table = renderSummaryTable([base, { ...base, name: 'vfio-edu', verdict: 'fail', error: { code: 'GUEST', message: 'guest panicked', detail: 'serial tail' }, counts: { pass: 1, fail: 2, skip: 0, todo: 4, expected: 0, unexpected: 2 } }], '/r');
  const lines = table.split('\n');
  t.match(lines[0], /^scenario\s+result\s+pass\s+fail\s+skip\s+todo\s+expected\s+boot-ssh\s+kexec-ssh\s+total$/);
  t.match(lines[1], /^kexec\s+PASS\s+5\s+0\s+0\s+0\s+0\s+2\.2s\s+2\.1s\s+5\.9s$/);
  t.match(lines[2], /^vfio-edu\s+FAIL\s+1\s+2\s+0\s+4\s/);
  t.equal(lines[3], 'vfio-edu: GUEST: guest panicked', 'only the first line of an error');
  t.equal(lines.at(-1), 'results: /r');
});

t.test('a retried first boot is marked flaky', async (t) => {
  const table = renderSummaryTable([{ ...base, flakyBoot: { firstAttempt: 'timer', serialLog: 'serial-failed-boot.log' } }], '/r');
  t.match(table, /^kexec\s+PASS\*/m);
  t.match(table, /kexec\*: first boot failed and was retried \(flaky\)/);
});

t.test('a scenario with TAP lines that could not be read gets one line saying how many and the first', async (t) => {
  const stray = { line: 2, text: `debug ${'x'.repeat(100)}` };
  const table = renderSummaryTable([{ ...base, unreadableTap: [stray, { line: 9, text: 'more' }] }, { ...base, name: 'boot', unreadableTap: [{ line: 4, text: 'once' }] }, { ...base, name: 'clean' }], '/r');
  const said = table.split('\n').filter((line) => line.includes('could not be read'));
  t.same(said, [`kexec: 2 TAP lines could not be read (first: line 2: debug ${'x'.repeat(74)}...)`, 'boot: 1 TAP line could not be read (first: line 4: once)']);
});
