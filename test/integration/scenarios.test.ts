// Real QEMU, real kernel, real kexec: the scenarios pass end to end and leave evidence on disk.
import { access, readFile } from 'node:fs/promises';
import path from 'node:path';
import t from 'tap';
import { latestSummary, runCli } from '../support/run-cli.ts';

const scenarios = ['boot', 'kexec', 'luo-memfd', 'luo-negative'];

t.test(`make scenario S=${scenarios.join(',')}`, async (t) => {
  const run = await runCli(['run'], { S: scenarios.join(',') });
  t.equal(run.exitCode, 0, `exit 0 (stderr tail: ${run.stderr.split('\n').slice(-5).join(' | ')})`);
  const summary = await latestSummary(run.resultsDir);
  t.same(
    summary.scenarios.map((scenario) => [scenario.name, scenario.verdict]),
    scenarios.map((name) => [name, 'pass']),
    'every scenario passes',
  );
  t.match(run.stdout, /results: /, 'terminal ends with the results path');
  await t.resolves(access(path.join(run.resultsDir, 'latest', 'junit.xml')), 'junit.xml written');
  const dir = (name: string) => path.join(run.resultsDir, 'latest', name);

  const kexec = summary.scenarios.find((scenario) => scenario.name === 'kexec');
  t.ok(kexec?.phases.some((phase) => phase.name === 'kexec-to-ssh' && phase.durationMs > 0), 'kexec-to-ssh phase recorded');
  for (const file of ['serial-gen0.log', 'serial-gen1.log', 'qemu-trace.log', 'qemu-cmdline.txt', 'tap.txt', 'dmesg-gen1.log']) {
    await t.resolves(access(path.join(dir('kexec'), file)), `kexec/${file} kept`);
  }
  t.match(await readFile(path.join(dir('kexec'), 'serial-gen1.log'), 'utf8'), /KHO: found kexec handover data/, 'second generation serial log shows the handover');

  const memfd = summary.scenarios.find((scenario) => scenario.name === 'luo-memfd');
  const bytes = (memfd?.facts.bytesVerified as Record<string, number> | undefined)?.gen1 ?? 0;
  t.ok(bytes >= 256 * 1024 * 1024, `luo-memfd verified at least 256 MiB (${bytes})`);
  await t.resolves(access(path.join(dir('luo-memfd'), 'agent', 'gen1-verify-memfd-big+memfd-mixed.jsonl')), 'agent output kept per generation');

  const negative = summary.scenarios.find((scenario) => scenario.name === 'luo-negative');
  t.equal(negative?.counts.pass, 3, 'luo-negative: three separate verdicts');
});
