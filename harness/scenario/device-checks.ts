// vfio-edu's verdicts as tap checks: DMA and MSI on a device, and the uAPI steps of a preserved device's way back.
import type { Test } from 'tap';
import type { LiveGuest } from '../guest/live-guest.ts';
import type { VfioEduDmaEvent, VfioEduDmaSummaryEvent, VfioEduMsiEvent, VfioEduMsiStateEvent } from '../guest/vfio-edu-output.ts';
import type { InflightEvent, StepEvent } from '../guest/live-update-events.ts';
import { windowPhases, type WriteAudit } from '../guest/kexec-evidence.ts';

/** IOVAs above and below 4 GiB: 64-bit DMA through the IOMMU, and the common case. */
export const dmaAddresses = [0x1_0000_0000n, 0x1000_0000n];
export const msiRaises = 8;

/** One check for a DMA run: every transfer verified by the helper. */
export function assertDma(
  t: Test,
  label: string,
  dma: { transfers: readonly VfioEduDmaEvent[]; summary: VfioEduDmaSummaryEvent | undefined; errors: string; exitCode: number | null },
  options: { todo?: string | false } = {},
): void {
  const { summary } = dma;
  const failed = dma.transfers.find((transfer) => !transfer.ok);
  const detail = failed ? `; first failure size ${failed.size} offset ${failed.offset}: ${failed.problems.join('; ')}` : dma.errors ? `; ${dma.errors}` : '';
  t.ok(
    summary !== undefined && summary.transfers > 0 && summary.failures === 0 && dma.exitCode === 0,
    `${label}: ${summary?.transfers ?? 0} transfers, ${summary?.bytesChecked ?? 0} bytes verified${detail}`,
    { todo: options.todo ?? false },
  );
}

/** One check for an MSI run: one event per raise, none spurious, on the CPU it was routed to, as the helper judged. */
export function assertMsi(t: Test, label: string, result: VfioEduMsiEvent | undefined, errors: string, options: { todo?: string | false } = {}): void {
  const verdict = result?.ok ? `per raise [${result.perRaise.join(',')}], ${result.spurious} spurious` : result?.problems.join('; ') || errors || 'no result';
  const where = result?.irq == null ? '' : `; IRQ ${result.irq}${result.cpu === null ? '' : ` routed to CPU ${result.cpu}`}, per CPU [${result.perCpu.join(',')}]`;
  t.ok(result?.ok === true, `${label}: ${result?.received ?? 0}/${msiRaises} events, ${verdict}${where}`, { todo: options.todo ?? false });
}

/** The CPU an exercised device's MSI is routed to: the last one, off CPU 0, when the guest has more than one. */
export function msiCpu(guest: Pick<LiveGuest, 'topology'>): number | undefined {
  return guest.topology.cpus > 1 ? guest.topology.cpus - 1 : undefined;
}

/** "before kexec" -> "before-kexec": a phrase as part of a check id. */
export function slug(phrase: string): string {
  return phrase.trim().replace(/\s+/g, '-');
}

/** The kernel's own (sysfs) view of MSI before userspace armed it. */
export function msiBeforeArm(states: readonly VfioEduMsiStateEvent[]): VfioEduMsiStateEvent | undefined {
  return states.find((state) => state.phase === 'before-arm' && state.source === 'sysfs');
}

/**
 * DMA at each IOVA and MSI on each device, every transfer verified, one event per raise, nothing spurious; the config
 * region kept as evidence before or after the work. The devices work side by side (each edu DMA waits on its own 100 ms device timer,
 * twenty transfers per IOVA), and the checks come in the devices' order.
 */
export async function exerciseDevices(
  t: Test,
  guest: LiveGuest,
  devices: readonly string[],
  when: string,
  { msiMustStartDisabled, configEvidence }: { readonly msiMustStartDisabled: boolean; readonly configEvidence: 'before' | 'after' },
): Promise<void> {
  const exercised = await Promise.all(
    devices.map(async (bdf) => {
      if (configEvidence === 'before') await guest.vfio.config(bdf);
      const dmas = [];
      for (const iova of dmaAddresses) dmas.push({ iova, dma: await guest.vfio.dma(bdf, iova) });
      const msi = await guest.vfio.msi(bdf, msiRaises, msiCpu(guest));
      if (configEvidence === 'after') await guest.vfio.config(bdf);
      return { bdf, dmas, msi };
    }),
  );
  for (const { bdf, dmas, msi } of exercised) {
    for (const { iova, dma } of dmas) {
      assertDma(t, `[dma@${bdf}.${slug(when)}.0x${iova.toString(16)}] ${when} ${bdf}: DMA at IOVA 0x${iova.toString(16)}`, { ...dma, exitCode: dma.run.exitCode });
    }
    if (msiMustStartDisabled) {
      const state = msiBeforeArm(msi.states);
      t.equal(state?.enabled, false, `[msi-disabled-until-armed@${bdf}.${slug(when)}] ${when} ${bdf}: MSI disabled until armed (MSI control 0x${state?.control.toString(16) ?? '?'})`);
    }
    assertMsi(t, `[msi@${bdf}.${slug(when)}] ${when} ${bdf}: MSI`, msi.result, msi.errors);
  }
}

