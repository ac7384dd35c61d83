// One class owns one QEMU process: launch, QMP, serial, failure detection, and shutdown on every path.
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile, link, copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { execa, type ResultPromise } from 'execa';
import pRetry from 'p-retry';
import { GuestError, GuestPanicError, HarnessError, InfrastructureError, InterruptedError, MissingToolError, TimeoutError } from '../errors.ts';
import { withDeadline } from '../util/deadline.ts';
import { shellWord } from '../util/shell-word.ts';
import type { AcceleratorChoice } from './accel.ts';
import { freeLoopbackPort } from './free-port.ts';
import { QmpClient, type QmpEvent } from './qmp.ts';
import { SerialConsole } from './serial-console.ts';
import type { MachineLayout } from './layout.ts';
import { liveMachines, registerMachine } from './registry.ts';
import { TraceLog } from './trace-log.ts';

export interface MachineOptions {
  readonly qemu: string;
  readonly accel: AcceleratorChoice;
  /** Its hardware: the scenarios' devices (deviceLayout), or the kernel selftests' bare machine (selftestLayout). */
  readonly layout: MachineLayout;
  readonly kernel: string;
  readonly initrd: string;
  readonly append: string;
  /** Where the serial log, trace, QEMU log and command line are kept. */
  readonly artifactDir: string;
  /** Files shared read-only with the guest (9p tag luo_next): what it may kexec into; shareFile() adds more. */
  readonly shareFiles?: Readonly<Record<string, string>>;
}

/** How long a failed guest operation waits for QEMU's own death report before reporting the operation's error. */
const deathReportGraceMs = 3000;

/** Serial console lines that mean the kernel died. */
const panicPattern = /Kernel panic - not syncing[^\n]*|BUG: kernel NULL pointer[^\n]*|Oops: [^\n]*/;

/** A running QEMU guest. Use `await using machine = await QemuMachine.launch(...)` or call shutdown(). */
export class QemuMachine implements AsyncDisposable {
  readonly serial: SerialConsole;
  /** QMP events (SHUTDOWN, RESET, GUEST_PANICKED...), saved as qmp-events.json at shutdown. */
  readonly events: QmpEvent[] = [];
  /** Rejects (and stays rejected) once the guest panics or QEMU exits unexpectedly. */
  readonly failure: Promise<never>;
  private failWith: (error: Error) => void = () => undefined;
  private qmp: QmpClient | undefined;
  private process: ResultPromise | undefined;
  private stopping = false;
  /** QEMU is expected to end on its own (waitForExit): its exit is the outcome, not a failure. */
  private exitExpected = false;
  /** QEMU's peak resident memory, read just before it was asked to quit. */
  peakRssMiB: number | undefined;
  private stopped: Promise<void> | undefined;

  /** QEMU's trace of config writes and BAR mappings; mark() and since() bound a window such as a kexec. */
  readonly trace: TraceLog;
  private constructor(
    readonly options: MachineOptions,
    readonly sshPort: number,
    private readonly tempDir: string,
    traceFile: string,
    private readonly share: string | undefined,
  ) {
    this.trace = new TraceLog(traceFile);
    this.serial = new SerialConsole(path.join(options.artifactDir, 'serial.log'));
    this.failure = new Promise<never>((_, reject) => (this.failWith = reject));
    // Nobody may be awaiting failure yet; keep Node from reporting it as unhandled.
    this.failure.catch(() => undefined);
  }

