import t from 'tap';
import { parseLiveUpdateLog } from '../../harness/checks/live-update-log.ts';

t.test('a boot after a live-update kexec', async (t) => {
  const log = `[    0.000000] Linux version 7.3.4 (luo-harness@host)
[    0.012345] KHO: found kexec handover data.
[    0.456789] KHO: exec from: 7.3.4 (count 2)
[    0.500000] luo: Retrieved live update data, liveupdate number: 2
`;
  t.same(parseLiveUpdateLog(log), { khoFound: true, liveupdateNumber: 2, execFrom: { release: '7.3.4', count: 2 }, warnings: [] });
});

t.test('a cold boot carries nothing', async (t) => {
  const log = parseLiveUpdateLog('[    0.000000] Linux version 7.3.4\n[    1.0] Run /init as init process\n');
  t.equal(log.khoFound, false);
  t.equal(log.liveupdateNumber, undefined);
  t.equal(log.execFrom, undefined);
});

t.test('refusals are kept as warnings', async (t) => {
  const log = parseLiveUpdateLog('[    0.1] luo: Disabling liveupdate because KHO is disabled\n');
  t.same(log.warnings, ['luo: Disabling liveupdate because KHO is disabled']);
});

t.test('a real serial log of the kernel a kexec booted', async (t) => {
  const { readFileSync } = await import('node:fs');
  const log = readFileSync(new URL('../fixtures/kexec-run/serial-gen1.log', import.meta.url), 'utf8');
  const parsed = parseLiveUpdateLog(log);
  t.ok(parsed.khoFound);
  t.equal(parsed.liveupdateNumber, 1);
  t.same(parsed.execFrom, { release: '7.3.4', count: 1 });
});

t.test('a kernel that refuses a handler it does not know says so among the warnings (recorded: the mismatch kernel)', async (t) => {
  const { readFileSync } = await import('node:fs');
  const log = parseLiveUpdateLog(readFileSync(new URL('../fixtures/luo-mismatch/dmesg-gen1-maintenance.log', import.meta.url), 'utf8'));
  t.match(log.warnings, [/luo: No registered handler for compatible 'memfd-v2'/]);
});

t.test('the CPUs a kernel lists online and says it brought up', async (t) => {
  const { countCpus, cpusBroughtUp } = await import('../../harness/guest/live-guest.ts');
  t.same(['0', '0-1', '0-3', '0,2-3', '0-3,5,7-8'].map(countCpus), [1, 2, 4, 3, 7]);
  t.equal(cpusBroughtUp('[    0.12] smp: Brought up 1 node, 4 CPUs\n'), 4);
  t.equal(cpusBroughtUp('[    0.12] smp: Brought up 1 node, 1 CPU\n'), 1);
  t.equal(cpusBroughtUp('no such line'), undefined);
});
