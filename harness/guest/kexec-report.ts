// What a scenario asks of a kexec and what it learns from one.
import type { LiveUpdateLog } from '../checks/live-update-log.ts';
import type { PciConfigWrite } from '../checks/qemu-trace.ts';
import type { CommandLineOptions } from './kernel-command-line.ts';
import type { TraceMark } from '../vm/trace-log.ts';
import type { Generation } from './guest-access.ts';

export interface KexecOptions extends CommandLineOptions {
  /** Deadline from `kexec -e` to SSH in the new kernel. */
  readonly deadlineMs?: number;
  /** Use kexec_file_load (`-s`, needed for KHO). Default true; false is the negative case. */
  readonly fileLoad?: boolean;
  /** A shell command run right before `kexec -e`, in the same SSH command (e.g. starting a device's DMA). */
  readonly beforeExec?: string;
  /** The kernel to go into: the next kernel (default), or the one the guest first booted (a rollback). */
  readonly into?: 'next' | 'first';
}

/** The CPUs the new kernel has online, and how many the machine has. */
export interface CpusOnline {
  /** /sys/devices/system/cpu/online as the kernel wrote it ("0-3"). */
  readonly online: string;
  readonly count: number;
  /** N from the kernel's own `smp: Brought up ... N CPUs`, when it said so. */
  readonly broughtUp: number | undefined;
  readonly machine: number;
}

/** Moments of a kexec, as points in QEMU's trace: they split its config writes into who made them. */
export interface KexecWindow {
  /** `kexec -e` was sent: the old kernel freezes preserved devices and shuts down. */
  readonly exec: TraceMark;
  /** The new kernel's banner appeared on the serial console: it boots and enumerates. */
  readonly newKernel: TraceMark;
  /** The new kernel's userspace is up (the image's init reported SSH ready). */
  readonly userspace: TraceMark;
  /** The harness is logged in again. */
  readonly sshAnswered: TraceMark;
}

export interface KexecReport {
  readonly from: Generation;
  readonly to: Generation;
  readonly loadMs: number;
  /** From `kexec -e` until the new kernel answered SSH (the blackout). */
  readonly kexecToSshMs: number;
  /** What the new kernel logged about the live update it came out of. */
  readonly log: LiveUpdateLog;
  /** Which kernel it went into, and the CPUs that kernel brought up. */
  readonly into: 'next' | 'first';
  readonly cpus: CpusOnline;
  readonly window: KexecWindow;
  /** QEMU's record of every config write from `kexec -e` until the new kernel answered SSH. */
  readonly configWrites: readonly PciConfigWrite[];
}
