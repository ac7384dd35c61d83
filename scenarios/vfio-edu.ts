// vfio-edu: edu devices handed to userspace through VFIO, across a live-update kexec. The first edu (behind a PCIe
// root port) is preserved in a LUO session and taken back after the kexec step by step, as the VFIO live-update
// uAPI defines it; the second (on the root bus) is the control. DMA through the IOMMU, MSI armed from scratch,
// config space diffed, and QEMU's record of every config write from `kexec -e` to FINISH, by phase.
import { deviceIdentity, identityChanges } from '../harness/checks/device-identity.ts';
import { barChanges, bridgeChanges, busMasterEnabled } from '../harness/checks/preservation.ts';
import type { Test } from 'tap';
import type { LiveGuest } from '../harness/guest/live-guest.ts';
import { assertDma, assertInflightKnown, assertMsi, assertNoKernelWrites, assertRetrieveSteps, assertStep, dmaAddresses, exerciseDevices, msiBeforeArm, msiCpu, preservationSupport, slug } from '../harness/scenario/device-checks.ts';
import * as v from 'valibot';
import { assertCpusOnline } from '../harness/scenario/cpu-checks.ts';
import { defineScenario, evidence } from '../harness/scenario/define-scenario.ts';
import type { DeviceDiff } from '../harness/guest/kexec-evidence.ts';

async function bindAll(t: Test, guest: LiveGuest, when: string): Promise<void> {
  for (const bdf of guest.eduDevices) {
    const bound = await guest.pci.bindToVfio(bdf);
    t.equal(bound.driver, 'vfio-pci', `[vfio-bind@${bdf}.${slug(when)}] ${when} ${bdf}: bound to vfio-pci via driver_override`);
  }
}

