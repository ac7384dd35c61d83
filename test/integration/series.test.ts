// The preserved-device path for real: vfio-edu on a kernel built with PATCHES= from the public PCI + VFIO
// preservation series, when the series is at hand (../shared/kernel-series beside the repository).
import { access, readFile } from 'node:fs/promises';
import path from 'node:path';
import t from 'tap';
import { repoRoot } from '../../harness/util/paths.ts';
import { latestSummary, runCli } from '../support/run-cli.ts';

const series = path.join(repoRoot, '..', 'shared', 'kernel-series', 'pci-v7-vfio-v5-on-7.3.4');

t.test('make scenario S=vfio-edu,kselftest,vfio-igb PATCHES=<the PCI + VFIO preservation series>', async (t) => {
  if (!(await access(series).then(() => true, () => false))) {
    t.pass('series not found', { skip: `${series} is not there: the preserved-device path cannot be driven` });
    return;
  }
  // The series breaks three promises; the EXPECT file says which and why, so only a change in its behaviour fails.
  const expect = path.join(repoRoot, 'test', 'fixtures', 'expect', 'pci-v7-vfio-v5.json');
  const run = await runCli(['run'], { S: 'vfio-edu,kselftest,vfio-igb', PATCHES: series, EXPECT: expect });
  t.equal(run.exitCode, 0, `every outcome as expected (exit ${run.exitCode}; ${run.stdout.split('\n').slice(-4).join(' | ')})`);
  const summary = (await latestSummary(run.resultsDir)) as Awaited<ReturnType<typeof latestSummary>> & { kernel: { patches?: { subjects: string[] }; options: Record<string, string> } };
  t.equal(summary.kernel.patches?.subjects.length, 32, 'summary.json names the 32 patches');
  t.match(summary.kernel.options, { PCI_LIVEUPDATE: 'y', VFIO_PCI_LIVEUPDATE: 'y' }, 'the kernel has PCI and VFIO preservation');
  const vfio = summary.scenarios.find((scenario) => scenario.name === 'vfio-edu');
  const expectedFailures = vfio?.points.filter((point) => point.status === 'fail').map((point) => [point.id, (point as { judgement?: string }).judgement]);
  t.same(
    expectedFailures,
    [['bus-master-kept@0000:01:00.0', 'expected'], ['no-kernel-writes-to-finish@0000:01:00.0', 'expected'], ['no-kernel-writes-to-finish@0000:00:04.0', 'expected']],
    'the series fails exactly the three known checks, each reported as expected',
  );
  t.same(vfio?.points.filter((point) => point.status === 'todo').map((point) => point.name), [], 'every preservation step is a real verdict');
  const passed = (pattern: RegExp) => vfio?.points.some((point) => point.status === 'pass' && pattern.test(point.name)) ?? false;
  t.ok(passed(/RETRIEVE_FD returns the device/), 'the device is retrieved');
  t.ok(passed(/after kexec 0000:01:00\.0: DMA at IOVA 0x100000000 on the retrieved fd: \d+ transfers/), 'it does DMA after the kexec');
  t.ok(passed(/after kexec 0000:01:00\.0: MSI armed from scratch: 8\/8 events/), 'and MSI');
  t.ok(passed(/FINISH succeeds once the device is retrieved and bound/), 'FINISH succeeds');
  const kselftest = summary.scenarios.find((scenario) => scenario.name === 'kselftest');
  t.ok(
    kselftest?.points.some((point) => point.id === 'upstream/vfio_pci_liveupdate_kexec_test/stage-2' && point.status === 'pass' && point.name.includes('0000:02:00.0')),
    "the series' own VFIO kexec selftest ran across the kexec on the igb, with upstream's igb driver",
  );
  const { agreement } = summary as unknown as { agreement?: { agree: boolean; comparisons: { property: string; upstream: string; harness: string }[] } };
  t.equal(agreement?.agree, true, 'upstream and the harness agree');
  for (const property of ['a VFIO device retrieved and finished after a kexec', 'DMA by the igb through the IOMMU, the data checked byte for byte', 'an MSI-X vector the igb raises arrives on its eventfd']) {
    t.match(agreement?.comparisons.find((comparison) => comparison.property === property), { upstream: 'works', harness: 'works' }, `both judge: ${property}`);
  }
  const audit = await readFile(path.join(run.resultsDir, 'latest', 'vfio-edu', 'config', 'writes-kexec-to-finish.txt'), 'utf8');
  t.match(audit, /^0000:01:00\.0 \(edu\): \d+ writes/m, 'the audit to FINISH lists the preserved device');
  t.match(audit, /^0000:00:04\.0 \(pcie-root-port\): \d+ writes/m, 'and its bridge');
  t.match(audit, /\[(old kernel: freeze and shutdown|new kernel: boot and enumeration|userspace before the end of the window)\] @0x/, 'each write carries the phase that made it');

  // The igb has FLR: the reset at freeze is the function's own, and the old kernel leaves its bridge alone (edu's
  // bridge gets a Secondary Bus Reset instead).
  const igb = summary.scenarios.find((scenario) => scenario.name === 'vfio-igb');
  t.same(
    igb?.points.filter((point) => point.status === 'fail').map((point) => [point.id, (point as { judgement?: string }).judgement]),
    [['no-kernel-writes-to-finish@0000:02:00.0', 'expected'], ['no-kernel-writes-to-finish@0000:00:06.0', 'expected']],
    'the igb fails only the two known audit checks',
  );
  t.same(igb?.points.filter((point) => point.status === 'todo').map((point) => point.name), [], 'the igb is preserved: every step a real verdict');
  const igbAudit = JSON.parse(await readFile(path.join(run.resultsDir, 'latest', 'vfio-igb', 'config', 'writes-kexec-to-finish.json'), 'utf8')) as {
    inWindow: { bdf: string; writes: { register: string; newValue: number; phase?: string }[] }[];
  };
  const byOldKernel = (bdf: string) => igbAudit.inWindow.find((device) => device.bdf === bdf)?.writes.filter((write) => write.phase === 'old kernel: freeze and shutdown') ?? [];
  t.same(byOldKernel('0000:00:06.0'), [], "the old kernel writes nothing to the igb's root port");
  t.ok(byOldKernel('0000:02:00.0').some((write) => write.register === 'PCIe Device Control' && (write.newValue & 0x8000) !== 0), 'it resets the igb by FLR (Initiate Function Level Reset in Device Control)');
});
