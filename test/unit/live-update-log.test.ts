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
