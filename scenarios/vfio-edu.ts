// vfio-edu: edu devices handed to userspace through VFIO, across a live-update kexec: DMA through the IOMMU,
// MSI armed again from scratch, config space diffed, and QEMU's record of every config write in the kexec window.
import t from 'tap';
import { commandBits } from '../harness/checks/register-bits.ts';
import { readRegister } from '../harness/checks/register.ts';
import type { DeviceSnapshot } from '../harness/guest/config-snapshot.ts';
import type { LiveGuest } from '../harness/guest/live-guest.ts';
import { bindToVfio } from '../harness/guest/pci.ts';
import type { VfioEdu } from '../harness/guest/vfio-edu.ts';
import { kexecWithConfigEvidence } from '../harness/scenario/config-evidence.ts';
import { runScenario } from '../harness/scenario/run-scenario.ts';
import { defaultTopology, slotBdf } from '../harness/vm/topology.ts';

export const description = 'edu through VFIO across kexec: DMA above 4 GiB, MSI re-armed with exact counts, config diff and write audit; preservation checks todo when the kernel lacks it';

const bdfs = defaultTopology.eduDevices.map((edu) => slotBdf(edu.slot));
const dmaAddresses = [0x1_0000_0000n, 0x1000_0000n];
const msiRaises = 8;

/** DMA at each IOVA and MSI on one device: every transfer verified, one event per raise, nothing spurious. */
async function exerciseDevice(vfio: VfioEdu, bdf: string, when: string, msiMustStartDisabled: boolean): Promise<void> {
  for (const iova of dmaAddresses) {
    const dma = await vfio.dma(bdf, iova);
    const summary = dma.summary;
    const failed = dma.transfers.filter((transfer) => !transfer.ok);
    const detail = failed[0]?.mismatch
      ? `; first failure size ${failed[0].size} offset ${failed[0].offset}: byte ${failed[0].mismatch.firstBadOffset} expected 0x${failed[0].mismatch.expected.toString(16)} found 0x${failed[0].mismatch.found.toString(16)}`
      : dma.errors ? `; ${dma.errors}` : '';
    t.ok(
      summary !== undefined && summary.transfers > 0 && summary.failures === 0 && dma.run.exitCode === 0,
      `${when} ${bdf}: DMA at IOVA 0x${iova.toString(16)}: ${summary?.transfers ?? 0} transfers, ${summary?.bytesChecked ?? 0} bytes verified${detail}`,
    );
  }
  const msi = await vfio.msi(bdf, msiRaises);
  if (msiMustStartDisabled) {
    // The kernel's own view (sysfs), not VFIO's virtualised one: MSI Enable must be clear until userspace arms it.
    const state = msi.states.find((candidate) => candidate.phase === 'before-arm' && candidate.source === 'sysfs');
    t.equal(state?.enabled, false, `${when} ${bdf}: MSI disabled until armed (MSI control 0x${state?.control.toString(16) ?? '?'})`);
  }
  const result = msi.result;
  t.ok(
    result !== undefined && result.ok && result.received === msiRaises && result.perRaise.every((count) => count === 1) && result.spurious === 0,
    `${when} ${bdf}: MSI ${result?.received ?? 0}/${msiRaises} events, per raise [${result?.perRaise.join(',') ?? ''}], ${result?.spurious ?? '?'} spurious${msi.errors ? `; ${msi.errors}` : ''}`,
  );
}

async function bindAll(guest: LiveGuest, when: string): Promise<void> {
  for (const bdf of bdfs) {
    const bound = await bindToVfio(guest, bdf);
    t.equal(bound.driver, 'vfio-pci', `${when} ${bdf}: bound to vfio-pci via driver_override`);
  }
}

const snapshotOf = (snapshots: readonly DeviceSnapshot[], bdf: string) => snapshots.find((snapshot) => snapshot.bdf === bdf);

await runScenario(t, async (session) => {
  const guest = await session.boot();
  await bindAll(guest, 'before kexec');
  const vfio = session.vfioEdu(guest);
  await session.timeline.phase('exercise-before', async () => {
    for (const bdf of bdfs) {
      await vfio.config(bdf);
      await exerciseDevice(vfio, bdf, 'before kexec', false);
    }
  });

  // Offer the first device for preservation: the answer says which checks are real and which are todo.
  const offered = bdfs[0] ?? '';
  const preserve = await vfio.preserve(offered, 'vfio-edu');
  session.facts.vfioPreservation = { bdf: offered, supported: preserve.supported, errno: preserve.errno };
  const todo = preserve.supported ? false : `kernel lacks VFIO preservation (PRESERVE_FD of the VFIO cdev: ${preserve.errno ?? 'refused'})`;
  t.comment(preserve.supported ? `${offered} preserved in LUO session vfio-edu` : `${offered}: ${String(todo)}`);

  // The write window runs from `kexec -e` until the new kernel's userspace answers, before any device is touched.
  const { before, after, diffs, audit } = await kexecWithConfigEvidence(session, guest);
  session.facts.configDiff = diffs.filter((diff) => diff.entries.length > 0 || diff.presence !== 'both');
  session.facts.configWritesInWindow = audit.inWindow.map((device) => ({ bdf: device.bdf, qemuDevice: device.qemuDevice, ...device.counts }));

  for (const bdf of bdfs) {
    const old = snapshotOf(before, bdf);
    const now = snapshotOf(after, bdf);
    t.ok(old && now && readRegister(now.bytes, 0, 4) === readRegister(old.bytes, 0, 4), `after kexec ${bdf}: same device at the same BDF`);
    if (!old || !now) continue;
    const writes = audit.inWindow.find((device) => device.bdf === bdf)?.writes ?? [];
    const registers = [...new Set(writes.map((write) => write.register))].join(', ');
    const bars = (bytes: Uint8Array) => [0, 1, 2, 3, 4, 5].map((index) => readRegister(bytes, 0x10 + index * 4, 4));
    const busMaster = (bytes: Uint8Array) => commandBits(readRegister(bytes, 0x04, 2) ?? 0).includes('BusMaster');
    const preserved = bdf === offered;
    const check = (ok: boolean, message: string) => (preserved ? t.ok(ok, message, { todo }) : t.comment(`observed (not preserved): ${message} -> ${ok ? 'yes' : 'no'}`));
    check(writes.length === 0, `${bdf}: no config writes between kexec -e and SSH in the new kernel (saw ${writes.length}${registers ? `: ${registers}` : ''})`);
    check(JSON.stringify(bars(old.bytes)) === JSON.stringify(bars(now.bytes)), `${bdf}: BARs kept`);
    check(busMaster(old.bytes) === busMaster(now.bytes), `${bdf}: Bus Master ${busMaster(old.bytes) ? 'on' : 'off'} before, ${busMaster(now.bytes) ? 'on' : 'off'} after`);
    check(now.driver === null, `${bdf}: no driver bound on its own after kexec (${now.driver ?? 'none'})`);
  }

  await bindAll(guest, 'after kexec');
  await session.timeline.phase('exercise-after', async () => {
    for (const bdf of bdfs) {
      if (preserve.supported && bdf === offered) {
        t.pass(`after kexec ${bdf}: DMA and MSI`, { skip: 'taking a preserved device fd back from its LUO session is not implemented in vfio-edu yet' });
        continue;
      }
      await exerciseDevice(vfio, bdf, 'after kexec', true);
      await vfio.config(bdf);
    }
  });
});
