// vfio-edu: edu devices handed to userspace through VFIO, across a live-update kexec: DMA through the IOMMU,
// MSI armed again from scratch, config space diffed, and QEMU's record of every config write in the kexec window.
import t from 'tap';
import { deviceIdentity, identityChanges } from '../harness/checks/device-identity.ts';
import { barChanges, busMasterEnabled } from '../harness/checks/preservation.ts';
import type { LiveGuest } from '../harness/guest/live-guest.ts';
import { runScenario } from '../harness/scenario/run-scenario.ts';

export const description = 'edu through VFIO across kexec: DMA above 4 GiB, MSI re-armed with exact counts, config diff and write audit; preservation checks todo when the kernel lacks it';

const dmaAddresses = [0x1_0000_0000n, 0x1000_0000n];
const msiRaises = 8;

/** DMA at each IOVA and MSI on one device: every transfer verified, one event per raise, nothing spurious. */
async function exerciseDevice(guest: LiveGuest, bdf: string, when: string, msiMustStartDisabled: boolean): Promise<void> {
  for (const iova of dmaAddresses) {
    const dma = await guest.vfio.dma(bdf, iova);
    const summary = dma.summary;
    const failed = dma.transfers.find((transfer) => !transfer.ok);
    const detail = failed ? `; first failure size ${failed.size} offset ${failed.offset}: ${failed.problems.join('; ')}` : dma.errors ? `; ${dma.errors}` : '';
    t.ok(
      summary !== undefined && summary.transfers > 0 && summary.failures === 0 && dma.run.exitCode === 0,
      `${when} ${bdf}: DMA at IOVA 0x${iova.toString(16)}: ${summary?.transfers ?? 0} transfers, ${summary?.bytesChecked ?? 0} bytes verified${detail}`,
    );
  }
  const msi = await guest.vfio.msi(bdf, msiRaises);
  if (msiMustStartDisabled) {
    // The kernel's own view (sysfs), not VFIO's virtualised one: MSI Enable must be clear until userspace arms it.
    const state = msi.states.find((candidate) => candidate.phase === 'before-arm' && candidate.source === 'sysfs');
    t.equal(state?.enabled, false, `${when} ${bdf}: MSI disabled until armed (MSI control 0x${state?.control.toString(16) ?? '?'})`);
  }
  const result = msi.result;
  const verdict = result?.ok ? `per raise [${result.perRaise.join(',')}], ${result.spurious} spurious` : result?.problems.join('; ') || msi.errors;
  t.ok(result?.ok === true && msi.run.exitCode === 0, `${when} ${bdf}: MSI ${result?.received ?? 0}/${msiRaises} events, ${verdict}`);
}

async function bindAll(guest: LiveGuest, when: string): Promise<void> {
  for (const bdf of guest.eduDevices) {
    const bound = await guest.pci.bindToVfio(bdf);
    t.equal(bound.driver, 'vfio-pci', `${when} ${bdf}: bound to vfio-pci via driver_override`);
  }
}

await runScenario(t, async (session) => {
  const guest = await session.boot();
  await bindAll(guest, 'before kexec');
  await session.timeline.phase('exercise-before', async () => {
    for (const bdf of guest.eduDevices) {
      await guest.vfio.config(bdf);
      await exerciseDevice(guest, bdf, 'before kexec', false);
    }
  });

  // Offer the first device for preservation: the answer says which checks are real and which are todo.
  const offered = guest.eduDevices[0] ?? '';
  const preserve = await guest.vfio.preserve(offered, 'vfio-edu');
  session.facts.vfioPreservation = { bdf: offered, supported: preserve.supported, errno: preserve.errno };
  const todo = preserve.supported ? false : `kernel lacks VFIO preservation (PRESERVE_FD of the VFIO cdev: ${preserve.errno ?? 'refused'})`;
  t.comment(preserve.supported ? `${offered} preserved in LUO session vfio-edu` : `${offered}: ${String(todo)}`);

  // The write window runs from `kexec -e` until the new kernel's userspace answers, before any device is touched.
  const { before, after, diffs, audit } = (await guest.kexecWithConfigEvidence()).config;
  session.facts.configDiff = diffs.filter((diff) => diff.entries.length > 0 || diff.presence !== 'both');
  session.facts.configWritesInWindow = audit.inWindow.map((device) => ({ bdf: device.bdf, qemuDevice: device.qemuDevice, ...device.counts }));

  for (const bdf of guest.eduDevices) {
    const old = before.find((snapshot) => snapshot.bdf === bdf);
    const now = after.find((snapshot) => snapshot.bdf === bdf);
    const identity = old && now ? identityChanges(deviceIdentity(old), deviceIdentity(now)) : ['absent'];
    t.same(identity, [], `after kexec ${bdf}: same device at the same BDF${identity.length ? ` (${identity.join('; ')})` : ''}`);
    if (!old || !now) continue;
    const writes = audit.inWindow.find((device) => device.bdf === bdf)?.writes ?? [];
    const registers = [...new Set(writes.map((write) => write.register))].join(', ');
    const bars = barChanges(old, now);
    const preserved = bdf === offered;
    const check = (ok: boolean, message: string) => (preserved ? t.ok(ok, message, { todo }) : t.comment(`observed (not preserved): ${message} -> ${ok ? 'yes' : 'no'}`));
    check(writes.length === 0, `${bdf}: no config writes between kexec -e and SSH in the new kernel (saw ${writes.length}${registers ? `: ${registers}` : ''})`);
    check(bars.length === 0, `${bdf}: BARs kept${bars.length ? ` (${bars.join('; ')})` : ''}`);
    check(
      busMasterEnabled(old) === busMasterEnabled(now),
      `${bdf}: Bus Master ${busMasterEnabled(old) ? 'on' : 'off'} before, ${busMasterEnabled(now) ? 'on' : 'off'} after`,
    );
    check(now.driver === null, `${bdf}: no driver bound on its own after kexec (${now.driver ?? 'none'})`);
  }

  await bindAll(guest, 'after kexec');
  await session.timeline.phase('exercise-after', async () => {
    for (const bdf of guest.eduDevices) {
      if (preserve.supported && bdf === offered) {
        t.pass(`after kexec ${bdf}: DMA and MSI`, { skip: 'taking a preserved device fd back from its LUO session is not implemented in vfio-edu yet' });
        continue;
      }
      await exerciseDevice(guest, bdf, 'after kexec', true);
      await guest.vfio.config(bdf);
    }
  });
});
