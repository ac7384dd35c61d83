// One run of the floor: QEMU boots the bzImage with the luo_kexec_simple initramfs as vmtest.sh does (stage 1,
// kexec, stage 2, power off) and the wall time from QEMU's start to its exit is the floor's time.
import { readFile } from 'node:fs/promises';
import { execa } from 'execa';
import { InfrastructureError } from '../errors.ts';
import type { Accelerator } from '../vm/accel.ts';

/** vmtest.sh gives the whole run 30 s under TCG. */
const floorDeadlineMs = 30_000;

export interface FloorRun {
  readonly qemu: string;
  readonly accel: Accelerator;
  readonly bzImage: string;
  readonly initrd: string;
  readonly serialFile: string;
}

/** Boot, kexec, verify: milliseconds from QEMU's start to its exit; anything but "TEST PASSED" is an error naming the serial log. */
export async function runFloor(run: FloorRun): Promise<number> {
  const started = performance.now();
  const result = await execa(
    run.qemu,
    ['-m', '1G', '-smp', '2', '-no-reboot', '-nographic', '-nodefaults', '-accel', run.accel, '-serial', `file:${run.serialFile}`,
      '-append', 'console=ttyS0 liveupdate=on panic=-1', '-kernel', run.bzImage, '-initrd', run.initrd],
    { reject: false, stdin: 'ignore', timeout: floorDeadlineMs, cleanup: true, all: true },
  );
  const wallMs = Math.round(performance.now() - started);
  const serial = await readFile(run.serialFile, 'utf8').catch(() => '');
  if (!serial.includes('TEST PASSED')) {
    const why = result.timedOut ? `did not finish within ${floorDeadlineMs / 1000} s` : `exited ${result.exitCode ?? result.signal} without "TEST PASSED"`;
    throw new InfrastructureError(`the luo_kexec_simple floor ${why}; serial log: ${run.serialFile}${result.all ? `\n${result.all.trim()}` : ''}`);
  }
  return wallMs;
}