  /** Start QEMU, connect QMP, follow the serial console. */
  static async launch(options: MachineOptions): Promise<QemuMachine> {
    await mkdir(options.artifactDir, { recursive: true });
    const tempDir = await mkdtemp(path.join(tmpdir(), 'luo-harness-vm-'));
    let share: string | undefined;
    if (options.shareFiles) {
      share = path.join(tempDir, 'share');
      await mkdir(share);
      for (const [name, file] of Object.entries(options.shareFiles)) await linkOrCopy(file, path.join(share, name));
    }
    const sshPort = await freeLoopbackPort();
    const traceLog = path.join(options.artifactDir, 'qemu-trace.log');
    const args = [
      ...options.layout.hardware(options.accel.accel, { traceLog, sshPort, share }),
      '-accel', [options.accel.accel, ...(options.layout.accelProperties?.(options.accel.accel) ?? [])].join(','),
      '-nodefaults', '-nographic', '-no-reboot',
      '-chardev', `file,id=serial0,path=${path.join(options.artifactDir, 'serial.log')}`,
      '-serial', 'chardev:serial0',
      '-qmp', `unix:${path.join(tempDir, 'qmp.sock')},server=on,wait=off`,
      '-kernel', options.kernel, '-initrd', options.initrd, '-append', options.append,
    ];
    const commandLine = [options.qemu, ...args];
    await writeFile(path.join(options.artifactDir, 'qemu-cmdline.txt'), `${commandLine.map(shellWord).join(' ')}\n`);
    const machine = new QemuMachine(options, sshPort, tempDir, traceLog, share);
    registerMachine(machine);
    try {
      await machine.start(args, path.join(tempDir, 'qmp.sock'));
    } catch (error) {
      await machine.shutdown();
      throw error;
    }
    return machine;
  }

  private async start(args: string[], qmpSocket: string): Promise<void> {
    this.serial.start();
    const child = execa(this.options.qemu, args, {
      reject: false,
      stdin: 'ignore',
      stdout: { file: path.join(this.options.artifactDir, 'qemu.log') },
      stderr: { file: path.join(this.options.artifactDir, 'qemu.log') },
      // execa kills the child if this process exits without shutting the machine down.
      cleanup: true,
    });
    this.process = child;
    child.on('error', () => undefined);
    void child.then((result) => {
      if (this.stopping || this.exitExpected) return;
      const cause = result.failed && result.code === 'ENOENT' ? 'not found' : `exited with ${result.exitCode ?? result.signal ?? 'unknown status'}`;
      // QEMU's own complaint (bad option, hardware error such as an edu DMA out of range) is in qemu.log.
      const qemuSaid = readFileSync(path.join(this.options.artifactDir, 'qemu.log'), 'utf8').trim().split('\n').slice(-3).join(' | ');
      this.failWith(new GuestError(`QEMU ${cause} while the guest was running${qemuSaid ? ` (QEMU: ${qemuSaid})` : ''}; serial tail:\n${this.serial.tail()}`));
    });
    if (child.pid === undefined) {
      throw new MissingToolError(`cannot start QEMU (${this.options.qemu}); install qemu-system-x86 or set QEMU=<path>`);
    }
    await writeFile(path.join(this.options.artifactDir, 'qemu.pid'), `${child.pid}\n`);
    this.qmp = await withDeadline('QMP socket', 15_000, (signal) =>
      Promise.race([
        pRetry(() => QmpClient.connect(qmpSocket), { retries: 100, minTimeout: 50, maxTimeout: 200, signal }),
        this.failure,
      ]),
    ).catch((error: unknown) => {
      // A signal that aborted the machine meanwhile is what happened, not a QEMU that could not start.
      if (error instanceof InterruptedError) throw error;
      throw new InfrastructureError(`QEMU did not open its QMP socket: ${error instanceof Error ? error.message : String(error)}`);
    });
    this.qmp.on('event', (event: QmpEvent) => {
      this.events.push(event);
      if (event.event === 'GUEST_PANICKED') {
        this.failWith(new GuestPanicError(`guest panicked (pvpanic); serial tail:\n${this.serial.tail()}`));
      }
    });
    void this.serial.waitFor(panicPattern).then((match) => {
      const Failure = match[0].startsWith('Kernel panic') ? GuestPanicError : GuestError;
      if (!this.stopping) this.failWith(new Failure(`guest kernel failed: ${match[0]}; serial tail:\n${this.serial.tail()}`));
    });
  }

  /** QEMU's process id (undefined before it started). */
  get pid(): number | undefined {
    return this.process?.pid;
  }

