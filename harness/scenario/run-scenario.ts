// The frame every scenario runs in: context, timeline, guests shut down on every path, artifacts written.
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Test } from 'tap';
import { GuestError, HarnessError, TimeoutError } from '../errors.ts';
import type { HelperRecorder } from '../guest/guest-helper.ts';
import { LuoAgent } from '../guest/luo-agent.ts';
import { VfioEdu } from '../guest/vfio-edu.ts';
import { LiveGuest, type BootOptions, type KexecOptions, type KexecTiming } from '../guest/live-guest.ts';
import { shutdownMachinesOnSignals } from '../vm/registry.ts';
import { contextFromEnvironment, type ScenarioContext } from './context.ts';
import { Timeline } from './timeline.ts';

/** What a scenario body gets. */
export class ScenarioSession {
  readonly timeline = new Timeline();
  /** Observations worth keeping in summary.json (JSON-serialisable). */
  readonly facts: Record<string, unknown> = {};
  readonly guests: LiveGuest[] = [];

  constructor(readonly context: ScenarioContext) {}

  /**
   * Boot a guest and wait for SSH (phase "boot-to-ssh"). A first boot that fails is retried once and the run marked
   * flaky: under TCG an early-boot failure is not always the kernel under test (DESIGN.md). Kexec boots, the
   * subject of the tests, are never retried.
   */
  async boot(options?: BootOptions): Promise<LiveGuest> {
    let guest: LiveGuest;
    try {
      guest = await this.timeline.phase('boot-to-ssh', () => LiveGuest.boot(this.context, options));
    } catch (error) {
      if (!(error instanceof GuestError || error instanceof TimeoutError)) throw error;
      const firstLine = error.message.split('\n')[0] ?? '';
      this.facts.flakyBoot = { firstAttempt: firstLine, serialLog: 'serial-failed-boot.log' };
      // The retry's QEMU writes the same files: keep the failed attempt's evidence beside them.
      for (const [from, to] of [['serial.log', 'serial-failed-boot.log'], ['qemu-trace.log', 'qemu-trace-failed-boot.log']] as const) {
        await rename(path.join(this.context.artifactDir, from), path.join(this.context.artifactDir, to)).catch(() => undefined);
      }
      guest = await this.timeline.phase('boot-to-ssh-retry', () => LiveGuest.boot(this.context, options));
    }
    this.guests.push(guest);
    return guest;
  }

  /**
   * Kexec a guest into the next kernel (phases "kexec-load" and "kexec-to-ssh"), keeping the kernel log of the
   * generation it leaves and of the one it enters (dmesg-gen<N>.log); returns the new generation's log.
   */
  async kexec(guest: LiveGuest, options?: KexecOptions): Promise<KexecTiming & { dmesg: string }> {
    await this.saveDmesg(guest);
    const label = guest.generations.length > 1 ? `-${guest.generations.length}` : '';
    const started = Date.now();
    const timing = await this.timeline.phase(`kexec${label}`, () => guest.kexec(options));
    this.timeline.record(`kexec-load${label}`, new Date(started), timing.loadMs);
    this.timeline.record(`kexec-to-ssh${label}`, new Date(Date.now() - timing.kexecToSshMs), timing.kexecToSshMs);
    return { ...timing, dmesg: await this.saveDmesg(guest) };
  }

  /** Save an artifact file in the scenario's folder. */
  async save(name: string, contents: string | Buffer): Promise<string> {
    const file = path.join(this.context.artifactDir, name);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, contents);
    return file;
  }

  /** A luo-agent for a guest whose every run is saved as agent/gen<N>-<step>.jsonl. */
  luoAgent(guest: LiveGuest): LuoAgent {
    return new LuoAgent(guest, this.recorder(guest, 'agent'));
  }

  /** A vfio-edu for a guest whose every run is saved as vfio-edu/gen<N>-<step>.jsonl. */
  vfioEdu(guest: LiveGuest): VfioEdu {
    return new VfioEdu(guest, this.recorder(guest, 'vfio-edu'));
  }

  /** Saves a guest helper's output (and stderr, if any) under folder/gen<N>-<step>. */
  private recorder(guest: LiveGuest, folder: string): HelperRecorder {
    return async (step, run) => {
      const name = `${folder}/gen${guest.generation.index}-${step}`;
      await this.save(`${name}.jsonl`, run.stdout);
      if (run.stderr.trim()) await this.save(`${name}.stderr`, run.stderr);
    };
  }

  /** Save the current generation's kernel log as dmesg-gen<N>.log and return it. */
  async saveDmesg(guest: LiveGuest): Promise<string> {
    const dmesg = await guest.dmesg();
    await this.save(`dmesg-gen${guest.generation.index}.log`, dmesg);
    return dmesg;
  }

  /** Shut every guest down and write serial logs per generation and scenario.json. */
  async finish(error?: unknown): Promise<void> {
    await Promise.allSettled(this.guests.map((guest) => guest.close()));
    for (const [guestIndex, guest] of this.guests.entries()) {
      const prefix = this.guests.length > 1 ? `guest${guestIndex}-` : '';
      for (const generation of guest.generations) {
        await this.save(`${prefix}serial-gen${generation.index}.log`, guest.serialOf(generation.index));
      }
    }
    await this.save(
      'scenario.json',
      `${JSON.stringify(
        {
          scenario: this.context.scenario,
          kernel: this.context.kernel.release,
          nextKernel: this.context.nextKernel.release,
          accel: this.context.accel,
          phases: this.timeline.phases,
          generations: this.guests.map((guest) => guest.generations),
          facts: this.facts,
          error: error === undefined ? undefined : describe(error),
        },
        null,
        2,
      )}\n`,
    );
  }
}

/** Run a scenario body as a tap test; a thrown error fails the scenario with its message and evidence. */
export async function runScenario(t: Test, body: (session: ScenarioSession) => Promise<void>): Promise<void> {
  const context = contextFromEnvironment();
  if (!context) {
    t.plan(0, 'run scenarios through the harness: make scenario S=<name> (it builds the kernel and image first)');
    return;
  }
  shutdownMachinesOnSignals();
  const session = new ScenarioSession(context);
  let failure: unknown;
  try {
    await body(session);
  } catch (error) {
    failure = error;
    // The first line is the verdict; the rest (a serial tail) goes in the YAML diagnostic.
    const [headline = '', ...detail] = describe(error).split('\n');
    t.fail(headline, { diagnostic: true, artifacts: context.artifactDir, detail: detail.join('\n') || undefined });
  } finally {
    await session.finish(failure);
  }
}

function describe(error: unknown): string {
  if (error instanceof HarnessError) return `${error.code}: ${error.message}`;
  if (error instanceof Error) return error.message;
  return String(error);
}
