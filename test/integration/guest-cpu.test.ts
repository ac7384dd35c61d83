// The TCG guest's CPU model: the guest kernel must not see ERMS or FSRM, or it clears and copies every page with
// `rep stosb`/`rep movsb`, which TCG runs a byte at a time.
import t from 'tap';
import { LiveGuest } from '../../harness/guest/live-guest.ts';
import { ensureHostPackages, testPackages } from '../../harness/setup/host-packages.ts';
import { testGuestSpec } from '../support/test-context.ts';

t.test('under TCG the guest sees no ERMS or FSRM, and keeps the rest of QEMU\'s max CPU', async (t) => {
  await ensureHostPackages(testPackages);
  const spec = await testGuestSpec('guest-cpu');
  if (spec.accel.accel !== 'tcg') {
    t.pass('not under TCG', { skip: `the guest runs under ${spec.accel.accel} with the host's CPU; the model is TCG's only` });
    return;
  }
  const guest = await LiveGuest.boot(spec);
  try {
    const flags = new Set((await guest.check("grep -m1 '^flags' /proc/cpuinfo")).stdout.replace(/^flags\s*:/, '').trim().split(/\s+/));
    t.notOk(flags.has('erms'), 'no erms in the guest\'s CPU flags');
    t.notOk(flags.has('fsrm'), 'no fsrm in the guest\'s CPU flags (QEMU 7.2\'s max has none; a later one may)');
    t.ok(flags.has('avx2') && flags.has('pku'), `the rest of max is there (avx2, pku among ${flags.size} flags)`);
  } finally {
    await guest.close();
  }
});
