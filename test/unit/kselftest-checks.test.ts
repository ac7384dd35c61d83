import t, { type Test } from 'tap';
import type { LiveGuest } from '../../harness/guest/live-guest.ts';
import { runKtapProgram, type UpstreamVerdicts } from '../../harness/scenario/kselftest-checks.ts';

/** runKtapProgram against a guest whose program prints `stdout` and exits `exitCode`; returns the points and comments it made. */
async function run(stdout: string, exitCode = 0): Promise<{ said: string[]; verdicts: UpstreamVerdicts }> {
  const guest = { generation: { index: 0 }, run: async () => ({ exitCode, stdout, stderr: '' }), save: async () => {} } as unknown as LiveGuest;
  const said: string[] = [];
  const test = {
    pass: (label: string, extra?: { skip?: string }) => said.push(`ok ${label}${extra?.skip ? ` # SKIP ${extra.skip}` : ''}`),
    fail: (label: string) => said.push(`not ok ${label}`),
    comment: (message: string) => said.push(`# ${message}`),
  } as unknown as Test;
  const verdicts: UpstreamVerdicts = {};
  await runKtapProgram(test, guest, verdicts, { name: 'liveupdate', suite: 'liveupdate', kind: 'ktap' });
  return { said, verdicts };
}

t.test("a program's lines that are not KTAP are said in a comment: how many and the first three", async (t) => {
  const { said, verdicts } = await run(['TAP version 13', '1..1', 'warning: one', 'warning: two', 'ok 1 liveupdate_device.basic', 'warning: three', 'warning: four'].join('\n'));
  t.same(said, [
    '# liveupdate: 4 output line(s) are not KTAP (line 3: warning: one; line 4: warning: two; line 6: warning: three; ...)',
    'ok [upstream/liveupdate/liveupdate_device.basic] liveupdate: liveupdate_device.basic',
  ]);
  t.same(verdicts, { 'upstream/liveupdate/liveupdate_device.basic': 'pass' }, 'the lines judge nothing');
});

t.test('KTAP with every line readable: no comment', async (t) => {
  const { said } = await run('TAP version 13\n1..1\n# Starting 1 tests\nok 1 liveupdate_device.basic\n# Totals: pass:1\n');
  t.same(said, ['ok [upstream/liveupdate/liveupdate_device.basic] liveupdate: liveupdate_device.basic']);
});
