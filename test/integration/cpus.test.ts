// `make scenario CPUS=4 S=luo-chain,vfio-edu` as the README shows it: four vCPUs online after every kexec, and each
// edu's MSI routed to CPU 3 and counted there, before the kexec and after it.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import t from 'tap';
import { latestSummary, runCli } from '../support/run-cli.ts';

t.test('CPUS=4: every CPU back after each kexec, the MSI off CPU 0 counted where it was routed', async (t) => {
  const run = await runCli(['run'], { S: 'luo-chain,vfio-edu', CPUS: '4' });
  t.equal(run.exitCode, 0, `exit 0 (${run.stdout.split('\n').slice(-4).join(' | ')})`);
  const summary = await latestSummary(run.resultsDir);
  const online = summary.scenarios.flatMap((scenario) => scenario.points.filter((point) => point.id.startsWith('cpus-online@')).map((point) => [scenario.name, point.id, point.status]));
  t.same(online, [
    ['luo-chain', 'cpus-online@gen1', 'pass'],
    ['luo-chain', 'cpus-online@gen2', 'pass'],
    ['luo-chain', 'cpus-online@gen3', 'pass'],
    ['vfio-edu', 'cpus-online@gen1', 'pass'],
  ]);
  const tap = await readFile(path.join(run.resultsDir, 'latest', 'vfio-edu', 'tap.txt'), 'utf8');
  for (const when of ['before-kexec', 'after-kexec']) {
    t.match(tap, new RegExp(`^ok \\d+ - \\[msi@0000:00:05\\.0\\.${when}\\] .*8/8 events.*; IRQ \\d+ routed to CPU 3, per CPU \\[0,0,0,8\\]$`, 'm'), `the control edu ${when}: all eight on CPU 3`);
  }
  t.match(tap, /all 4 CPUs online \(online 0-3: 4; the kernel brought up 4\)/);
});
