// kselftest: the kernel tree's own live-update selftests, run in the guest as a kernel developer would: liveupdate,
// then every two-stage test's stage 1, one kexec (the harness's), every stage 2. With the VFIO live-update selftests
// in the tree, they run too against the first edu device bound to vfio-pci. Each upstream case is its own point.
import { installPrograms, runKtapProgram, runStage, skipStage2, type UpstreamVerdicts } from '../harness/scenario/kselftest-checks.ts';
import * as v from 'valibot';
import { assertCpusOnline } from '../harness/scenario/cpu-checks.ts';
import { defineScenario } from '../harness/scenario/define-scenario.ts';

export default defineScenario({
  manifest: {
    name: 'kselftest',
    description:
      "the kernel source's live-update selftests (and VFIO live-update selftests on edu when present), built against its headers; two-stage tests across one harness kexec; every upstream case a point",
    area: 'upstream',
    needs: { selftests: true },
    judgedBy: 'upstream',
    judges: [
      // Stage 2 runs in the kernel the update went into: only it says whether the state arrived.
      { property: 'memfd-preservation', checks: ['upstream/luo_kexec_simple/stage-2', 'upstream/luo_multi_session/stage-2', 'upstream/luo_stress_sessions/stage-2', 'upstream/luo_stress_files/stage-2'] },
      { property: 'luo-uapi', checks: ['upstream/liveupdate/*'] },
      { property: 'vfio-retrieve-finish', checks: ['upstream/vfio_pci_liveupdate_kexec_test/stage-2'] },
    ],
    acrossVersions: true,
    facts: v.object({
      selftests: v.object({ dir: v.string(), programs: v.array(v.string()) }),
      upstream: v.record(v.string(), v.picklist(['pass', 'fail', 'skip'])),
      vfioSelftestDriver: v.object({ bdf: v.string(), driver: v.null() }),
    }),
  },
  async run(t, session) {
    const { selftests } = session.context;
    if (!selftests || 'unavailable' in selftests) {
      t.plan(0, selftests ? selftests.unavailable : 'the run did not build the selftests (run it as make scenario S=kselftest)');
      return;
    }
    const { dir, programs } = selftests;
    session.facts.selftests = { dir, programs: programs.map((program) => program.name) };
    const upstream: UpstreamVerdicts = {};
    session.facts.upstream = upstream;

    const guest = await session.boot();
    const [edu = ''] = guest.eduDevices;
    await session.timeline.phase('install', () => installPrograms(guest, dir, programs));
    if (programs.some((program) => program.needsDevice)) {
      const bound = await guest.pci.bindToVfio(edu);
      t.equal(bound.driver, 'vfio-pci', `[vfio-bind@${edu}.before-kexec] ${edu} bound to vfio-pci for the VFIO selftests`);
      t.comment(`edu has no VFIO selftests driver: the kexec test preserves ${edu} with no DMA in flight, its busy-device part is not exercised`);
      session.facts.vfioSelftestDriver = { bdf: edu, driver: null };
    }

    await session.timeline.phase('ktap-tests', async () => {
      for (const program of programs.filter((candidate) => candidate.kind === 'ktap')) {
        await runKtapProgram(t, guest, upstream, program, program.needsDevice ? edu : '');
      }
    });

    const twoStage = programs.filter((program) => program.kind === 'two-stage');
    const stage1 = new Map<string, string>();
    await session.timeline.phase('stage-1', async () => {
      for (const program of twoStage) stage1.set(program.name, await runStage(t, guest, upstream, program, 1, program.needsDevice ? edu : undefined));
    });

    const kexec = await guest.kexec();
    const { log } = kexec;
    assertCpusOnline(t, kexec);
    t.equal(log.liveupdateNumber, 1, '[liveupdate-number] the new kernel retrieved the live update data (liveupdate number 1)');

    await session.timeline.phase('stage-2', async () => {
      await installPrograms(guest, dir, twoStage);
      if (twoStage.some((program) => program.needsDevice)) {
        const bound = await guest.pci.bindToVfio(edu);
        t.equal(bound.driver, 'vfio-pci', `[vfio-bind@${edu}.after-kexec] ${edu} bound to vfio-pci again for stage 2`);
      }
      for (const program of twoStage) {
        const first = stage1.get(program.name);
        if (first === 'pass') await runStage(t, guest, upstream, program, 2, program.needsDevice ? edu : undefined);
        else skipStage2(t, upstream, program, first === 'skip' ? 'skip' : 'fail');
      }
    });
  },
});
