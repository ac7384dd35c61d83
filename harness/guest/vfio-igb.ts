// Typed calls of the guest helper vfio-igb (QEMU's igb through VFIO) over SSH; output kept as artifacts.
import type { GuestAccess } from './guest-access.ts';
import { StepSeeds } from './step-seeds.ts';
import { preserveOutcome, type InflightEvent, type PreserveEvent, type ReadyEvent, type StepEvent } from './live-update-events.ts';
import { runGuestHelper, type HelperRecorder, type HelperRun } from './guest-helper.ts';
import { describeErrors, pickEvents } from '../formats/json-lines.ts';
import {
  parseVfioIgbOutput,
  type VfioIgbDmaEvent,
  type VfioIgbDmaSummaryEvent,
  type VfioIgbEvent,
  type VfioIgbMsixDisarmedEvent,
  type VfioIgbMsixEvent,
  type VfioIgbMsixTableEvent,
  type VfioIgbResetEvent,
} from './vfio-igb-output.ts';

export type VfioIgbRun = HelperRun<VfioIgbEvent>;

/** vfio-igb in one guest. */
export class VfioIgb {
  constructor(
    private readonly guest: GuestAccess,
    private readonly record: HelperRecorder,
  ) {
    this.stepSeeds = new StepSeeds(guest, 'igb/');
  }

  private readonly stepSeeds: StepSeeds;

  /** Every seed handed to the helper, by step: what a rerun with the same run seed repeats. */
  get seeds(): Record<string, number> {
    return this.stepSeeds.byStep;
  }

  private run(step: string, args: readonly string[]): Promise<VfioIgbRun> {
    return runGuestHelper(this.guest, this.record, step, 'vfio-igb', args, parseVfioIgbOutput, 300_000);
  }

  /** Loopback frames TX -> RX through the IOMMU at an IOVA, a seeded pattern each, after a Function Level Reset. */
  async dma(bdf: string, iova: bigint): Promise<{ run: VfioIgbRun; reset: VfioIgbResetEvent | undefined; transfers: VfioIgbDmaEvent[]; summary: VfioIgbDmaSummaryEvent | undefined; errors: string }> {
    const step = `dma-${bdf}-${iova.toString(16)}`;
    const run = await this.run(step, ['dma', bdf, '--iova', `0x${iova.toString(16)}`, '--seed', String(this.stepSeeds.seedFor(step))]);
    return {
      run,
      reset: pickEvents(run.events, 'reset')[0],
      transfers: pickEvents(run.events, 'dma'),
      summary: pickEvents(run.events, 'dma-summary')[0],
      errors: describeErrors(run.events).join('; '),
    };
  }

  /** The MSI-X table as found, then every vector armed from scratch, raised `count` times each, one masked and unmasked. */
  async msix(bdf: string, count: number): Promise<{ run: VfioIgbRun; table: VfioIgbMsixTableEvent | undefined; result: VfioIgbMsixEvent | undefined; disarmed: VfioIgbMsixDisarmedEvent | undefined; errors: string }> {
    const run = await this.run(`msix-${bdf}`, ['msix', bdf, '--count', String(count), '--quiet-ms', '300']);
    return {
      run,
      table: pickEvents(run.events, 'msix-table')[0],
      result: pickEvents(run.events, 'msix')[0],
      disarmed: pickEvents(run.events, 'msix-disarmed')[0],
      errors: describeErrors(run.events).join('; '),
    };
  }

  /** Preserve the device with MSI-X still armed and ask for the kexec: a kernel that refuses returns the answer. */
  async refuseKexec(bdf: string, session: string): Promise<{ steps: StepEvent[]; errors: string }> {
    const run = await this.run(`refuse-kexec-${bdf}`, ['refuse-kexec', bdf, '--session', session]);
    return { steps: pickEvents(run.events, 'step'), errors: describeErrors(run.events).join('; ') };
  }

  /**
   * Offer the device's VFIO cdev fd to a LUO session with every IRQ off, its rings and buffers in a memfd preserved
   * with it; when accepted a holder keeps both until the kexec, with loopback frames ready to go on SIGUSR1.
   */
  async preserve(bdf: string, session: string): Promise<{ preserve: PreserveEvent; holder?: ReadyEvent; steps: StepEvent[] }> {
    const seed = this.stepSeeds.seedFor(`preserve-${bdf}`);
    return preserveOutcome(await this.run(`preserve-${bdf}`, ['preserve', bdf, '--session', session, '--seed', String(seed)]), 'vfio-igb');
  }

  /** After the kexec: the way back step by step, the in-flight frames' fate, MSI-X then DMA from scratch, FINISH. */
  async resume(bdf: string, session: string, inflightSeed: bigint): Promise<VfioIgbResume> {
    const run = await this.run(`resume-${bdf}`, ['resume', bdf, '--session', session, '--seed', String(inflightSeed), '--count', '8', '--quiet-ms', '300']);
    return {
      run,
      steps: pickEvents(run.events, 'step'),
      inflight: pickEvents(run.events, 'inflight')[0],
      table: pickEvents(run.events, 'msix-table')[0],
      msix: pickEvents(run.events, 'msix')[0],
      transfers: pickEvents(run.events, 'dma'),
      summary: pickEvents(run.events, 'dma-summary')[0],
      errors: describeErrors(run.events).join('; '),
    };
  }
}

export interface VfioIgbResume {
  readonly run: VfioIgbRun;
  readonly steps: StepEvent[];
  readonly inflight: InflightEvent | undefined;
  readonly table: VfioIgbMsixTableEvent | undefined;
  readonly msix: VfioIgbMsixEvent | undefined;
  readonly transfers: VfioIgbDmaEvent[];
  readonly summary: VfioIgbDmaSummaryEvent | undefined;
  readonly errors: string;
}
