// Faults end as reported results within their deadline, with the serial log kept and no QEMU left behind.
import { readFile, writeFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import t from 'tap';
import { ExitCode, GuestError, GuestPanicError, InfrastructureError, TimeoutError } from '../../harness/errors.ts';
import { LiveGuest } from '../../harness/guest/live-guest.ts';
import { defaultTopology } from '../../harness/vm/topology.ts';
import { ScenarioSession } from '../../harness/scenario/session.ts';
import { processAlive, testGuestSpec, testScenarioContext } from '../support/test-context.ts';
import { runCli } from '../support/run-cli.ts';
import { waitForFile } from '../support/wait-for-file.ts';
import { execa } from 'execa';
import { gatherKvmFacts } from '../../harness/vm/accel.ts';
import { confirmAccelerator, kvmBootsKernel } from '../../harness/vm/kvm-probe.ts';

async function qemuPid(artifactDir: string): Promise<number> {
  return Number((await readFile(path.join(artifactDir, 'qemu.pid'), 'utf8')).trim());
}

t.test('bad input: one line, exit 2, before any build', async (t) => {
  const unknown = await runCli(['run'], { S: 'boot,no-such-scenario' });
  t.equal(unknown.exitCode, 2);
  t.match(unknown.stderr, /unknown scenario "no-such-scenario"; known: boot, kexec/);
  t.equal(unknown.stderr.trim().split('\n').length, 1, 'one line');

  const missing = await runCli(['run'], { S: 'boot', KERNEL: '/nonexistent/bzImage' });
  t.equal(missing.exitCode, 2);
  t.match(missing.stderr, /KERNEL=\/nonexistent\/bzImage is not a readable file/);

  const noRun = await runCli(['report']);
  t.equal(noRun.exitCode, 2);
  t.match(noRun.stderr, /no run in .*latest \(summary.json missing\); run make scenario first/);

  const malformed = await runCli(['run'], { ACCEL: 'warp' });
  t.equal(malformed.exitCode, 2);
  t.match(malformed.stderr, /ACCEL=warp is not one of kvm, tcg, auto/);
});

t.test('a patch that does not apply: exit 2 naming it and the file, and the cache stays usable', async (t) => {
  const series = await mkdtemp(path.join(tmpdir(), 'luo-harness-badseries-'));
  const mail = (subject: string, from: string, to: string) =>
    `From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001\nFrom: T <t@example.org>\nSubject: [PATCH] ${subject}\n\n---\n` +
    `diff --git a/Makefile b/Makefile\n--- a/Makefile\n+++ b/Makefile\n@@ -1,2 +1,2 @@\n # SPDX-License-Identifier: GPL-2.0\n-${from}\n+${to}\n-- \n2.39.5\n`;
  await writeFile(path.join(series, '0001-stale.patch'), mail('stale context', 'VERSION = 1', 'VERSION = 2'));
  const run = await runCli(['run'], { S: 'boot', PATCHES: series });
  t.equal(run.exitCode, 2, 'bad input');
  t.match(run.stderr, /^luo-harness: PATCHES: 0001-stale\.patch does not apply to the kernel source \(first failure: Makefile\)/m);
  const again = await runCli(['list'], { PATCHES: series });
  t.equal(again.exitCode, 0, 'the harness still runs (nothing half-applied is in the way)');
});

t.test('a kernel without the LUO options is refused by name (exit 2)', async (t) => {
  const spec = await testGuestSpec('no-luo');
  const dir = await mkdtemp(path.join(tmpdir(), 'luo-harness-noluo-'));
  const config = (await readFile(path.join(path.dirname(spec.kernel), '..', '..', '..', '.config'), 'utf8'))
    .replace(/^CONFIG_LIVEUPDATE=y$/m, '# CONFIG_LIVEUPDATE is not set')
    .replace(/^CONFIG_LIVEUPDATE_MEMFD=y$/m, '# CONFIG_LIVEUPDATE_MEMFD is not set');
  await writeFile(path.join(dir, '.config'), config);
  const run = await runCli(['run'], { S: 'boot', KERNEL: spec.kernel, CONFIG: path.join(dir, '.config') });
  t.equal(run.exitCode, 2);
  t.match(run.stderr, /lacks CONFIG_LIVEUPDATE, CONFIG_LIVEUPDATE_MEMFD/);
});

t.test('QEMU missing: could not test (125)', async (t) => {
  const run = await runCli(['run'], { S: 'boot', QEMU: '/nonexistent/qemu-system-x86_64' });
  t.equal(run.exitCode, 125);
  t.match(run.stderr, /QEMU=\/nonexistent\/qemu-system-x86_64 does not run/);
});

t.test('a guest panic is detected, reported with the serial tail, and QEMU is gone', async (t) => {
  const spec = await testGuestSpec('panic');
  const guest = await LiveGuest.boot(spec);
  const pid = await qemuPid(spec.artifactDir);
  const started = performance.now();
  await t.rejects(guest.check('echo c > /proc/sysrq-trigger; sleep 60', 120_000), GuestPanicError, 'the command fails as a guest panic');
  t.ok(performance.now() - started < 60_000, 'detected before the command could finish');
  await guest.close();
  t.notOk(processAlive(pid), 'QEMU ended');
  t.match(await readFile(path.join(spec.artifactDir, 'serial.log'), 'utf8'), /Kernel panic - not syncing/, 'serial log kept');
});

t.test('a guest that never reaches SSH fails at its deadline with the serial tail', async (t) => {
  const spec = await testGuestSpec('no-ssh');
  // The kernel runs /bin/cat as init: it boots fine but never starts sshd.
  const error = await LiveGuest.boot(spec, { extraCommandLine: ['rdinit=/bin/cat'], deadlineMs: 20_000 }).catch((caught: unknown) => caught);
  t.type(error, TimeoutError);
  t.match((error as Error).message, /guest boot to SSH ready did not happen within 20 s; serial tail:/);
  t.notOk(processAlive(await qemuPid(spec.artifactDir)), 'QEMU ended');
});

t.test('a kexec that never comes back fails at its deadline, not a hang', async (t) => {
  const spec = await testGuestSpec('kexec-hang');
  const guest = await LiveGuest.boot(spec);
  const pid = await qemuPid(spec.artifactDir);
  const error = await guest.kexec({ extra: ['rdinit=/bin/cat'], deadlineMs: 20_000 }).catch((caught: unknown) => caught);
  t.type(error, TimeoutError);
  t.match((error as Error).message, /kexec into the next kernel to SSH ready did not happen within 20 s/);
  t.match((error as Error).message, /Run \/bin\/cat as init process/, 'serial tail shows the new kernel got as far as init');
  await guest.close();
  t.notOk(processAlive(pid), 'QEMU ended');
});

t.test('SIGTERM to the harness mid-run leaves no QEMU behind', async (t) => {
  const results = await mkdtemp(path.join(tmpdir(), 'luo-harness-sigterm-'));
  const child = execa('node', ['--import', 'tsx', 'harness/cli.ts', 'run'], { env: { S: 'boot', RESULTS: results }, reject: false });
  const pidFile = await waitForFile(path.join(results, 'latest', 'boot', 'qemu.pid'), 120_000);
  const pid = Number((await readFile(pidFile, 'utf8')).trim());
  t.ok(processAlive(pid), 'QEMU is running');
  child.kill('SIGTERM');
  const result = await child;
  t.not(result.exitCode, 0, 'the run does not report success');
  t.notOk(processAlive(pid), 'QEMU ended with the harness');
  // Even when the signal lands while QEMU is still opening QMP: an interruption, not a QEMU that failed to start.
  const record = JSON.parse(await readFile(path.join(results, 'latest', 'boot', 'scenario.json'), 'utf8')) as { error?: { code: string } };
  t.equal(record.error?.code, 'INTERRUPTED', 'scenario.json records the interruption');
});

t.test('SIGINT in the middle of a scenario: evidence written, QEMU gone, exit code "interrupted"', async (t) => {
  const results = await mkdtemp(path.join(tmpdir(), 'luo-harness-sigint-'));
  const child = execa('node', ['--import', 'tsx', 'harness/cli.ts', 'run'], { env: { S: 'luo-chain', RESULTS: results }, reject: false });
  const scenarioDir = path.join(results, 'latest', 'luo-chain');
  // The first of three kexecs is done: the guest is the scenario's, with two more kexecs to go.
  await waitForFile(path.join(scenarioDir, 'serial.log'), 180_000, /ssh ready[^]*ssh ready/);
  const pid = await qemuPid(scenarioDir);
  child.kill('SIGINT');
  const result = await child;
  t.equal(result.exitCode, ExitCode.interrupted, 'the run exits with the table\'s "interrupted" code');
  t.notOk(processAlive(pid), 'QEMU ended');
  const record = JSON.parse(await readFile(path.join(scenarioDir, 'scenario.json'), 'utf8')) as { error?: { code: string; message: string } };
  t.equal(record.error?.code, 'INTERRUPTED', `scenario.json records the interruption (${record.error?.message ?? 'no error'})`);
  t.match(await readFile(path.join(scenarioDir, 'serial-gen0.log'), 'utf8'), /Linux version/, 'the serial log of the booted kernel is kept');
  const summary = JSON.parse(await readFile(path.join(results, 'latest', 'summary.json'), 'utf8')) as { interrupted: boolean };
  t.equal(summary.interrupted, true, 'summary.json says the run was interrupted');
});

t.test('QEMU dying under the guest is reported at once, not waited out', async (t) => {
  const spec = await testGuestSpec('qemu-dies');
  const guest = await LiveGuest.boot(spec);
  const pid = await qemuPid(spec.artifactDir);
  const started = performance.now();
  const pending = guest.check('sleep 100', 120_000);
  process.kill(pid, 'SIGKILL');
  const error = await pending.catch((caught: unknown) => caught);
  t.type(error, GuestError);
  t.match((error as Error).message, /QEMU exited with SIGKILL while the guest was running/);
  t.ok(performance.now() - started < 30_000, 'reported well before the command could have finished');
  await guest.close();
});

t.test('KVM is used only when a test boot of the kernel under it works', async (t) => {
  const facts = await gatherKvmFacts();
  if (!facts.devKvmExists) {
    t.pass('no /dev/kvm on this host', { skip: 'the KVM test boot needs /dev/kvm to be exercised' });
    return;
  }
  const spec = await testGuestSpec('kvm-probe');
  const probe = await kvmBootsKernel(spec.qemu, spec.kernel, 20_000);
  const confirmed = await confirmAccelerator({ accel: 'kvm', reason: 'pretend the CPU flags said yes' }, false, spec.qemu, spec.kernel);
  if (probe.ok) {
    t.equal(confirmed.accel, 'kvm', `the test boot worked, so KVM is kept: ${probe.detail}`);
  } else {
    t.equal(confirmed.accel, 'tcg', `the test boot failed (${probe.detail}), so the run falls back to TCG: ${confirmed.reason}`);
    t.match(confirmed.reason, /KVM/, 'the reason names KVM');
  }
  if (!facts.cpuHasVirtualisation || !facts.devKvmReadWrite) t.notOk(probe.ok, 'no KVM boot without vmx/svm and a writable /dev/kvm');
});

t.test('a failed first boot is retried once and recorded; failing twice is still a failure', async (t) => {
  const context = await testScenarioContext('boot-retry');
  const session = new ScenarioSession(context);
  const error = await session.boot({ extraCommandLine: ['rdinit=/bin/cat'], deadlineMs: 15_000 }).catch((caught: unknown) => caught);
  t.type(error, TimeoutError, 'the retry failing too is reported');
  t.match(session.flakyBoot, { firstAttempt: /guest boot to SSH ready did not happen within 15 s/ }, 'the first failure is recorded');
  t.same(session.timeline.phases.map((phase) => [phase.name, phase.outcome]), [['boot-to-ssh', 'failed'], ['boot-to-ssh-retry', 'failed']]);
  t.match(await readFile(path.join(context.guest.artifactDir, 'serial-failed-boot.log'), 'utf8'), /Run \/bin\/cat as init process/, 'first attempt serial log kept');
  await session.finish(error);
});

t.test('QEMU refusing its command line is an infrastructure error carrying what QEMU said', async (t) => {
  const spec = await testGuestSpec('qemu-refuses');
  // Slot 3 is the NIC's: QEMU refuses to put an edu device there.
  const error = await LiveGuest.boot(spec, { topology: { ...defaultTopology, eduDevices: [{ slot: 3 }] } }).catch((caught: unknown) => caught);
  t.type(error, InfrastructureError);
  t.match((error as Error).message, /QEMU exited with 1 .*\(QEMU: .*slot 3 function 0 not available/);
  t.equal((error as InfrastructureError).exitCode, 125, 'could not test');
});
