// vfio-igb: QEMU's igb (Intel 82576, the device upstream tests VFIO with) handed to userspace through VFIO, across a
// kexec: loopback DMA through the IOMMU, MSI-X (which edu lacks) found unarmed after the kexec, armed from scratch,
// each raise once on its own vector, a masked vector quiet until unmasked. The igb is preserved in a LUO session as
// vfio-edu preserves edu (todo when the kernel lacks VFIO preservation): the kexec refused while MSI-X is armed,
// loopback frames running into a preserved memfd at `kexec -e`, the way back step by step, and QEMU's record of
// every config write to the igb and its root port from `kexec -e` to FINISH, by phase: unlike edu, the igb has a
// Function Level Reset, so a reset at freeze need not touch the bridge. Skips, naming the QEMU, without an igb.
import type { Test } from 'tap';
import * as v from 'valibot';
import { deviceIdentity, identityChanges } from '../harness/checks/device-identity.ts';
import type { LiveGuest } from '../harness/guest/live-guest.ts';
import type { VfioIgbDmaEvent, VfioIgbDmaSummaryEvent, VfioIgbMsixEvent, VfioIgbMsixTableEvent } from '../harness/guest/vfio-igb-output.ts';
import { assertCpusOnline } from '../harness/scenario/cpu-checks.ts';
import { defineScenario, evidence } from '../harness/scenario/define-scenario.ts';
import { assertInflightKnown, assertNoKernelWrites, assertRetrieveSteps, assertStep, dmaAddresses, preservationSupport, slug } from '../harness/scenario/device-checks.ts';
import { igbMissing } from '../harness/scenario/igb-availability.ts';

/** Raises per MSI-X vector. */
const msixRaises = 8;

function assertDma(t: Test, label: string, dma: { transfers: readonly VfioIgbDmaEvent[]; summary: VfioIgbDmaSummaryEvent | undefined; errors: string; exitCode: number | null }): void {
  const failed = dma.transfers.find((transfer) => !transfer.ok);
  const detail = failed ? `; first failure, frame of ${failed.size} bytes: ${failed.problems.join('; ')}` : dma.errors ? `; ${dma.errors}` : '';
  const { summary } = dma;
  const frames = summary?.failures ? `${summary.failures} of ${summary.transfers} frames wrong` : `${summary?.transfers ?? 0} frames looped back, ${summary?.bytesChecked ?? 0} bytes verified`;
  t.ok(summary !== undefined && summary.transfers > 0 && summary.failures === 0 && dma.exitCode === 0, `${label}: ${frames}${detail}`);
}

function describeTable(table: VfioIgbMsixTableEvent): string {
  const armed = table.vectorControl.flatMap((control, entry) => ((control & 1) === 0 && (table.addrLo[entry] !== 0 || table.addrHi[entry] !== 0 || table.data[entry] !== 0) ? [entry] : []));
  const masked = table.vectorControl.filter((control) => (control & 1) === 1).length;
  return `MSI-X ${table.enabled ? 'enabled' : 'disabled'}, ${table.tableSize} entries: ${masked} masked, ${armed.length ? `armed: ${armed.join(', ')}` : 'none armed'}`;
}

function assertMsix(t: Test, where: { readonly bdf: string; readonly when: string }, result: VfioIgbMsixEvent | undefined, errors: string): void {
  const id = `${where.bdf}.${slug(where.when)}`;
  const detail = result
    ? `${result.vectors} vectors, per vector [${result.perVector.join(',')}], ${result.misrouted} misrouted, ${result.duplicates} duplicated, ${result.missing} missing, ${result.spurious} spurious`
    : errors || 'no result';
  t.ok(result?.ok === true, `[msix@${id}] ${where.when} ${where.bdf}: MSI-X armed from scratch: ${detail}${result && !result.ok ? `; ${result.problems.join('; ')}` : ''}`);
  if (!result) return;
  t.ok(
    result.whileMasked === 0 && (result.onUnmask === 'delivered' ? result.afterUnmask === 1 : result.afterReraise === 1),
    `[msix-mask@${id}] ${where.when} ${where.bdf}: vector ${result.maskVector} masked at the device: ${result.whileMasked} interrupts while masked, ${result.onUnmask === 'delivered' ? `the pending one delivered ${result.afterUnmask} time(s) on unmask` : `nothing on unmask, ${result.afterReraise ?? 0} on a new raise`}`,
  );
}

async function bind(t: Test, guest: LiveGuest, bdf: string, when: string): Promise<void> {
  const bound = await guest.pci.bindToVfio(bdf);
  t.equal(bound.driver, 'vfio-pci', `[vfio-bind@${bdf}.${slug(when)}] ${when} ${bdf}: bound to vfio-pci via driver_override`);
}

function assertTable(t: Test, label: string, table: VfioIgbMsixTableEvent | undefined, errors: string): void {
  t.ok(table?.ok === true, `${label}: every MSI-X entry masked or cleared before arming (${table ? describeTable(table) : errors || 'no table read'})`);
}

/** MSI-X, the table as found first (after a kexec nothing may be armed), then every vector; then DMA at each IOVA. */
async function exercise(t: Test, guest: LiveGuest, bdf: string, when: string): Promise<void> {
  // MSI-X first: the table is read as the kernel left it before anything else of ours touches the device.
  const msix = await guest.igb.msix(bdf, msixRaises);
  assertTable(t, `[msix-unarmed@${bdf}.${slug(when)}] ${when} ${bdf}`, msix.table, msix.errors);
  assertMsix(t, { bdf, when }, msix.result, msix.errors);
  for (const iova of dmaAddresses) {
    const dma = await guest.igb.dma(bdf, iova);
    assertDma(t, `[dma@${bdf}.${slug(when)}.0x${iova.toString(16)}] ${when} ${bdf}: loopback DMA at IOVA 0x${iova.toString(16)}`, { ...dma, exitCode: dma.run.exitCode });
  }
}

