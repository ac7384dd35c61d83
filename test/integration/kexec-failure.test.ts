// guest.kexecOrFailure on real failures of the new kernel: a panic and a hang come back as outcomes with the serial
// console since the kexec (what luo-mismatch judges when the next kernel dies), never as a thrown error.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import t from 'tap';
import { LiveGuest } from '../../harness/guest/live-guest.ts';
import { testGuestSpec } from '../support/test-context.ts';

t.test('a next kernel that panics: ended "panic", the panic line in the serial kept', async (t) => {
  const spec = await testGuestSpec('kexec-panic');
  const guest = await LiveGuest.boot(spec);
  // rdinit= that is not there is ignored; init= that is not there panics ("Requested init ... failed").
  const outcome = await guest.kexecOrFailure({ extra: ['rdinit=/nonexistent', 'init=/nonexistent'], deadlineMs: 60_000 });
  await guest.close();
  t.equal(outcome.ended, 'panic', outcome.ended === 'booted' ? 'booted' : outcome.message);
  if (outcome.ended === 'booted') return;
  t.match(outcome.serial, /Linux version[\s\S]*Kernel panic - not syncing/, 'from the new kernel banner to its panic');
  t.equal(await readFile(path.join(spec.artifactDir, 'serial-after-kexec.log'), 'utf8'), outcome.serial, 'kept as serial-after-kexec.log');
});

t.test('a next kernel that never answers: ended "hang" at the deadline', async (t) => {
  const spec = await testGuestSpec('kexec-silent');
  const guest = await LiveGuest.boot(spec);
  const outcome = await guest.kexecOrFailure({ extra: ['rdinit=/bin/cat'], deadlineMs: 20_000 });
  await guest.close();
  t.equal(outcome.ended, 'hang');
  if (outcome.ended === 'booted') return;
  t.match(outcome.message, /did not happen within 20 s/);
  t.match(outcome.serial, /Run \/bin\/cat as init process/, 'the serial shows how far the new kernel got');
});
