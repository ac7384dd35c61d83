// What kind of machine QEMU emulates: the hardware part of its command line. QemuMachine adds what every machine has
// (accelerator, serial console, QMP, the kernel to boot); a layout adds the rest.
import type { Accelerator } from './accel.ts';

/** The files and port a machine set up that its hardware may use. */
export interface LayoutFiles {
  /** QEMU's trace log (-D). */
  readonly traceLog: string;
  /** The host port forwarded to the guest's SSH. */
  readonly sshPort: number;
  /** Host folder shared read-only at mount tag luo_next (next kernel and initramfs). */
  readonly share?: string;
}

export interface MachineLayout {
  hardware(accel: Accelerator, files: LayoutFiles): string[];
  /** Properties of the accelerator this hardware wants (`-accel tcg,<these>`); none when absent. */
  accelProperties?(accel: Accelerator): string[];
}

/**
 * The machine the kernel's own live-update selftests boot (tools/testing/selftests/liveupdate/vmtest.sh): QEMU's
 * default machine and CPU, memory and CPUs, nothing else.
 */
export function selftestLayout(machine: { readonly memoryMiB: number; readonly cpus: number }): MachineLayout {
  return { hardware: () => ['-m', `${machine.memoryMiB}M`, '-smp', String(machine.cpus)] };
}
