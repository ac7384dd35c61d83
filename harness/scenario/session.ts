// What a scenario body works with: its context, its timeline, its facts, the guests it boots (shut down on every
// path), and the artifacts it saves; finish() leaves scenario.json and the serial log of every kernel generation.
import { rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { errorRecord, GuestError, TimeoutError } from '../errors.ts';
import { LiveGuest, type BootOptions } from '../guest/live-guest.ts';
import { listArtifact, saveArtifact, type ArtifactKind } from '../results/artifacts.ts';
import type { ScenarioContext } from './context.ts';
import { scenarioRecordFile, type FlakyBoot, type ScenarioRecord } from './record.ts';
import { Timeline } from './timeline.ts';

/** What a scenario body gets; `F` is its facts as its manifest shapes them. */
export class ScenarioSession<F extends object = Record<string, unknown>> {
  readonly timeline = new Timeline();
  /** Observations worth keeping in summary.json, in the shape the scenario's manifest gives. */
  readonly facts = {} as F;
  readonly guests: LiveGuest[] = [];
  /** Set when the first boot failed and was retried. */
  flakyBoot: FlakyBoot | undefined;
  /** The first boot, started before the scenario's code ran (startBoot); boot() takes it. */
  private early: { readonly guest: Promise<LiveGuest>; readonly since: { readonly startedAt: Date; readonly start: number } } | undefined;

  constructor(readonly context: ScenarioContext) {}

  /**
   * Start the boot every scenario begins with while the rest of the process still loads (tap alone takes a quarter
   * of a second to import under load); the scenario's first boot() without options takes this guest.
   */
  startBoot(): void {
    const since = { startedAt: new Date(), start: performance.now() };
    const guest = LiveGuest.boot(this.context.guest, { phases: this.timeline });
    // Judged when taken: boot() reports its failure, finish() shuts down a guest nobody took.
    guest.catch(() => undefined);
    this.early = { guest, since };
  }

  /** The scenario's artifact folder. */
  get artifactDir(): string {
    return this.context.guest.artifactDir;
  }

  /**
   * Boot a guest and wait for SSH (phase "boot-to-ssh"). A first boot that fails is retried once and the run marked
   * flaky: under TCG an early-boot failure is not always the kernel under test (a loaded host can starve the timer
   * check). Kexec boots, the subject of the tests, are never retried.
   */
  async boot(options?: BootOptions): Promise<LiveGuest> {
    const boot = () => LiveGuest.boot(this.context.guest, { ...options, phases: this.timeline });
    // A boot with other options than the early one: that guest is not this scenario's.
    if (options !== undefined) await this.dropEarlyBoot();
    const early = this.early;
    this.early = undefined;
    let guest: LiveGuest;
    try {
      guest = await this.timeline.phase('boot-to-ssh', early ? () => early.guest : boot, early?.since);
    } catch (error) {
      if (!(error instanceof GuestError || error instanceof TimeoutError)) throw error;
      this.flakyBoot = { firstAttempt: error.message.split('\n')[0] ?? '', serialLog: 'serial-failed-boot.log' };
      // The retry's QEMU writes the same files: keep the failed attempt's evidence beside them.
      for (const [from, to] of [['serial.log', 'serial-failed-boot.log'], ['qemu-trace.log', 'qemu-trace-failed-boot.log']] as const) {
        await rename(path.join(this.artifactDir, from), path.join(this.artifactDir, to)).catch(() => undefined);
      }
      await listArtifact(this.artifactDir, 'serial-failed-boot.log', { kind: 'serial-log', generation: 0 });
      guest = await this.timeline.phase('boot-to-ssh-retry', boot);
    }
    this.guests.push(guest);
    return guest;
  }

  /** Shut down the early guest if nobody took it. */
  private async dropEarlyBoot(): Promise<void> {
    const untaken = this.early;
    this.early = undefined;
    await untaken?.guest.then((guest) => guest.close(), () => undefined);
  }

  /** Save an artifact file in the scenario's folder, listed in its artifact index as `kind`. */
  save(name: string, contents: string | Buffer, kind?: ArtifactKind): Promise<string> {
    return saveArtifact(this.artifactDir, name, contents, kind);
  }

  /** Shut every guest down and write serial logs per generation and scenario.json. */
  async finish(error?: unknown): Promise<void> {
    await this.dropEarlyBoot();
    await Promise.allSettled(this.guests.map((guest) => guest.close()));
    for (const [guestIndex, guest] of this.guests.entries()) {
      const prefix = this.guests.length > 1 ? `guest${guestIndex}-` : '';
      for (const generation of guest.generations) {
        await this.save(`${prefix}serial-gen${generation.index}.log`, guest.serialOf(generation.index), { kind: 'serial-log', generation: generation.index });
      }
    }
    const seeds = Object.assign({}, ...this.guests.flatMap((guest) => [guest.vfio.seeds, guest.igb.seeds, guest.luo.seeds])) as Record<string, unknown>;
    const peaks = this.guests.flatMap((guest) => guest.machine.peakRssMiB ?? []);
    const record: ScenarioRecord = {
      scenario: this.context.scenario,
      kernel: this.context.kernel.release,
      nextKernel: this.context.nextKernel.release,
      accel: this.context.guest.accel,
      phases: this.timeline.phases,
      generations: this.guests.map((guest) => guest.generations),
      facts: this.facts as Record<string, unknown>,
      flakyBoot: this.flakyBoot,
      seeds: Object.keys(seeds).length > 0 ? seeds : undefined,
      qemuPeakRssMiB: peaks.length > 0 ? Math.max(...peaks) : undefined,
      error: error === undefined ? undefined : errorRecord(error),
    };
    await writeFile(path.join(this.artifactDir, scenarioRecordFile), `${JSON.stringify(record, null, 2)}\n`);
  }
}
