// A booted guest: its QEMU machine, the SSH connection of the current kernel, kexec across generations, and the
// operations scenarios use (PCI, LUO, VFIO), each kept as evidence in the guest's artifact folder.
import path from 'node:path';
import { parseLiveUpdateLog } from '../checks/live-update-log.ts';
import { parsePciTrace } from '../checks/qemu-trace.ts';
import { GuestError, GuestPanicError, TimeoutError } from '../errors.ts';
import { saveArtifact, type ArtifactKind } from '../results/artifacts.ts';
import { QemuMachine } from '../vm/machine.ts';
import { defaultTopology, deviceLayout, eduBdf, igbBdf, rootPortBdf, withIgb, type Topology } from '../vm/topology.ts';
import type { HelperRecorder } from './guest-helper.ts';
import type { Generation, GuestAccess } from './guest-access.ts';
import type { GuestSpec } from './guest-spec.ts';
import { auditKexecWindow, kexecConfigEvidence, type KexecWithConfigReport, type WriteAudit } from './kexec-evidence.ts';
import type { CpusOnline, KexecOptions, KexecReport, KexecWindow } from './kexec-report.ts';
import { guestCommandLine } from './kernel-command-line.ts';
import { LuoAgent } from './luo-agent.ts';
import { GuestPci } from './pci.ts';
import { ConnectionPool } from './connection-pool.ts';
import { GuestConnection, type CommandResult } from './ssh.ts';
import { VfioEdu } from './vfio-edu.ts';
import { VfioIgb } from './vfio-igb.ts';
import { waitForSsh } from './wait-for-ssh.ts';

export type { Generation } from './guest-access.ts';
export type { KexecOptions, KexecReport } from './kexec-report.ts';
export type { KexecWithConfigReport } from './kexec-evidence.ts';

/** What kexecOrFailure() saw: the new kernel up, or its panic or hang with the serial console since. */
export type KexecOrFailure =
  | { readonly ended: 'booted'; readonly report: KexecReport }
  | { readonly ended: 'panic' | 'hang'; readonly serial: string; readonly message: string };

/** Deadlines per phase. TCG is slow; these bound a hang, they are not performance targets. */
export const deadlines = {
  bootToSsh: 180_000,
  kexecToSsh: 180_000,
  kexecLoad: 60_000,
} as const;

/** Serial marker printed by the image's /init once sshd runs; the whole UUID, as the line may be read half-written. */
const readyPattern = /luo-harness: ssh ready boot_id=([0-9a-f-]{36})/;

/** Where the image's /init mounts the machine's read-only share. */
const shareMount = '/mnt/next';

/** Names of the files shared with the guest at boot. */
const sharedFiles = { kernel: 'bzImage', initramfs: 'initramfs.cpio', nextKernel: 'next-bzImage' } as const;

/** Where timed steps are recorded (a scenario's timeline); structural, so the guest knows no scenario. */
export interface PhaseRecorder {
  phase<T>(name: string, work: () => Promise<T>): Promise<T>;
  record(name: string, startedAt: Date, durationMs: number): void;
}

const untimed: PhaseRecorder = { phase: (_name, work) => work(), record: () => undefined };

export interface BootOptions {
  readonly topology?: Topology;
  /** Words appended to the first kernel's command line. */
  readonly extraCommandLine?: readonly string[];
  readonly deadlineMs?: number;
  /** Records each kexec's phases (load, kexec to SSH). */
  readonly phases?: PhaseRecorder;
}

/** A running guest and the kernel generations it went through; its PCI, LUO and VFIO objects reach it as a GuestAccess. */
export class LiveGuest implements GuestAccess {
  readonly generations: Generation[] = [];
  /** PCI devices, driver binding and config-space snapshots. */
  readonly pci = new GuestPci(this);
  /** The LUO guest helper: sessions, preserved memfds. */
  readonly luo = new LuoAgent(this, this.recorder('agent', 'luo-agent'));
  /** The VFIO guest helper for edu devices: DMA, MSI, config, preservation. */
  readonly vfio = new VfioEdu(this, this.recorder('vfio-edu', 'vfio-edu'));
  /** The VFIO guest helper for the igb: loopback DMA, MSI-X. */
  readonly igb = new VfioIgb(this, this.recorder('vfio-igb', 'vfio-igb'));

  private constructor(
    readonly spec: GuestSpec,
    readonly machine: QemuMachine,
    /** The hardware it was booted with: where its devices are. */
    readonly topology: Topology,
    connection: GuestConnection,
    private readonly phases: PhaseRecorder,
  ) {
    this.connections = this.poolFor(connection);
  }

