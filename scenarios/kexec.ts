// kexec: a live-update kexec into the same kernel hands over KHO state and LUO counts it.
import t from 'tap';
import { parseLiveUpdateLog } from '../harness/checks/live-update-log.ts';
import { runScenario } from '../harness/scenario/run-scenario.ts';

export const description = 'kexec -s into the next kernel: new boot_id, KHO data found, liveupdate number 1, exec count 1';

await runScenario(t, async (session) => {
  const guest = await session.boot();
  const before = await guest.bootId();
  const { dmesg } = await session.kexec(guest);
  const after = await guest.bootId();
  t.not(after, before, `boot_id changed (${before} -> ${after})`);

  const log = parseLiveUpdateLog(dmesg);
  session.facts.liveUpdateLog = log;
  t.ok(log.khoFound, 'new kernel logs "KHO: found kexec handover data"');
  t.equal(log.liveupdateNumber, 1, 'new kernel logs "liveupdate number: 1"');
  t.equal(log.execFrom?.count, 1, 'new kernel logs "exec from ... (count 1)"');
  t.equal(log.execFrom?.release, session.context.kernel.release, 'exec from names the previous kernel release');
});
