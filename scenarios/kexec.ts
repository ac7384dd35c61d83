// kexec: a live-update kexec into the same kernel hands over KHO state and LUO counts it.
import * as v from 'valibot';
import type { LiveUpdateLog } from '../harness/checks/live-update-log.ts';
import { assertCpusOnline } from '../harness/scenario/cpu-checks.ts';
import { defineScenario, evidence } from '../harness/scenario/define-scenario.ts';

export default defineScenario({
  manifest: {
    name: 'kexec',
    description: 'kexec -s into the next kernel: new boot_id, KHO data found, liveupdate number 1, exec count 1',
    area: 'kexec',
    acrossVersions: true,
    facts: v.object({ liveUpdateLog: evidence<LiveUpdateLog>() }),
    // Boot, kexec, check the handover: what the kernel's own luo_kexec_simple does, so the bench compares the two.
    benchSubject: true,
  },
  async run(t, session) {
    const guest = await session.boot();
    const report = await guest.kexec();
    const { from, to, log } = report;
    t.not(to.bootId, from.bootId, `[boot-id-changed] boot_id changed (${from.bootId} -> ${to.bootId})`);
    t.equal(await guest.bootId(), to.bootId, '[new-kernel-answers] the kernel answering SSH is the new one');

    session.facts.liveUpdateLog = log;
    t.ok(log.khoFound, '[kho-found] new kernel logs "KHO: found kexec handover data"');
    t.equal(log.liveupdateNumber, 1, '[liveupdate-number] new kernel logs "liveupdate number: 1"');
    t.equal(log.execFrom?.count, 1, '[kho-exec-count] new kernel logs "exec from ... (count 1)"');
    t.equal(log.execFrom?.release, session.context.kernel.release, '[kho-exec-from-release] exec from names the previous kernel release');
    assertCpusOnline(t, report);
  },
});
