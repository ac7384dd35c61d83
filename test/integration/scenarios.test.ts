// Real QEMU, real kernel, real kexec: the scenarios pass end to end and leave evidence on disk.
import { access, readFile } from 'node:fs/promises';
import path from 'node:path';
import t from 'tap';
import { latestSummary, runCli } from '../support/run-cli.ts';

t.test('boot and kexec pass under the detected accelerator', async (t) => {
  const run = await runCli(['run'], { S: 'boot,kexec' });
  t.equal(run.exitCode, 0, `exit 0 (stderr tail: ${run.stderr.split('\n').slice(-5).join(' | ')})`);
  const summary = await latestSummary(run.resultsDir);
  t.same(summary.scenarios.map((scenario) => [scenario.name, scenario.verdict]), [['boot', 'pass'], ['kexec', 'pass']]);
  const kexec = summary.scenarios.find((scenario) => scenario.name === 'kexec');
  t.ok(kexec?.phases.some((phase) => phase.name === 'kexec-to-ssh' && phase.durationMs > 0), 'kexec-to-ssh phase recorded');
  const dir = path.join(run.resultsDir, 'latest', 'kexec');
  for (const file of ['serial-gen0.log', 'serial-gen1.log', 'qemu-trace.log', 'qemu-cmdline.txt', 'tap.txt']) {
    await t.resolves(access(path.join(dir, file)), `kexec/${file} kept`);
  }
  t.match(await readFile(path.join(dir, 'serial-gen1.log'), 'utf8'), /KHO: found kexec handover data/, 'second generation serial log shows the handover');
  await t.resolves(access(path.join(run.resultsDir, 'latest', 'junit.xml')), 'junit.xml written');
  t.match(run.stdout, /results: /, 'terminal ends with the results path');
});