export default defineScenario({
  manifest: {
    name: 'vfio-igb',
    description: 'igb (82576) through VFIO across kexec: loopback DMA above and below 4 GiB, MSI-X found unarmed, armed from scratch, once per raise on its own vector, masked quiet; preserved and taken back step by step (todo when the kernel lacks VFIO preservation); write audit of the igb and its port',
    area: 'device',
    needs: { igb: true },
    judges: [
      // Upstream's igb tests run in the first kernel only: the same kernel's checks are held against them.
      { property: 'igb-dma', checks: ['dma@*.before-kexec.*'] },
      { property: 'igb-msix', checks: ['msix@*.before-kexec'] },
    ],
    facts: v.object({
      igb: v.nullable(v.object({ bdf: v.string(), rootPort: v.string(), kexecWindowWrites: v.record(v.string(), v.number()) })),
      vfioPreservation: v.object({ bdf: v.string(), supported: v.boolean(), errno: v.nullable(v.string()) }),
      inflightDma: evidence<object>(),
      configWritesToFinish: evidence<object[]>(),
    }),
  },
  async run(t, session) {
    const missing = igbMissing(session.context);
    if (missing) {
      session.facts.igb = null;
      t.plan(0, missing);
      return;
    }
    const guest = await session.boot();
    const igb = guest.igbDevice ?? '';
    const port = guest.upstreamBridgeOf(igb) ?? '';
    await bind(t, guest, igb, 'before kexec');
    await session.timeline.phase('exercise-before', () => exercise(t, guest, igb, 'before kexec'));

    // A device preserved with MSI-X still armed must make the kexec fail, and the old kernel live on.
    await guest.loadNextKernel();
    const refusal = await guest.igb.refuseKexec(igb, 'vfio-igb-armed');
    const { supported, errno, todo } = preservationSupport(refusal);
    session.facts.vfioPreservation = { bdf: igb, supported, errno };
    assertStep(t, refusal.steps, 'kexec', 'refused', `[kexec-refused-msix-armed] ${igb} preserved with MSI-X armed: the kexec is refused`, { todo });
    t.equal(await guest.bootId(), guest.generation.bootId, '[old-kernel-runs-after-refusal] after the refused kexec the old kernel still runs', { todo });

    // Preserved properly: every IRQ off, its rings and buffers in a preserved memfd, frames sent as kexec -e starts.
    const { preserve, holder, steps } = await guest.igb.preserve(igb, 'vfio-igb');
    t.ok(preserve.supported, `[preserve-fd] ${igb}: every IRQ off, PRESERVE_FD accepts it (${preserve.errno ?? 'success'})`, { todo });
    if (holder) assertStep(t, steps, 'preserve-inflight-memfd', 'succeeds', '[preserve-inflight-memfd] the memfd the in-flight frames go into is preserved with it');

    const kexec = await guest.kexecWithConfigEvidence({ beforeExec: holder ? `kill -USR1 ${holder.pid}` : undefined });
    assertCpusOnline(t, kexec);
    const { before, after, audit } = kexec.config;
    for (const bdf of [igb, port]) {
      const old = before.find((snapshot) => snapshot.bdf === bdf);
      const now = after.find((snapshot) => snapshot.bdf === bdf);
      const changes = old && now ? identityChanges(deviceIdentity(old), deviceIdentity(now)) : ['absent'];
      t.same(changes, [], `[same-device@${bdf}] after kexec ${bdf}: same device at the same BDF${changes.length ? ` (${changes.join('; ')})` : ''}`);
    }
    const writes = Object.fromEntries([igb, port].map((bdf) => [bdf, audit.inWindow.find((device) => device.bdf === bdf)?.counts.writes ?? 0]));
    session.facts.igb = { bdf: igb, rootPort: port, kexecWindowWrites: writes };
    t.comment(`config writes in the kexec window (config/writes-kexec-window.txt): ${igb} ${writes[igb] ?? 0}, root port ${port} ${writes[port] ?? 0}`);

    await bind(t, guest, igb, 'after kexec');
    if (holder) {
      // The way back in the uAPI's order; MSI-X before DMA, whose FLR would clear the table the kexec left.
      const resume = await session.timeline.phase('retrieve-to-finish', () => guest.igb.resume(igb, 'vfio-igb', holder.inflightSeed));
      assertRetrieveSteps(t, resume.steps, igb);
      session.facts.inflightDma = resume.inflight ?? { outcome: 'unknown', errors: resume.errors };
      assertInflightKnown(t, resume.inflight, resume.errors);
      assertTable(t, `[msix-unarmed-retrieved] after kexec ${igb}, the retrieved fd`, resume.table, resume.errors);
      assertMsix(t, { bdf: igb, when: 'retrieved' }, resume.msix, resume.errors);
      assertDma(t, `[dma-retrieved] after kexec ${igb}: loopback DMA on the retrieved fd`, { ...resume, exitCode: resume.run.exitCode });
      assertStep(t, resume.steps, 'finish', 'succeeds', '[finish] FINISH succeeds once the device is retrieved and bound');
      const toFinish = await guest.auditWritesSinceKexec(kexec, 'kexec-to-finish');
      session.facts.configWritesToFinish = toFinish.inWindow.map((device) => ({ bdf: device.bdf, qemuDevice: device.qemuDevice, ...device.counts }));
      assertNoKernelWrites(t, toFinish, [igb, port]);
    }
    await session.timeline.phase('exercise-after', () => exercise(t, guest, igb, holder ? 'after finish' : 'after kexec'));
  },
});