export default defineScenario({
  manifest: {
    name: 'vfio-edu',
    description:
      'edu through VFIO across kexec: the preserved device retrieved, bound, used and finished step by step (todo when the kernel lacks VFIO preservation), the control re-armed; DMA, MSI, config diff and phase-attributed write audit',
    area: 'device',
    // Two CPUs at least, whatever CPUS= says: each MSI is routed off CPU 0 and counted where it lands.
    needs: { cpus: 2 },
    judges: [{ property: 'vfio-retrieve-finish', checks: ['retrieve-session', 'retrieve-device', 'bind-iommufd', 'finish'] }],
    facts: v.object({
      vfioPreservation: v.object({ bdf: v.string(), supported: v.boolean(), errno: v.nullable(v.string()) }),
      configDiff: evidence<DeviceDiff[]>(),
      inflightDma: evidence<object>(),
      configWritesToFinish: evidence<object[]>(),
    }),
  },
  async run(t, session) {
    const guest = await session.boot();
    const [preserved = '', control = ''] = guest.eduDevices;
    const bridge = guest.upstreamBridgeOf(preserved);
    await bindAll(t, guest, 'before kexec');
    await session.timeline.phase('exercise-before', () => exerciseDevices(t, guest, guest.eduDevices, 'before kexec', { msiMustStartDisabled: false, configEvidence: 'before' }));

    // Property 9 first: a device preserved with its MSI still armed must make the kexec fail, and the old kernel live on.
    await guest.loadNextKernel();
    const refusal = await guest.vfio.refuseKexec(preserved, 'vfio-edu-armed');
    const { supported, errno, todo } = preservationSupport(refusal);
    session.facts.vfioPreservation = { bdf: preserved, supported, errno };
    t.comment(supported ? `${preserved}: the kernel accepts a VFIO cdev fd into a LUO session` : `${preserved}: ${String(todo)}`);
    assertStep(t, refusal.steps, 'kexec', 'refused', `[kexec-refused-msi-armed] ${preserved} preserved with MSI armed: the kexec is refused`, { todo });
    t.equal(await guest.bootId(), guest.generation.bootId, '[old-kernel-runs-after-refusal] after the refused kexec the old kernel still runs', { todo });
    const fdAnswer = refusal.steps.find((step) => step.step === 'device-fd-after-refused-kexec');
    if (fdAnswer) t.comment(`after the refused kexec the device fd answered ${fdAnswer.errno ?? 'success'} to VFIO_DEVICE_GET_INFO`);

    // Closed (the helper exited), opened again and preserved properly: every IRQ off, a DMA ready to start.
    const { preserve, holder, steps } = await guest.vfio.preserve(preserved, 'vfio-edu');
    t.ok(preserve.supported, `[preserve-fd] ${preserved}: reopened with every IRQ off, PRESERVE_FD accepts it (${preserve.errno ?? 'success'})`, { todo });
    if (holder) assertStep(t, steps, 'preserve-inflight-memfd', 'succeeds', '[preserve-inflight-memfd] the memfd the in-flight DMA writes into is preserved with it');

    // The DMA starts right before `kexec -e`; the evidence window starts there too.
    const kexec = await guest.kexecWithConfigEvidence({ beforeExec: holder ? `kill -USR1 ${holder.pid}` : undefined });
    const { before, after, diffs } = kexec.config;
    assertCpusOnline(t, kexec);
    session.facts.configDiff = diffs.filter((diff) => diff.entries.length > 0 || diff.presence !== 'both');

    for (const bdf of [preserved, control]) {
      const old = before.find((snapshot) => snapshot.bdf === bdf);
      const now = after.find((snapshot) => snapshot.bdf === bdf);
      const identity = old && now ? identityChanges(deviceIdentity(old), deviceIdentity(now)) : ['absent'];
      t.same(identity, [], `[same-device@${bdf}] after kexec ${bdf}: same device at the same BDF${identity.length ? ` (${identity.join('; ')})` : ''}`);
      if (!old || !now) continue;
      const check = (ok: boolean, message: string) => (bdf === preserved ? t.ok(ok, message, { todo }) : t.comment(`observed (not preserved): ${message} -> ${ok ? 'yes' : 'no'}`));
      const bars = barChanges(old, now);
      check(bars.length === 0, `[bars-kept@${bdf}] ${bdf}: BARs kept${bars.length ? ` (${bars.join('; ')})` : ''}`);
      check(busMasterEnabled(old) === busMasterEnabled(now), `[bus-master-kept@${bdf}] ${bdf}: Bus Master ${busMasterEnabled(old) ? 'on' : 'off'} before, ${busMasterEnabled(now) ? 'on' : 'off'} after`);
      check(now.driver === null, `[no-driver-bound@${bdf}] ${bdf}: no driver bound on its own after kexec (${now.driver ?? 'none'})`);
    }
    const bridgeBefore = before.find((snapshot) => snapshot.bdf === bridge);
    const bridgeAfter = after.find((snapshot) => snapshot.bdf === bridge);
    if (bridgeBefore && bridgeAfter) {
      const changes = bridgeChanges(bridgeBefore, bridgeAfter);
      t.same(changes, [], `[bridge-kept@${bridge}] upstream bridge ${bridge}: bus numbers and windows kept${changes.length ? ` (${changes.join('; ')})` : ''}`, { todo });
    }

    await bindAll(t, guest, 'after kexec');
    if (holder) {
      // The way back, in the order the uAPI defines it; FINISH ends the window.
      const resume = await session.timeline.phase('retrieve-to-finish', () => guest.vfio.resume(preserved, 'vfio-edu', holder.inflightSeed, msiCpu(guest)));
      assertRetrieveSteps(t, resume.steps, preserved);
      assertDma(t, `[dma-retrieved] after kexec ${preserved}: DMA at IOVA 0x${dmaAddresses[0]?.toString(16) ?? ''} on the retrieved fd`, { ...resume, exitCode: resume.run.exitCode });
      const msiState = msiBeforeArm(resume.states);
      t.ok(
        msiState !== undefined && !msiState.enabled && msiState.address === 0n && msiState.data === 0,
        `[msi-cleared-retrieved] after kexec ${preserved}: MSI found disabled and cleared (control 0x${msiState?.control.toString(16) ?? '?'}, address 0x${msiState?.address.toString(16) ?? '?'}, data 0x${msiState?.data.toString(16) ?? '?'})`,
      );
      assertMsi(t, `[msi-retrieved] after kexec ${preserved}: MSI armed from scratch`, resume.msi, resume.errors);
      assertStep(t, resume.steps, 'finish', 'succeeds', '[finish] FINISH succeeds once the device is retrieved and bound');
      session.facts.inflightDma = resume.inflight ?? { outcome: 'unknown', errors: resume.errors };
      assertInflightKnown(t, resume.inflight, resume.errors);

      // The promise is about the kernels; userspace's own writes (the new owner setting the device up) are counted apart.
      const audit = await guest.auditWritesSinceKexec(kexec, 'kexec-to-finish');
      session.facts.configWritesToFinish = audit.inWindow.map((device) => ({ bdf: device.bdf, qemuDevice: device.qemuDevice, ...device.counts }));
      assertNoKernelWrites(t, audit, [preserved, bridge ?? '']);
      const afterFinish = await guest.vfio.dma(preserved, dmaAddresses[0] ?? 0n);
      assertDma(t, `[dma-after-finish] after FINISH ${preserved}: the device works opened again`, { ...afterFinish, exitCode: afterFinish.run.exitCode });
    } else {
      const writes = kexec.config.audit.inWindow.find((device) => device.bdf === preserved)?.writes ?? [];
      t.ok(writes.length === 0, `[no-writes-to-ssh@${preserved}] ${preserved}: no config writes between kexec -e and SSH in the new kernel (saw ${writes.length})`, { todo });
    }

    await session.timeline.phase('exercise-after', () => exerciseDevices(t, guest, holder ? [control] : [preserved, control], 'after kexec', { msiMustStartDisabled: true, configEvidence: 'after' }));
  },
});