  /** SSH to the current kernel: one connection, and more while commands run side by side. */
  private connections: ConnectionPool;
  /** copyIn() calls so far: each shares its files in a folder of its own. */
  private copies = 0;

  /** Boot a guest from its spec and wait for SSH. */
  static async boot(spec: GuestSpec, options: BootOptions = {}): Promise<LiveGuest> {
    const deadline = options.deadlineMs ?? deadlines.bootToSsh;
    const topology = options.topology ?? { ...(spec.igb ? withIgb(defaultTopology) : defaultTopology), cpus: spec.cpus };
    const machine = await QemuMachine.launch({
      qemu: spec.qemu,
      accel: spec.accel,
      layout: deviceLayout(topology),
      kernel: spec.kernel,
      initrd: spec.initramfs,
      append: guestCommandLine({ extra: options.extraCommandLine }),
      artifactDir: spec.artifactDir,
      shareFiles: { [sharedFiles.kernel]: spec.kernel, [sharedFiles.initramfs]: spec.initramfs, [sharedFiles.nextKernel]: spec.nextKernel },
    });
    try {
      const ready = await machine.waitForSerial('guest boot to SSH ready', readyPattern, 0, deadline);
      const connection = await machine.watch('SSH login', deadline, (signal) => waitForSsh(sshTarget(spec, machine), signal));
      const guest = new LiveGuest(spec, machine, topology, connection, options.phases ?? untimed);
      guest.generations.push({ index: 0, bootId: ready[1] ?? '', serialOffset: 0 });
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

  /** The run seed (GuestSpec.seed) the helpers derive their seeds from. */
  get seed(): string {
    return this.spec.seed;
  }

  /** BDFs of the topology's edu devices, in the topology's order (the first sits behind a root port). */
  get eduDevices(): string[] {
    return this.topology.eduDevices.map((edu) => eduBdf(this.topology, edu));
  }

  /** BDF of the topology's igb; undefined when the guest has none (not asked for, or the QEMU lacks it). */
  get igbDevice(): string | undefined {
    return igbBdf(this.topology);
  }

  /** BDF of the bridge upstream of an edu device or the igb, when it sits behind one. */
  upstreamBridgeOf(bdf: string): string | undefined {
    if (this.topology.igb && bdf === igbBdf(this.topology)) return rootPortBdf(this.topology.igb);
    const edu = this.topology.eduDevices.find((device) => eduBdf(this.topology, device) === bdf);
    return edu ? rootPortBdf(edu) : undefined;
  }

  /** Run a command in the guest, failing fast if the guest dies meanwhile. */
  run(command: string, timeoutMs = 120_000): Promise<CommandResult> {
    return this.machine.watch(`guest command "${command}"`, timeoutMs, () => this.connections.use((connection) => connection.run(command)));
  }

  /** Run a command that must exit 0. */
  check(command: string, timeoutMs = 120_000): Promise<CommandResult> {
    return this.machine.watch(`guest command "${command}"`, timeoutMs, () => this.connections.use((connection) => connection.check(command)));
  }

  /**
   * Copy host files, with their modes, into a guest folder. They go through the read-only share, not SSH: under TCG
   * SSH carries about half a megabyte a second, and a selftest binary is 800 KB.
   */
  async copyIn(guestDir: string, hostFiles: readonly string[]): Promise<void> {
    const folder = `copy-in-${++this.copies}`;
    for (const file of hostFiles) await this.machine.shareFile(`${folder}/${path.basename(file)}`, file);
    await this.check(`mkdir -p '${guestDir}' && cp -p ${shareMount}/${folder}/* '${guestDir}/'`);
  }

  /** The running kernel's boot_id. */
  async bootId(): Promise<string> {
    return (await this.check('cat /proc/sys/kernel/random/boot_id')).stdout.trim();
  }

  /** The running kernel's release (uname -r). */
  async kernelRelease(): Promise<string> {
    return (await this.check('uname -r')).stdout.trim();
  }

  /** The running kernel's command line. */
  async commandLine(): Promise<string> {
    return (await this.check('cat /proc/cmdline')).stdout.trim();
  }

  /** Whether /dev/liveupdate exists as a character device. */
  async hasLiveUpdateDevice(): Promise<boolean> {
    return (await this.run('test -c /dev/liveupdate')).exitCode === 0;
  }

  /** The IOMMUs the running kernel registered (/sys/class/iommu). */
  async iommus(): Promise<string[]> {
    return (await this.check('ls /sys/class/iommu')).stdout.split(/\s+/).filter(Boolean);
  }

  /** The running kernel's log, kept as dmesg-gen<N>.log. */
  async dmesg(): Promise<string> {
    const log = (await this.check('dmesg')).stdout;
    await this.save(`dmesg-gen${this.generation.index}.log`, log, { kind: 'dmesg', generation: this.generation.index });
    return log;
  }

  /** Save a file in the guest's artifact folder, listed in its artifact index as `kind`. */
  save(name: string, contents: string | Buffer, kind?: ArtifactKind): Promise<string> {
    return saveArtifact(this.spec.artifactDir, name, contents, kind);
  }

  /**
   * Live-update kexec into the next kernel; returns once the new kernel answers SSH with a new boot_id, with what a
   * scenario judges: the new kernel's live-update log and QEMU's record of config writes from `kexec -e` until then.
   */
  async kexec(options: KexecOptions = {}): Promise<KexecReport> {
    return (await this.kexecReporting(options, () => Promise.resolve(undefined))).report;
  }

  /**
   * kexec(), or how it ended when the new kernel never answered SSH: a panic or a hang, with the serial console from
   * before `kexec -e` on (kept as serial-after-kexec.log), the only evidence a dead guest leaves. Other failures throw.
   */
  async kexecOrFailure(options: KexecOptions = {}): Promise<KexecOrFailure> {
    const start = this.machine.serial.offset;
    try {
      return { ended: 'booted', report: await this.kexec(options) };
    } catch (error) {
      const panicked = error instanceof GuestPanicError;
      if (!panicked && !(error instanceof TimeoutError)) throw error;
      const serial = this.machine.serial.content.slice(start);
      await this.save('serial-after-kexec.log', serial, { kind: 'serial-log', generation: this.generation.index + 1 });
      return { ended: panicked ? 'panic' : 'hang', serial, message: error.message.split('\n')[0] ?? '' };
    }
  }

  /** kexec() with every device's config space snapshotted before and after, diffed, and the window's writes audited. */
  async kexecWithConfigEvidence(options: KexecOptions = {}): Promise<KexecWithConfigReport> {
    const before = await this.pci.snapshot(`gen${this.generation.index}-before-kexec`);
    const { report, evidence } = await this.kexecReporting(options, (window, label) => kexecConfigEvidence(this, this.machine.trace, before, window, label));
    return { ...report, config: evidence };
  }

  /** kexec and report; `evidence` runs first once the new kernel answers, before anything else touches it. */
  private async kexecReporting<T>(
    options: KexecOptions,
    evidence: (window: KexecWindow, label: string) => Promise<T>,
  ): Promise<{ report: KexecReport; evidence: T }> {
    const from = this.generation;
    await this.dmesg();
    const label = from.index > 0 ? `-${from.index + 1}` : '';
    const started = new Date();
    const { loadMs, kexecToSshMs, window } = await this.phases.phase(`kexec${label}`, () => this.kexecInto(options));
    this.phases.record(`kexec-load${label}`, started, loadMs);
    this.phases.record(`kexec-to-ssh${label}`, new Date(Date.now() - kexecToSshMs), kexecToSshMs);
    const taken = await evidence(window, label);
    const slice = await this.machine.trace.since(window.exec, window.sshAnswered);
    const dmesg = await this.dmesg();
    const log = parseLiveUpdateLog(dmesg);
    const cpus = { ...(await this.cpusOnline()), broughtUp: cpusBroughtUp(dmesg) };
    const into = options.into ?? 'next';
    const report = { from, to: this.generation, loadMs, kexecToSshMs, log, into, cpus, window, configWrites: parsePciTrace(slice.content, slice.offset) };
    return { report, evidence: taken };
  }

  /**
   * Load, `kexec -e`, wait for the new kernel's SSH. The trace is marked at `kexec -e`, when the new kernel's banner
   * appears on the serial console, when its userspace is up, and when SSH answers: the phases of the window.
   */
  private async kexecInto(options: KexecOptions): Promise<{ loadMs: number; kexecToSshMs: number; window: KexecWindow }> {
    const loadStart = performance.now();
    await this.loadNextKernel(options);
    const loadMs = Math.round(performance.now() - loadStart);
    const previous = this.generation;
    const serialOffset = this.machine.serial.offset;
    const exec = await this.machine.trace.mark();
    const execStart = performance.now();
    await this.connections.use((connection) => Promise.resolve(connection.fireAndForget(options.beforeExec ? `${options.beforeExec}; kexec -e` : 'kexec -e')));
    const deadline = options.deadlineMs ?? deadlines.kexecToSsh;
    const banner = await this.machine.waitForSerial('kexec into the next kernel to SSH ready', /Linux version /, serialOffset, deadline);
    const newKernel = await this.machine.trace.mark();
    const ready = await this.machine.waitForSerial('kexec into the next kernel to SSH ready', readyPattern, serialOffset, deadline);
    const userspace = await this.machine.trace.mark();
    const bootId = ready[1] ?? '';
    if (bootId === previous.bootId) {
      throw new GuestError(`after kexec the guest reports the same boot_id ${bootId}: the kernel did not change`);
    }
    this.connections.destroy();
    this.connections = this.poolFor(await this.machine.watch('SSH login after kexec', deadline, (signal) => waitForSsh(sshTarget(this.spec, this.machine), signal)));
    const sshAnswered = await this.machine.trace.mark();
    const kexecToSshMs = Math.round(performance.now() - execStart);
    this.generations.push({ index: previous.index + 1, bootId, serialOffset: banner.index });
    return { loadMs, kexecToSshMs, window: { exec, newKernel, userspace, sshAnswered } };
  }

  /** The CPUs the running kernel has online. */
  async cpusOnline(): Promise<Omit<CpusOnline, 'broughtUp'>> {
    const online = (await this.check('cat /sys/devices/system/cpu/online')).stdout.trim();
    return { online, count: countCpus(online), machine: this.topology.cpus };
  }

  /**
   * Load the next kernel, or with `into: 'first'` the one the guest first booted (`kexec -s -l`, or `kexec -l`
   * without KHO), with the guest command line.
   */
  async loadNextKernel(options: KexecOptions = {}): Promise<void> {
    const loadFlag = options.fileLoad === false ? '-l' : '-s -l';
    const kernel = options.into === 'first' ? sharedFiles.kernel : sharedFiles.nextKernel;
    await this.check(
      `kexec ${loadFlag} ${shareMount}/${kernel} --initrd=${shareMount}/${sharedFiles.initramfs} --command-line='${guestCommandLine(options)}'`,
      deadlines.kexecLoad,
    );
  }

  /** Audit the config writes from a kexec's `kexec -e` until now (a preserved device's FINISH, say), by phase. */
  async auditWritesSinceKexec(report: KexecWithConfigReport, name: string): Promise<WriteAudit> {
    return auditKexecWindow(this, this.machine.trace, report.config.before, report.window, await this.machine.trace.mark(), name);
  }

  /** Serial log text of one generation. */
  serialOf(index: number): string {
    const start = this.generations[index]?.serialOffset ?? 0;
    const end = this.generations[index + 1]?.serialOffset ?? this.machine.serial.offset;
    return this.machine.serial.content.slice(start, end);
  }

  /** Close SSH and shut QEMU down. */
  async close(): Promise<void> {
    this.connections.close();
    await this.machine.shutdown();
  }

  private poolFor(first: GuestConnection): ConnectionPool {
    return new ConnectionPool(first, () => this.machine.watch('another SSH login', deadlines.bootToSsh, () => GuestConnection.connect(sshTarget(this.spec, this.machine), 10_000)));
  }

  /** Saves a guest helper's output (and stderr, if any) under folder/gen<N>-<step>. */
  private recorder(folder: string, helper: string): HelperRecorder {
    return async (step, run) => {
      const name = `${folder}/gen${this.generation.index}-${step}`;
      await this.save(`${name}.jsonl`, run.stdout, { kind: 'helper-output', helper });
      if (run.stderr.trim()) await this.save(`${name}.stderr`, run.stderr);
    };
  }
}

/** N from the kernel's `smp: Brought up 1 node, N CPUs`. */
export function cpusBroughtUp(dmesg: string): number | undefined {
  const count = /smp: Brought up \d+ nodes?, (\d+) CPUs?/.exec(dmesg)?.[1];
  return count === undefined ? undefined : Number(count);
}

/** How many CPUs a kernel CPU list names ("0-3,5" is five). */
export function countCpus(list: string): number {
  return list
    .split(',')
    .filter(Boolean)
    .reduce((count, range) => {
      const [first = '', last = first] = range.split('-');
      return count + Number(last) - Number(first) + 1;
    }, 0);
}

function sshTarget(spec: GuestSpec, machine: QemuMachine) {
  return { port: machine.sshPort, clientKeyFile: spec.keys.clientKeyFile, hostKeyBlob: Buffer.from(spec.keys.hostKeyBase64, 'base64') };
}
