// The frame every scenario runs in: context, timeline, guests shut down on every path, artifacts written, and a
// signal that aborts the body without losing the evidence.
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Test } from 'tap';
import { errorRecord, ExitCode, GuestError, InterruptedError, TimeoutError } from '../errors.ts';
import { LiveGuest, type BootOptions } from '../guest/live-guest.ts';
import { abortLiveMachines } from '../vm/registry.ts';
import { contextFromEnvironment, type ScenarioContext } from './context.ts';
import { keepGuests } from './keep-guests.ts';
import { Timeline } from './timeline.ts';

/** What a scenario body gets. */
export class ScenarioSession {
  readonly timeline = new Timeline();
  /** Observations worth keeping in summary.json (JSON-serialisable). */
  readonly facts: Record<string, unknown> = {};
  readonly guests: LiveGuest[] = [];
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
      this.facts.flakyBoot = { firstAttempt: error.message.split('\n')[0] ?? '', serialLog: 'serial-failed-boot.log' };
      // The retry's QEMU writes the same files: keep the failed attempt's evidence beside them.
      for (const [from, to] of [['serial.log', 'serial-failed-boot.log'], ['qemu-trace.log', 'qemu-trace-failed-boot.log']] as const) {
        await rename(path.join(this.artifactDir, from), path.join(this.artifactDir, to)).catch(() => undefined);
      }
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

  /** Save an artifact file in the scenario's folder. */
  async save(name: string, contents: string | Buffer): Promise<string> {
    const file = path.join(this.artifactDir, name);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, contents);
    return file;
  }

  /** Shut every guest down and write serial logs per generation and scenario.json. */
  async finish(error?: unknown): Promise<void> {
    await this.dropEarlyBoot();
    await Promise.allSettled(this.guests.map((guest) => guest.close()));
    for (const [guestIndex, guest] of this.guests.entries()) {
      const prefix = this.guests.length > 1 ? `guest${guestIndex}-` : '';
      for (const generation of guest.generations) {
        await this.save(`${prefix}serial-gen${generation.index}.log`, guest.serialOf(generation.index));
      }
    }
    // What the checks derived from the run seed or chose themselves, for repro.json.
    const seeds = Object.assign({}, ...this.guests.flatMap((guest) => [guest.vfio.seeds, guest.luo.seeds])) as Record<string, unknown>;
    if (Object.keys(seeds).length > 0) this.facts.seeds = seeds;
    const peaks = this.guests.flatMap((guest) => guest.machine.peakRssMiB ?? []);
    if (peaks.length > 0) this.facts.qemuPeakRssMiB = Math.max(...peaks);
    const record = {
      scenario: this.context.scenario,
      kernel: this.context.kernel.release,
      nextKernel: this.context.nextKernel.release,
      accel: this.context.guest.accel,
      phases: this.timeline.phases,
      generations: this.guests.map((guest) => guest.generations),
      facts: this.facts,
      error: error === undefined ? undefined : errorRecord(error),
    };
    await this.save('scenario.json', `${JSON.stringify(record, null, 2)}\n`);
  }
}

/**
 * Run a scenario body as a tap test; a thrown error fails the scenario with its message and evidence. The guest
 * starts booting first and tap loads meanwhile, so the body gets tap's root test as `t`. SIGINT or SIGTERM aborts
 * every machine (each pending wait ends with an InterruptedError), so the body ends, finish() still writes the
 * evidence, and the process exits with ExitCode.interrupted.
 */
export async function runScenario(body: (t: Test, session: ScenarioSession) => Promise<void>): Promise<void> {
  const context = contextFromEnvironment();
  if (!context) {
    const { default: t } = await import('tap');
    t.plan(0, 'run scenarios through the harness: make scenario S=<name> (it builds the kernel and image first)');
    return;
  }
  const session = new ScenarioSession(context);
  let interrupted: InterruptedError | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    interrupted ??= new InterruptedError(`${signal} received: the scenario was stopped before it finished`);
    void abortLiveMachines(interrupted);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  session.startBoot();
  const { default: t } = await import('tap');
  let failure: unknown;
  try {
    await body(t, session);
  } catch (error) {
    failure = error;
    const { code, message, detail } = errorRecord(error);
    t.fail(`${code}: ${message}`, { diagnostic: true, artifacts: session.artifactDir, detail });
  } finally {
    if (context.keep && !interrupted && (failure !== undefined || !t.passing())) await keepGuests(session.guests, (line) => t.comment(line));
    await session.finish(failure ?? interrupted);
    if (interrupted) process.exitCode = ExitCode.interrupted;
  }
}
