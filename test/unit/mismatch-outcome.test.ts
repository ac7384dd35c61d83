// The luo-mismatch verdict on recorded evidence (test/fixtures/luo-mismatch/README.md): 7.3.4's dmesg with the memfd
// handler renamed, and real panic and hang serials after a kexec. No kernel has been seen to panic on a mismatch, so
// that case is the recorded panic with the mismatch lines 7.3.4 prints put before it.
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

t.test('a panic passes when it names the mismatch; one that does not, and a hang, fail', async (t) => {
  const panicSerial = await readFile(path.join(fixtures, 'serial-after-kexec-panic-init.log'), 'utf8');
  const bare = classifyMismatch({ kexec: 'panic', serial: panicSerial });
  t.same([bare.outcome, bare.acceptable], ['panicked-silently', false]);
  t.match(bare.evidence.at(-1), /Kernel panic - not syncing: Requested init \/nonexistent failed \(error -2\)\.$/);
  const mismatchLines = dmesg.split('\n').filter((line) => /luo: (No registered handler|Failed to deserialize)/.test(line));
  const panicAt = panicSerial.indexOf('[    1.107445] Kernel panic');
  const loud = classifyMismatch({ kexec: 'panic', serial: `${panicSerial.slice(0, panicAt)}${mismatchLines.join('\n')}\n${panicSerial.slice(panicAt)}` });
  t.same([loud.outcome, loud.acceptable], ['panicked', true]);
  t.match(loud.named, /No registered handler for compatible 'memfd-v2'/);
  const hang = classifyMismatch({ kexec: 'hang', serial: await readFile(path.join(fixtures, 'serial-after-kexec-hang.log'), 'utf8') });
  t.same([hang.outcome, hang.acceptable], ['hang', false]);
  t.ok(hang.evidence.some((line) => /KHO: found kexec handover data/.test(line)), 'what the hung kernel said about the handover is kept');
});
