// One run of the floor: QEMU boots the bzImage with the luo_kexec_simple initramfs on the machine vmtest.sh boots
// (stage 1, kexec, stage 2, power off), and the wall time from QEMU's start to its exit is the floor's time.
import path from 'node:path';
import { HarnessError, InfrastructureError, InterruptedError } from '../errors.ts';
import type { AcceleratorChoice } from '../vm/accel.ts';
import { selftestLayout } from '../vm/layout.ts';
import { QemuMachine } from '../vm/machine.ts';

/** vmtest.sh gives the whole run 30 s under TCG. */
const floorDeadlineMs = 30_000;

export interface FloorRun {
  readonly qemu: string;
  readonly accel: AcceleratorChoice;
  readonly bzImage: string;
  readonly initrd: string;
  /** Where this run's serial log and QEMU files are kept. */
  readonly artifactDir: string;
}

/** Boot, kexec, verify: milliseconds from QEMU's start to its exit; anything but "TEST PASSED" is an error naming the serial log. */
export async function runFloor(run: FloorRun): Promise<number> {
  const serialLog = path.join(run.artifactDir, 'serial.log');
  // A QEMU that would not start, a panic or a hang is what the floor did: the floor failed, with its serial log. A
  // signal is a signal.
  const failed = (error: unknown) =>
    error instanceof HarnessError && !(error instanceof InterruptedError)
      ? new InfrastructureError(`the luo_kexec_simple floor failed: ${error.message.split('\n')[0] ?? ''}; serial log: ${serialLog}`)
      : error;
  const started = performance.now();
  const machine = await QemuMachine.launch({
    qemu: run.qemu,
    accel: run.accel,
    layout: selftestLayout({ memoryMiB: 1024, cpus: 2 }),
    kernel: run.bzImage,
    initrd: run.initrd,
    append: 'console=ttyS0 liveupdate=on panic=-1',
    artifactDir: run.artifactDir,
  }).catch((error: unknown) => {
    throw failed(error);
  });
  let exitCode: number | undefined;
  let wallMs = 0;
  try {
    exitCode = await machine.waitForExit('the luo_kexec_simple floor', floorDeadlineMs);
    wallMs = Math.round(performance.now() - started);
  } catch (error) {
    throw failed(error);
  } finally {
    // Reads the serial console to its end, too.
    await machine.shutdown();
  }
  if (!machine.serial.content.includes('TEST PASSED')) {
    throw new InfrastructureError(`the luo_kexec_simple floor exited ${exitCode ?? 'by a signal'} without "TEST PASSED"; serial log: ${serialLog}`);
  }
  return wallMs;
}
