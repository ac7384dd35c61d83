// KEEP=1: the SSH command a kept guest prints really logs in, and the guest stays until a signal.
import { execa } from 'execa';
import t from 'tap';
import { LiveGuest } from '../../harness/guest/live-guest.ts';
import { keepGuests } from '../../harness/scenario/keep-guests.ts';
import { ensureHostPackages, testPackages } from '../../harness/setup/host-packages.ts';
import { withDeadline } from '../../harness/util/deadline.ts';
import { processAlive, testGuestSpec } from '../support/test-context.ts';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

t.test('the printed SSH command works while the guest is kept, and Ctrl-C ends the wait', async (t) => {
  await ensureHostPackages(testPackages);
  const spec = await testGuestSpec('keep');
  const guest = await LiveGuest.boot(spec);
  const pid = Number((await readFile(path.join(spec.artifactDir, 'qemu.pid'), 'utf8')).trim());
  try {
    let kept = true;
    let announce: (line: string) => void = () => {};
    const announced = new Promise<string>((resolve) => (announce = resolve));
    const waiting = keepGuests([guest], (line) => {
      if (line.includes('ssh -i ')) announce(line.replace(/^KEEP [^:]+: /, ''));
    }).then(() => (kept = false));
    const command = await withDeadline('the KEEP line with the SSH command', 30_000, () => announced);
    t.match(command, /^ssh -i \S+ -p \d+ -o UserKnownHostsFile=\S+known_hosts root@127\.0\.0\.1$/);
    const [program = 'ssh', ...args] = command.split(' ');
    const login = await execa(program, [...args, '-o', 'BatchMode=yes', 'cat /proc/sys/kernel/random/boot_id'], { reject: false, timeout: 60_000 });
    t.equal(login.exitCode, 0, login.stderr);
    t.match(login.stdout.trim(), /^[0-9a-f-]{36}$/, 'logged in to the kept guest with the printed command (host key pinned)');
    t.ok(kept && processAlive(pid), 'the guest stays up while nobody interrupts');
    process.emit('SIGINT');
    await waiting;
    t.notOk(kept, 'a signal ends the wait');
  } finally {
    await guest.close();
  }
  t.notOk(processAlive(pid), 'QEMU ended after the wait');
});
