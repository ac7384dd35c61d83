// Real QEMU, real kernel, real kexec: the scenarios pass end to end and leave evidence on disk.
import { access, readFile } from 'node:fs/promises';
import path from 'node:path';
import t from 'tap';
import { listScenarios } from '../../harness/scenario/catalog.ts';
import { factsOf } from '../../harness/scenario/define-scenario.ts';
import luoMemfd from '../../scenarios/luo-memfd.ts';
import vfioEdu from '../../scenarios/vfio-edu.ts';
import { latestSummary, runCli } from '../support/run-cli.ts';

t.test('make scenario (every scenario, as a developer runs it)', async (t) => {
  const run = await runCli(['run']);
  t.equal(run.exitCode, 0, `exit 0 (stderr tail: ${run.stderr.split('\n').slice(-5).join(' | ')})`);
  const summary = await latestSummary(run.resultsDir);
  t.same(
    summary.scenarios.map((scenario) => [scenario.name, scenario.verdict]),
    (await listScenarios()).map((entry) => [entry.name, 'pass']),
    'every scenario passes',
  );
  t.match(run.stdout, /results: /, 'terminal ends with the results path');
  await t.resolves(access(path.join(run.resultsDir, 'latest', 'junit.xml')), 'junit.xml written');
  const dir = (name: string) => path.join(run.resultsDir, 'latest', name);

  const { agreement } = summary as unknown as { agreement?: { agree: boolean; comparisons: { property: string; upstream: string; harness: string }[] } };
  t.equal(agreement?.agree, true, 'the kernel\'s own selftests and the harness agree on this kernel');
  t.match(
    agreement?.comparisons.map((comparison) => [comparison.property, comparison.upstream, comparison.harness]),
    [['memfds preserved across a kexec', 'works', 'works'], ['the LUO uAPI answers as documented before a kexec (sessions, preserving, errors)', 'works', 'works']],
    'memfd preservation and the uAPI judged by both',
  );
  t.match(run.stdout, /^upstream selftests and the harness agree$/m, 'the terminal says so');
  const kexec = summary.scenarios.find((scenario) => scenario.name === 'kexec');
  t.ok(kexec?.phases.some((phase) => phase.name === 'kexec-to-ssh' && phase.durationMs > 0), 'kexec-to-ssh phase recorded');
  for (const file of ['serial-gen0.log', 'serial-gen1.log', 'qemu-trace.log', 'qemu-cmdline.txt', 'tap.txt', 'dmesg-gen1.log']) {
    await t.resolves(access(path.join(dir('kexec'), file)), `kexec/${file} kept`);
  }
  t.match(await readFile(path.join(dir('kexec'), 'serial-gen1.log'), 'utf8'), /KHO: found kexec handover data/, 'second generation serial log shows the handover');

  const memfd = summary.scenarios.find((scenario) => scenario.name === 'luo-memfd');
  const bytes = factsOf(luoMemfd.manifest, memfd?.facts).bytesVerified?.gen1 ?? 0;
  t.ok(bytes >= 256 * 1024 * 1024, `luo-memfd verified at least 256 MiB (${bytes})`);
  await t.resolves(access(path.join(dir('luo-memfd'), 'agent', 'gen1-verify-memfd-big+memfd-mixed.jsonl')), 'agent output kept per generation');

  const negative = summary.scenarios.find((scenario) => scenario.name === 'luo-negative');
  t.equal(negative?.counts.pass, 3, 'luo-negative: three separate verdicts');

  const vfio = summary.scenarios.find((scenario) => scenario.name === 'vfio-edu');
  const tap = await readFile(path.join(dir('vfio-edu'), 'tap.txt'), 'utf8');
  t.match(tap, /^ok \d+ - \[dma@0000:00:05\.0\.after-kexec\.0x100000000\] after kexec 0000:00:05.0: DMA at IOVA 0x100000000: \d+ transfers/m, 'DMA verified above 4 GiB after kexec, under a stable check id');
  t.match(tap, /^ok \d+ - \[msi@0000:00:05\.0\.after-kexec\] after kexec 0000:00:05.0: MSI: 8\/8 events, per raise \[1,1,1,1,1,1,1,1\], 0 spurious/m, 'MSI counts exact after kexec');
  t.same(summary.scenarios.flatMap((scenario) => scenario.points.filter((point) => !point.explicitId).map((point) => `${scenario.name}: ${point.name}`)), [], 'every check of every scenario has an explicit id');
  const preservation = factsOf(vfioEdu.manifest, vfio?.facts).vfioPreservation;
  const todos = vfio?.points.filter((point) => point.status === 'todo') ?? [];
  if (preservation?.supported) {
    t.equal(todos.length, 0, 'the kernel preserves the device: no check is todo');
  } else {
    t.ok(todos.length > 0, `the kernel lacks VFIO preservation: the preservation checks are todo (${todos.length})`);
    for (const point of todos) {
      t.match(point, { reason: /kernel lacks VFIO preservation \(PRESERVE_FD of the VFIO cdev: E[A-Z]+\)/ }, `todo with the reason: ${point.name}`);
    }
  }
  for (const file of ['gen0-before-kexec.lspci', 'gen1-after-kexec.lspci', 'diff-kexec.txt', 'writes-kexec-window.txt', 'writes-kexec-window.json']) {
    await t.resolves(access(path.join(dir('vfio-edu'), 'config', file)), `vfio-edu/config/${file} kept`);
  }
  t.match(await readFile(path.join(dir('vfio-edu'), 'config', 'writes-kexec-window.txt'), 'utf8'), /0000:01:00.0 \(edu\): \d+ writes/, 'write audit lists the edu device behind the root port');
  const report = await runCli(['report'], { RESULTS: run.resultsDir });
  t.equal(report.exitCode, 0, 'make report: exit 0 for a passing run');
  const counts = vfio?.counts ?? { pass: -1, fail: -1, skip: -1, todo: -1 };
  const row = new RegExp(`^vfio-edu\\s+PASS\\s+${counts.pass}\\s+${counts.fail}\\s+${counts.skip}\\s+${counts.todo}\\s`, 'm');
  t.match(report.stdout, row, 'make report shows the counts summary.json holds');

  // QEMU 10 (installed by set-up on bookworm) has the igb: its checks run, and its evidence is kept like edu's.
  const igbTap = await readFile(path.join(dir('vfio-igb'), 'tap.txt'), 'utf8');
  t.match(igbTap, /^ok \d+ - \[msix-unarmed@0000:02:00\.0\.after-kexec\] .*\(MSI-X disabled, 10 entries: 10 masked, none armed\)$/m, 'after the kexec the MSI-X table is found with nothing armed');
  t.match(igbTap, /^ok \d+ - \[msix@0000:02:00\.0\.after-kexec\] .*per vector \[8,8,8,8,8,8,8,8,8,8\], 0 misrouted, 0 duplicated, 0 missing, 0 spurious$/m, 'each raise once, on its own vector');
  t.match(igbTap, /^ok \d+ - \[dma@0000:02:00\.0\.after-kexec\.0x100000000\] .*: \d+ frames looped back/m, 'loopback DMA above 4 GiB after the kexec');
  t.match(await readFile(path.join(dir('vfio-igb'), 'config', 'writes-kexec-window.txt'), 'utf8'), /^0000:02:00\.0 \(igb\): \d+ writes/m, 'the write audit covers the igb');
  t.match(await readFile(path.join(dir('boot'), 'tap.txt'), 'utf8'), /^ok \d+ - \[igb-flr@0000:02:00\.0\] .*reset_method: flr/m, 'boot sees the igb, which resets by FLR');

  const pci = summary.scenarios.find((scenario) => scenario.name === 'pci-config');
  t.ok((pci?.counts.pass ?? 0) >= 9, 'pci-config checks every device');
});
