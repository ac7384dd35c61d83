// QEMU=7.2, as the README documents it: bookworm's own QEMU from the cache runs the edu scenarios, and every igb
// check skips naming that QEMU, upstream's VFIO tests on the igb too; the run's first line and repro.json name the QEMU.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import t from 'tap';
import { latestSummary, runCli } from '../support/run-cli.ts';

t.test('make scenario S=boot,vfio-igb,kselftest QEMU=7.2', async (t) => {
  const run = await runCli(['run'], { S: 'boot,vfio-igb,kselftest', QEMU: '7.2' });
  t.equal(run.exitCode, 0, `exit 0 (stderr tail: ${run.stderr.split('\n').slice(-3).join(' | ')})`);
  t.match(run.stderr, /QEMU 7\.2\.\d+ \(no igb\)/, 'the first line names the QEMU and that it has no igb');
  const summary = await latestSummary(run.resultsDir);
  t.same(summary.scenarios.map((scenario) => [scenario.name, scenario.verdict]), [['boot', 'pass'], ['vfio-igb', 'skip'], ['kselftest', 'pass']]);
  t.match(run.stdout, /vfio-igb: 1\.\.0 # QEMU 7\.2\.\d+ has no igb device \(QEMU 8\.0 and later have it; make setup installs 10\.0 from bookworm-backports, or QEMU=10\.0\)/, 'the skip names the QEMU and the way to one with igb');
  const boot = summary.scenarios.find((scenario) => scenario.name === 'boot');
  t.match(boot?.points.find((point) => point.status === 'skip'), { id: 'igb-present', reason: /QEMU 7\.2\.\d+ has no igb device/ }, 'boot checks the edu devices and skips the igb');
  const kselftest = summary.scenarios.find((scenario) => scenario.name === 'kselftest');
  for (const program of ['vfio_dma_mapping_test', 'vfio_pci_device_test', 'vfio_pci_driver_test', 'vfio_iommufd_setup_test']) {
    t.match(kselftest?.points.find((point) => point.id === `upstream/${program}`), { status: 'skip', reason: /QEMU 7\.2\.\d+ has no igb device/ }, `kselftest skips upstream's ${program}, naming the QEMU`);
  }
  const repro = JSON.parse(await readFile(path.join(run.resultsDir, 'latest', 'repro.json'), 'utf8')) as { qemu: string; options: Record<string, string> };
  t.match(repro.qemu, /^QEMU emulator version 7\.2\./, 'repro.json records the version');
});