  /** Wait for something in the guest, failing early if the guest dies, within a deadline. */
  async watch<T>(what: string, milliseconds: number, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    try {
      return await withDeadline(what, milliseconds, (signal) => Promise.race([work(signal), this.failure]));
    } catch (error) {
      if (error instanceof HarnessError) throw error;
      // A dropped SSH connection usually means QEMU or the guest died; that report says more, so give it a moment.
      const death = await Promise.race([this.failure.catch((failure: unknown) => failure), delay(deathReportGraceMs)]);
      if (death instanceof Error) throw death;
      throw new GuestError(`${what} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
  }

  /**
   * Wait for QEMU to end on its own (a guest that powers off) and return its exit code; a panic or the deadline ends
   * the wait first, as for every wait.
   */
  async waitForExit(what: string, milliseconds: number): Promise<number | undefined> {
    const child = this.process;
    if (!child) throw new InfrastructureError(`${what}: QEMU is not running`);
    this.exitExpected = true;
    return this.watch(what, milliseconds, () => child.then((result) => result.exitCode));
  }

  /** Wait for a serial console line at or after an offset; a timeout carries the serial tail. */
  async waitForSerial(what: string, pattern: RegExp, from: number, milliseconds: number): Promise<RegExpExecArray> {
    try {
      return await this.watch(what, milliseconds, (signal) => this.serial.waitFor(pattern, from, signal));
    } catch (error) {
      if (error instanceof TimeoutError) throw new TimeoutError(`${error.message}; serial tail:\n${this.serial.tail()}`);
      throw error;
    }
  }

  /**
   * Share one more host file with the running guest, as `name` (a relative path) under the share. The guest sees it
   * at once as long as the name is new: it caches what it read (cache=loose), and a file never changes under it.
   */
  async shareFile(name: string, hostFile: string): Promise<void> {
    if (!this.share) throw new Error('this machine was launched without a share');
    const to = path.join(this.share, name);
    await mkdir(path.dirname(to), { recursive: true });
    await linkOrCopy(hostFile, to);
  }

  /** Polite shutdown (QMP quit), then SIGTERM, then SIGKILL; always removes temp files. Idempotent. */
  shutdown(): Promise<void> {
    this.stopped ??= this.stop();
    return this.stopped;
  }

  /** End every wait on this machine at once with `reason` (a signal, say), then shut it down. */
  abort(reason: Error): Promise<void> {
    this.failWith(reason);
    return this.shutdown();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.shutdown();
  }

  private async stop(): Promise<void> {
    this.stopping = true;
    const child = this.process;
    if (child && child.exitCode === null && child.signalCode === null) {
      this.peakRssMiB = await peakRssMiB(child.pid);
      const exited = child.then(() => undefined);
      // Politely only when QMP is there to ask; without it (stopped while connecting) nothing would ever answer.
      let gone = false;
      if (this.qmp) {
        await Promise.race([this.qmp.execute('quit').catch(() => undefined), exited]);
        gone = await raceTimeout(exited, 3000);
      }
      if (!gone) {
        child.kill('SIGTERM');
        if (!(await raceTimeout(exited, 3000))) {
          child.kill('SIGKILL');
          await exited;
        }
      }
    }
    this.qmp?.close();
    await writeFile(path.join(this.options.artifactDir, 'qmp-events.json'), `${JSON.stringify(this.events, null, 2)}\n`);
    this.serial.stop();
    await rm(this.tempDir, { recursive: true, force: true });
    liveMachines.delete(this);
  }
}

/** VmHWM of a live process, in MiB; undefined when /proc does not say. */
async function peakRssMiB(pid: number | undefined): Promise<number | undefined> {
  const status = await readFile(`/proc/${pid ?? 0}/status`, 'utf8').catch(() => '');
  const kib = /VmHWM:\s+(\d+)/.exec(status)?.[1];
  return kib === undefined ? undefined : Math.round(Number(kib) / 1024);
}

async function raceTimeout(promise: Promise<void>, milliseconds: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), milliseconds)));
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function linkOrCopy(from: string, to: string): Promise<void> {
  try {
    await link(from, to);
  } catch {
    await copyFile(from, to);
  }
}
