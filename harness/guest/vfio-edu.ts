// Typed calls of the guest helper vfio-edu (QEMU edu device through VFIO) over SSH; output kept as artifacts.
import { GuestError } from '../errors.ts';
import type { GuestAccess } from './guest-access.ts';
import { StepSeeds } from './step-seeds.ts';
import { preserveOutcome } from './live-update-events.ts';
import { helperFailure, runGuestHelper, type HelperRecorder, type HelperRun } from './guest-helper.ts';
import { describeErrors, pickEvents } from '../formats/json-lines.ts';
import {
  parseVfioEduOutput,
  type VfioEduConfigEvent,
  type VfioEduDmaEvent,
  type VfioEduDmaSummaryEvent,
  type VfioEduEvent,
  type VfioEduMsiEvent,
  type VfioEduMsiStateEvent,
  type VfioEduInflightEvent,
  type VfioEduPreserveEvent,
  type VfioEduReadyEvent,
  type VfioEduStepEvent,
} from './vfio-edu-output.ts';

export type VfioEduRun = HelperRun<VfioEduEvent>;

const helper = 'vfio-edu';

/** vfio-edu in one guest. */
export class VfioEdu {
  constructor(
    private readonly guest: GuestAccess,
    private readonly record: HelperRecorder,
  ) {
    this.stepSeeds = new StepSeeds(guest, '');
  }

  private readonly stepSeeds: StepSeeds;

  /** Every seed handed to the helper, by step: what a rerun with the same run seed repeats. */
  get seeds(): Record<string, number> {
    return this.stepSeeds.byStep;
  }

  private run(step: string, args: readonly string[]): Promise<VfioEduRun> {
    return runGuestHelper(this.guest, this.record, step, helper, args, parseVfioEduOutput, 300_000);
  }

  /** DMA RAM -> device -> RAM at an IOVA with a seed fresh per step (stale data cannot pass), derived from the run seed. */
  async dma(bdf: string, iova: bigint): Promise<{ run: VfioEduRun; transfers: VfioEduDmaEvent[]; summary: VfioEduDmaSummaryEvent | undefined; errors: string }> {
    const step = `dma-${bdf}-${iova.toString(16)}`;
    const seed = this.stepSeeds.seedFor(step);
    const run = await this.run(step, ['dma', bdf, '--iova', `0x${iova.toString(16)}`, '--kind', 'addr', '--seed', String(seed)]);
    return { run, transfers: pickEvents(run.events, 'dma'), summary: pickEvents(run.events, 'dma-summary')[0], errors: describeErrors(run.events).join('; ') };
  }

  /**
   * Arm MSI, raise `count` interrupts, count eventfd signals, watch a quiet period, disarm; with `cpu`, the vector is
   * routed to that CPU first and every interrupt must arrive there.
   */
  async msi(bdf: string, count: number, cpu?: number): Promise<{ run: VfioEduRun; states: VfioEduMsiStateEvent[]; result: VfioEduMsiEvent | undefined; errors: string }> {
    const routed = cpu === undefined ? [] : ['--cpu', String(cpu)];
    const run = await this.run(`msi-${bdf}`, ['msi', bdf, '--count', String(count), '--quiet-ms', '500', ...routed]);
    return { run, states: pickEvents(run.events, 'msi-state'), result: pickEvents(run.events, 'msi')[0], errors: describeErrors(run.events).join('; ') };
  }

  /** Config space as VFIO's config region shows it (VFIO virtualises parts, e.g. MSI); kept as evidence. */
  async config(bdf: string): Promise<VfioEduConfigEvent> {
    const run = await this.run(`config-${bdf}`, ['config', bdf]);
    const config = pickEvents(run.events, 'config')[0];
    if (!config) throw new GuestError(`no config reported: ${helperFailure(run)}`);
    return config;
  }

  /**
   * Offer the device's VFIO cdev fd to a LUO session: the capability probe for VFIO preservation. When accepted, a
   * holder keeps it until the kexec, with a DMA of a seeded pattern set up to be started just before `kexec -e`.
   */
  async preserve(bdf: string, session: string): Promise<{ preserve: VfioEduPreserveEvent; holder?: VfioEduReadyEvent; steps: VfioEduStepEvent[] }> {
    const seed = this.stepSeeds.seedFor(`preserve-${bdf}`);
    return preserveOutcome(await this.run(`preserve-${bdf}`, ['preserve', bdf, '--session', session, '--seed', String(seed)]), 'vfio-edu');
  }

  /** Preserve the device with its MSI still armed and ask for the kexec: a kernel that refuses returns the answer. */
  async refuseKexec(bdf: string, session: string): Promise<{ steps: VfioEduStepEvent[]; errors: string }> {
    const run = await this.run(`refuse-kexec-${bdf}`, ['refuse-kexec', bdf, '--session', session]);
    return { steps: pickEvents(run.events, 'step'), errors: describeErrors(run.events).join('; ') };
  }

  /** After the kexec: the preserved device's way back, step by step, then DMA and MSI on it, then FINISH. */
  async resume(bdf: string, session: string, inflightSeed: bigint, cpu?: number): Promise<VfioEduResume> {
    const routed = cpu === undefined ? [] : ['--cpu', String(cpu)];
    const run = await this.run(`resume-${bdf}`, ['resume', bdf, '--session', session, '--seed', String(inflightSeed), ...routed]);
    return {
      run,
      steps: pickEvents(run.events, 'step'),
      inflight: pickEvents(run.events, 'inflight')[0],
      transfers: pickEvents(run.events, 'dma'),
      summary: pickEvents(run.events, 'dma-summary')[0],
      states: pickEvents(run.events, 'msi-state'),
      msi: pickEvents(run.events, 'msi')[0],
      errors: describeErrors(run.events).join('; '),
    };
  }
}

export interface VfioEduResume {
  readonly run: VfioEduRun;
  readonly steps: VfioEduStepEvent[];
  readonly inflight: VfioEduInflightEvent | undefined;
  readonly transfers: VfioEduDmaEvent[];
  readonly summary: VfioEduDmaSummaryEvent | undefined;
  readonly states: VfioEduMsiStateEvent[];
  readonly msi: VfioEduMsiEvent | undefined;
  readonly errors: string;
}
