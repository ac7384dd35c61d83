// The luo-mismatch verdict on the real next kernel's dmesg (test/fixtures/luo-mismatch/README.md), and on the other
// outcomes the rule names; no kernel has yet been recorded panicking or hanging on a mismatch, so those inputs are
// written here, as the harness would see them (a serial console ending in the panic, or in silence).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import t from 'tap';
import { classifyMismatch } from '../../harness/checks/mismatch-outcome.ts';
import { parseLuoAgentLines } from '../../harness/guest/luo-agent-output.ts';

const fixtures = path.join(import.meta.dirname, '..', 'fixtures', 'luo-mismatch');
const dmesg = await readFile(path.join(fixtures, 'dmesg-gen1-maintenance.log'), 'utf8');

t.test('7.3.4: /dev/liveupdate fails with EIO and dmesg names the unknown compatible: maintenance mode', async (t) => {
  const [probe] = parseLuoAgentLines(await readFile(path.join(fixtures, 'probe-gen1.jsonl'), 'utf8'));
  t.equal(probe?.event === 'probe' ? probe.openErrno : undefined, 'EIO');
  const verdict = classifyMismatch({ kexec: 'booted', openErrno: 'EIO', retrieved: {}, dmesg });
  t.equal(verdict.outcome, 'maintenance');
  t.equal(verdict.device, 'EIO');
  t.ok(verdict.acceptable);
  t.match(verdict.named, /luo: No registered handler for compatible 'memfd-v2'$/);
  t.ok(verdict.evidence.some((line) => /luo: Failed to deserialize files for session \[mismatch\] -2$/.test(line)));
  t.ok(verdict.evidence.some((line) => /KHO: found kexec handover data/.test(line)), 'the handover itself is in the evidence');
  t.notOk(verdict.evidence.some((line) => /Command line|Linux version/.test(line)), 'the command line and banner are not');
});

t.test('a session handed back fails whatever the log says', async (t) => {
  const verdict = classifyMismatch({ kexec: 'booted', openErrno: null, retrieved: { mismatch: null }, dmesg });
  t.equal(verdict.outcome, 'handed-back');
  t.notOk(verdict.acceptable);
  t.match(verdict.evidence.at(-1), /RETRIEVE_SESSION succeeded: mismatch/);
});

t.test('an absent /dev/liveupdate is maintenance only with the log saying why', async (t) => {
  t.same(classifyMismatch({ kexec: 'booted', openErrno: 'ENOENT', retrieved: {}, dmesg }).device, 'absent');
  const silent = classifyMismatch({ kexec: 'booted', openErrno: 'ENOENT', retrieved: {}, dmesg: '[    0.1] KHO: found kexec handover data.\n' });
  t.equal(silent.outcome, 'maintenance');
  t.notOk(silent.acceptable, 'no line names the mismatch');
  const unused = classifyMismatch({ kexec: 'booted', openErrno: null, retrieved: { mismatch: 'ENOENT' }, dmesg: '' });
  t.equal(unused.outcome, 'booted-silently', 'the device opens, the session is just gone, and nothing says why');
  t.notOk(unused.acceptable);
});

t.test('a panic passes when it names the mismatch; a hang fails', async (t) => {
  const panic = '[    2.0] luo: No registered handler for compatible \'memfd-v2\'\n[    2.0] Kernel panic - not syncing: luo: incoming state incompatible\n';
  const loud = classifyMismatch({ kexec: 'panic', serial: panic });
  t.same([loud.outcome, loud.acceptable], ['panicked', true]);
  const bare = classifyMismatch({ kexec: 'panic', serial: '[    2.0] Kernel panic - not syncing: VFS: Unable to mount root fs\n' });
  t.same([bare.outcome, bare.acceptable], ['panicked-silently', false]);
  const hang = classifyMismatch({ kexec: 'hang', serial: '[    0.0] KHO: found kexec handover data.\n' });
  t.same([hang.outcome, hang.acceptable, hang.evidence], ['hang', false, ['[    0.0] KHO: found kexec handover data.']]);
});