/** What a step must answer: success, a refusal with any errno, or that errno. */
export type StepExpectation = 'succeeds' | 'refused' | `E${string}`;

/** Check one uAPI step's answer against what the uAPI promises. */
export function assertStep(
  t: Test,
  steps: readonly StepEvent[],
  step: StepEvent['step'],
  expect: StepExpectation,
  message: string,
  options: { todo?: string | false } = {},
): StepEvent | undefined {
  const found = steps.find((candidate) => candidate.step === step);
  const answer = found ? (found.errno ?? 'success') : 'not reached';
  const ok = found !== undefined && (expect === 'succeeds' ? found.errno === null : expect === 'refused' ? found.errno !== null : found.errno === expect);
  t.ok(ok, `${message} (${step}: ${answer})`, { todo: options.todo ?? false });
  return found;
}

/** The retrieved device's way back up to its iommufd bind, each step as the VFIO live-update uAPI defines it. */
export function assertRetrieveSteps(t: Test, steps: readonly StepEvent[], bdf: string): void {
  const step = (name: StepEvent['step'], expect: StepExpectation, message: string) => assertStep(t, steps, name, expect, message);
  step('retrieve-session', 'succeeds', '[retrieve-session] RETRIEVE_SESSION gives the session back');
  step('open-cdev-before-finish', 'EBUSY', `[open-busy] open() of ${bdf}'s cdev is refused until the session is finished`);
  step('finish-before-retrieve', 'refused', '[finish-refused-before-retrieve] FINISH is refused before the device is retrieved');
  step('retrieve-device', 'succeeds', '[retrieve-device] RETRIEVE_FD returns the device');
  step('finish-before-bind', 'refused', '[finish-refused-before-bind] FINISH is refused until the device fd is bound to an iommufd');
  step('bind-iommufd', 'succeeds', '[bind-iommufd] the retrieved fd binds to an iommufd and attaches');
}

/** The fate of the DMA started just before `kexec -e`, as read from the preserved memfd. */
export function assertInflightKnown(t: Test, inflight: InflightEvent | undefined, errors: string): void {
  const fate = inflight ? `${inflight.outcome} (${inflight.badBytes} of ${inflight.size} bytes differ from what was sent, ${inflight.zeroBytes} are zero)` : errors;
  t.ok(inflight, `[inflight-dma-known] the fate of the DMA started just before kexec -e is known: ${fate}`);
}

/**
 * No config write by either kernel to the preserved device or its bridge from `kexec -e` to FINISH; userspace's own
 * writes (the new owner setting the device up) are counted apart.
 */
export function assertNoKernelWrites(t: Test, audit: WriteAudit, bdfs: readonly string[]): void {
  for (const bdf of bdfs) {
    const writes = audit.inWindow.find((device) => device.bdf === bdf)?.writes ?? [];
    const by = (phase: string) => writes.filter((write) => write.phase === phase).length;
    t.equal(
      by(windowPhases.oldKernel) + by(windowPhases.newKernel),
      0,
      `[no-kernel-writes-to-finish@${bdf}] ${bdf}: no config writes by the kernels from kexec -e to FINISH (old kernel ${by(windowPhases.oldKernel)}, new kernel ${by(windowPhases.newKernel)}; userspace ${by(windowPhases.userspace)}; config/writes-kexec-to-finish.txt)`,
    );
  }
}

/**
 * From a refuse-kexec run: whether the kernel took the VFIO cdev fd into a LUO session (the probe for VFIO
 * preservation), its errno, and the reason every preservation check is todo on a kernel without it.
 */
export function preservationSupport(refusal: { readonly steps: readonly StepEvent[]; readonly errors: string }): { supported: boolean; errno: string | null; todo: string | false } {
  const armed = refusal.steps.find((step) => step.step === 'preserve-with-msi-armed');
  const supported = armed !== undefined && armed.errno === null;
  const todo = supported ? false : `kernel lacks VFIO preservation (PRESERVE_FD of the VFIO cdev: ${armed?.errno ?? (refusal.errors || 'no answer')})`;
  return { supported, errno: armed?.errno ?? null, todo };
}
