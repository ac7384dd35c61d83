// kselftest: the kernel tree's own live-update selftests, run in the guest as a kernel developer would: liveupdate,
// then every two-stage test's stage 1, one kexec (the harness's), every stage 2. upstream's VFIO tests run on the igb
// bound to vfio-pci, driven by upstream's own igb driver (libvfio): the device tests on every kernel, the live-update
// ones where the tree has them (on the first edu when the QEMU has no igb). Each upstream case is its own point.
import { installPrograms, ktapArguments, planPrograms, reportLeftOut, runKtapProgram, runStage, skipProgram, skipStage2, type UpstreamVerdicts } from '../harness/scenario/kselftest-checks.ts';
import type { SelftestProgram } from '../images/selftests/build.ts';
import { igbMissing } from '../harness/scenario/igb-availability.ts';
import * as v from 'valibot';
import { assertCpusOnline } from '../harness/scenario/cpu-checks.ts';
import { defineScenario } from '../harness/scenario/define-scenario.ts';

export default defineScenario({
  manifest: {
    name: 'kselftest',
    description:
      "the kernel source's live-update selftests and upstream's VFIO tests on the igb (live-update ones on edu without an igb), built against its headers; two-stage tests across one harness kexec; every upstream case a point",
    area: 'upstream',
    needs: { selftests: true, igb: true },
    judgedBy: 'upstream',
    judges: [
      // Stage 2 runs in the kernel the update went into: only it says whether the state arrived.
      { property: 'memfd-preservation', checks: ['upstream/luo_kexec_simple/stage-2', 'upstream/luo_multi_session/stage-2', 'upstream/luo_stress_sessions/stage-2', 'upstream/luo_stress_files/stage-2'] },
      { property: 'luo-uapi', checks: ['upstream/liveupdate/*'] },
      { property: 'vfio-retrieve-finish', checks: ['upstream/vfio_pci_liveupdate_kexec_test/stage-2'] },
      // upstream's igb driver copies memory by DMA through a loopback ring and raises MSI-X vector 0.
      { property: 'igb-dma', checks: ['upstream/vfio_pci_driver_test/*.memcpy_success', 'upstream/vfio_pci_driver_test/*.memcpy_storm', 'upstream/vfio_pci_driver_test/*.mix_and_match'] },
      { property: 'igb-msix', checks: ['upstream/vfio_pci_driver_test/*.send_msi', 'upstream/vfio_pci_driver_test/*.mix_and_match'] },
    ],
    acrossVersions: true,
    facts: v.object({
      selftests: v.object({ dir: v.string(), programs: v.array(v.string()) }),
      upstream: v.record(v.string(), v.picklist(['pass', 'fail', 'skip'])),
      vfioSelftestDriver: v.object({ bdf: v.string(), driver: v.nullable(v.literal('igb')) }),
    }),
  },
  async run(t, session) {
    const { selftests } = session.context;
    if (!selftests || 'unavailable' in selftests) {
      t.plan(0, selftests ? selftests.unavailable : 'the run did not build the selftests (run it as make scenario S=kselftest)');
      return;
    }
    const { dir } = selftests;
    session.facts.selftests = { dir, programs: selftests.programs.map((program) => program.name) };
    const upstream: UpstreamVerdicts = {};
    session.facts.upstream = upstream;

    const guest = await session.boot();
    const { runs, skips } = planPrograms(selftests.programs, { igb: guest.igbDevice, edu: guest.eduDevices[0], igbMissing: igbMissing(session.context) ?? 'the guest has no igb' });
    const programs = runs.map((run) => run.program);
    const bdfOf = (program: SelftestProgram) => runs.find((run) => run.program === program)?.device?.bdf;
    await session.timeline.phase('install', () => installPrograms(guest, dir, programs));
    const bind = async (programsNow: readonly SelftestProgram[], when: 'before-kexec' | 'after-kexec') => {
      for (const bdf of new Set(programsNow.flatMap((program) => bdfOf(program) ?? []))) {
        const bound = await guest.pci.bindToVfio(bdf);
        t.equal(bound.driver, 'vfio-pci', `[vfio-bind@${bdf}.${when}] ${bdf} bound to vfio-pci for the VFIO selftests`);
      }
    };
    await bind(programs, 'before-kexec');
    // What the VFIO tests ran on decides what they could show: edu has no upstream driver, so no DMA in flight.
    const device = runs.find((run) => run.device)?.device;
    if (device) {
      session.facts.vfioSelftestDriver = { bdf: device.bdf, driver: device.model === 'igb' ? 'igb' : null };
      if (device.model === 'edu') t.comment(`edu has no VFIO selftests driver: the kexec test preserves ${device.bdf} with no DMA in flight, its busy-device part is not exercised`);
    }

    await session.timeline.phase('ktap-tests', async () => {
      for (const { program, reason } of skips) skipProgram(t, upstream, program, reason);
      for (const program of programs.filter((candidate) => candidate.kind === 'ktap')) {
        const { args, leftOut } = ktapArguments(program, session.context.guest.accel.accel, bdfOf(program));
        if (leftOut) reportLeftOut(t, program, leftOut);
        await runKtapProgram(t, guest, upstream, program, args);
      }
    });

    const twoStage = programs.filter((program) => program.kind === 'two-stage');
    const stage1 = new Map<string, string>();
    await session.timeline.phase('stage-1', async () => {
      for (const program of twoStage) stage1.set(program.name, await runStage(t, guest, upstream, program, 1, bdfOf(program)));
    });

    const kexec = await guest.kexec();
    const { log } = kexec;
    assertCpusOnline(t, kexec);
    t.equal(log.liveupdateNumber, 1, '[liveupdate-number] the new kernel retrieved the live update data (liveupdate number 1)');

    await session.timeline.phase('stage-2', async () => {
      await installPrograms(guest, dir, twoStage);
      await bind(twoStage, 'after-kexec');
      for (const program of twoStage) {
        const first = stage1.get(program.name);
        if (first === 'pass') await runStage(t, guest, upstream, program, 2, bdfOf(program));
        else skipStage2(t, upstream, program, first === 'skip' ? 'skip' : 'fail');
      }
    });
  },
});
