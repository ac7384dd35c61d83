// A booted guest: its QEMU machine, the SSH connection of the current kernel, and kexec across generations.
import path from 'node:path';
import { GuestError } from '../errors.ts';
import type { ScenarioContext } from '../scenario/context.ts';
import { fileSize } from '../util/file-size.ts';
import { QemuMachine } from '../vm/machine.ts';
import { defaultTopology, type Topology } from '../vm/topology.ts';
import { guestCommandLine, type CommandLineOptions } from './kernel-command-line.ts';
import type { CommandResult, GuestConnection } from './ssh.ts';
import { waitForSsh } from './wait-for-ssh.ts';

/** Deadlines per phase. TCG is slow; these bound a hang, they are not performance targets. */
export const deadlines = {
  bootToSsh: 180_000,
  kexecToSsh: 180_000,
  kexecLoad: 60_000,
} as const;

/** Serial marker printed by the image's /init once sshd runs. */
const readyPattern = /luo-harness: ssh ready boot_id=([0-9a-f-]+)/;

/** Names of the files shared with the guest at /mnt/next. */
export const sharedFiles = { kernel: 'bzImage', initramfs: 'initramfs.cpio.gz', nextKernel: 'next-bzImage' } as const;

export interface Generation {
  readonly index: number;
  readonly bootId: string;
  /** Serial log offset where this generation's kernel started. */
  readonly serialOffset: number;
  /** QEMU trace log size when this generation was entered (bounds the kexec window). */
  readonly traceOffset: number;
}

export interface BootOptions {
  readonly topology?: Topology;
  /** Words appended to the first kernel's command line. */
  readonly extraCommandLine?: readonly string[];
  readonly deadlineMs?: number;
}

export interface KexecOptions extends CommandLineOptions {
  /** Deadline from `kexec -e` to SSH in the new kernel. */
  readonly deadlineMs?: number;
  /** Use kexec_file_load (`-s`, needed for KHO). Default true; false is the negative case. */
  readonly fileLoad?: boolean;
}

export interface KexecTiming {
  readonly loadMs: number;
  readonly kexecToSshMs: number;
  /** Trace log offset at `kexec -e`. */
  readonly traceOffsetAtExec: number;
}

/** A running guest and the kernel generations it went through. */
export class LiveGuest {
  readonly generations: Generation[] = [];

  private constructor(
    readonly context: ScenarioContext,
    readonly machine: QemuMachine,
    private connection: GuestConnection,
  ) {}

  /** Boot a guest with the scenario's kernel and image, and wait for SSH. */
  static async boot(context: ScenarioContext, options: BootOptions = {}): Promise<LiveGuest> {
    const deadline = options.deadlineMs ?? deadlines.bootToSsh;
    const shareFiles: Record<string, string> = {
      [sharedFiles.kernel]: context.kernel.bzImage,
      [sharedFiles.initramfs]: context.image.initramfs,
      [sharedFiles.nextKernel]: context.nextKernel.bzImage,
    };
    const machine = await QemuMachine.launch({
      qemu: context.qemu,
      accel: context.accel,
      topology: options.topology ?? defaultTopology,
      kernel: context.kernel.bzImage,
      initrd: context.image.initramfs,
      append: guestCommandLine({ extra: options.extraCommandLine }),
      artifactDir: context.artifactDir,
      shareFiles,
    });
    try {
      const ready = await machine.waitForSerial('guest boot to SSH ready', readyPattern, 0, deadline);
      const connection = await machine.watch('SSH login', deadline, (signal) => waitForSsh(sshTarget(context, machine), signal));
      const guest = new LiveGuest(context, machine, connection);
      guest.generations.push({ index: 0, bootId: ready[1] ?? '', serialOffset: 0, traceOffset: 0 });
      return guest;
    } catch (error) {
      await machine.shutdown();
      throw error;
    }
  }

