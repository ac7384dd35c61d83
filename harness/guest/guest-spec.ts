// What a guest is made of: everything LiveGuest.boot needs, and nothing about scenarios or runs.
import type { AcceleratorChoice } from '../vm/accel.ts';

export interface GuestSpec {
  readonly qemu: string;
  readonly accel: AcceleratorChoice;
  /** bzImage booted first. */
  readonly kernel: string;
  /** bzImage every kexec loads (the same as `kernel` unless a next kernel was given). */
  readonly nextKernel: string;
  readonly initramfs: string;
  readonly keys: {
    readonly clientKeyFile: string;
    /** base64 of the SSH host key blob the image's sshd must present (pinned). */
    readonly hostKeyBase64: string;
  };
  /** The guest gets an igb behind its own root port (its scenario asked, and the QEMU has one). */
  readonly igb: boolean;
  /** The guest's vCPUs. */
  readonly cpus: number;
  /** Where the serial log, trace, helper output, dmesg and config evidence of this guest are kept. */
  readonly artifactDir: string;
  /** The run seed (16 hex digits): every seed the guest's checks use derives from it, so a rerun repeats them. */
  readonly seed: string;
}
