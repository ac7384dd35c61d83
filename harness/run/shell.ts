// `make shell`: boot the guest as the scenarios do and leave it running for a person, until Ctrl-C.
import path from 'node:path';
import type { Options } from '../config/options.ts';
import { ExitCode } from '../errors.ts';
import { LiveGuest } from '../guest/live-guest.ts';
import { createRunDir } from '../results/run-dir.ts';
import { repoRoot } from '../util/paths.ts';
import { guestSpec, prepareRun } from './prepare.ts';
import { sshCommand } from './ssh-command.ts';

/** Boot, print the SSH command (host key pinned through a known_hosts file), wait for SIGINT/SIGTERM or the guest's end. */
export async function runShell(options: Options, cache: string): Promise<number> {
  const prepared = await prepareRun(options, cache);
  const run = await createRunDir(path.resolve(options.results ?? path.join(repoRoot, 'results')));
  // The whole machine, the igb included: a person poking around may want any device a scenario has.
  const spec = guestSpec(prepared, { qemu: prepared.qemu, artifactDir: path.join(run.dir, 'shell'), needs: { igb: true }, cpus: options.cpus });
  const guest = await LiveGuest.boot(spec);
  try {
    process.stdout.write(
      [
        `guest up (${prepared.kernel.release}, ${prepared.accel.accel}); serial log: ${guest.machine.serial.file}`,
        await sshCommand(spec, guest.machine.sshPort),
        'next kernel and initramfs are in /mnt/next; Ctrl-C ends the guest',
        '',
      ].join('\n'),
    );
    const stop = new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await Promise.race([stop, guest.machine.failure]);
    return ExitCode.pass;
  } finally {
    await guest.close();
  }
}
