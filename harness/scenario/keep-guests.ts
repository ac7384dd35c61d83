// KEEP=1: after a failure the scenario's guests stay up and the person gets the SSH command, until a signal.
import type { LiveGuest } from '../guest/live-guest.ts';
import { sshCommand } from '../run/ssh-command.ts';

/** Say `KEEP ...` lines (as TAP comments the CLI shows them) and wait for SIGINT/SIGTERM or every guest's end. */
export async function keepGuests(guests: readonly LiveGuest[], say: (line: string) => void): Promise<void> {
  if (guests.length === 0) return;
  for (const guest of guests) say(`KEEP ${guest.machine.serial.file}: ${await sshCommand(guest.spec, guest.machine.sshPort)}`);
  say('KEEP the failed guest stays up for inspection; Ctrl-C ends it and the run');
  let stop = () => {};
  const signal = new Promise<void>((resolve) => (stop = resolve));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    await Promise.race([signal, Promise.allSettled(guests.map((guest) => guest.machine.failure))]);
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