  /** The current generation (0 = first boot). */
  get generation(): Generation {
    const current = this.generations.at(-1);
    if (!current) throw new Error('guest has not booted');
    return current;
  }

  /** Run a command in the guest, failing fast if the guest dies meanwhile. */
  run(command: string, timeoutMs = 120_000): Promise<CommandResult> {
    return this.machine.watch(`guest command "${command}"`, timeoutMs, () => this.connection.run(command));
  }

  /** Run a command that must exit 0. */
  check(command: string, timeoutMs = 120_000): Promise<CommandResult> {
    return this.machine.watch(`guest command "${command}"`, timeoutMs, () => this.connection.check(command));
  }

  /** Copy a file into the guest. */
  putFile(guestPath: string, contents: string | Buffer, mode?: number): Promise<void> {
    return this.machine.watch(`copy to ${guestPath}`, 120_000, () => this.connection.putFile(guestPath, contents, mode));
  }

  /** The running kernel's boot_id. */
  async bootId(): Promise<string> {
    return (await this.check('cat /proc/sys/kernel/random/boot_id')).stdout.trim();
  }

  /** The running kernel's log. */
  async dmesg(): Promise<string> {
    return (await this.check('dmesg')).stdout;
  }

  /** Load the next kernel and kexec into it; returns once the new kernel answers SSH with a new boot_id. */
  async kexec(options: KexecOptions = {}): Promise<KexecTiming> {
    const loadFlag = options.fileLoad === false ? '-l' : '-s -l';
    const loadStart = performance.now();
    await this.check(
      `kexec ${loadFlag} /mnt/next/${sharedFiles.nextKernel} --initrd=/mnt/next/${sharedFiles.initramfs} --command-line='${guestCommandLine(options)}'`,
      deadlines.kexecLoad,
    );
    const loadMs = Math.round(performance.now() - loadStart);
    const previous = this.generation;
    const serialOffset = this.machine.serial.offset;
    const traceOffsetAtExec = await fileSize(this.machine.traceLog);
    const execStart = performance.now();
    this.connection.fireAndForget('kexec -e');
    const deadline = options.deadlineMs ?? deadlines.kexecToSsh;
    const ready = await this.machine.waitForSerial('kexec into the next kernel to SSH ready', readyPattern, serialOffset, deadline);
    const bootId = ready[1] ?? '';
    if (bootId === previous.bootId) {
      throw new GuestError(`after kexec the guest reports the same boot_id ${bootId}: the kernel did not change`);
    }
    this.connection.destroy();
    this.connection = await this.machine.watch('SSH login after kexec', deadline, (signal) =>
      waitForSsh(sshTarget(this.context, this.machine), signal),
    );
    const kexecToSshMs = Math.round(performance.now() - execStart);
    const newBootStart = this.machine.serial.search(/Linux version /, serialOffset)?.index ?? serialOffset;
    this.generations.push({ index: previous.index + 1, bootId, serialOffset: newBootStart, traceOffset: traceOffsetAtExec });
    return { loadMs, kexecToSshMs, traceOffsetAtExec };
  }

  /** Serial log text of one generation. */
  serialOf(index: number): string {
    const start = this.generations[index]?.serialOffset ?? 0;
    const end = this.generations[index + 1]?.serialOffset ?? this.machine.serial.offset;
    return this.machine.serial.content.slice(start, end);
  }

  /** Close SSH and shut QEMU down. */
  async close(): Promise<void> {
    this.connection.close();
    await this.machine.shutdown();
  }

  /** Path of an artifact file of this scenario. */
  artifact(name: string): string {
    return path.join(this.context.artifactDir, name);
  }
}

function sshTarget(context: ScenarioContext, machine: QemuMachine) {
  return {
    port: machine.sshPort,
    clientKeyFile: context.image.clientKeyFile,
    hostKeyBlob: Buffer.from(context.image.hostKey, 'base64'),
  };
}
