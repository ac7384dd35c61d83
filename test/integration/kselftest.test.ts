// Real QEMU, the default kernel: upstream's live-update selftests run in the guest, the two-stage ones across one real
// kexec, and every case upstream printed is listed by its own name and verdict in the TAP, JUnit and summary.json.
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import t from 'tap';
import { exitVerdict, upstreamResults, type UpstreamVerdict } from '../../harness/checks/upstream-verdicts.ts';
import { factsOf } from '../../harness/scenario/define-scenario.ts';
import kselftest from '../../scenarios/kselftest.ts';
import { latestSummary, runCli } from '../support/run-cli.ts';

t.test('make scenario S=kselftest on the default kernel', async (t) => {
  const run = await runCli(['run', 'S=kselftest']);
  t.equal(run.exitCode, 0, `exit 0 (stderr tail: ${run.stderr.split('\n').slice(-5).join(' | ')})`);
  const dir = path.join(run.resultsDir, 'latest', 'kselftest');
  const summary = await latestSummary(run.resultsDir);
  const scenario = summary.scenarios.find((entry) => entry.name === 'kselftest');
  t.equal(scenario?.verdict, 'pass', 'kselftest passes');

  // What upstream said, read back from what each program printed in the guest.
  const said = new Map<string, UpstreamVerdict>();
  for (const file of await readdir(path.join(dir, 'kselftest'))) {
    const text = await readFile(path.join(dir, 'kselftest', file), 'utf8');
    const stage = /^gen\d+-(.+)-(stage-[12])\.txt$/.exec(file);
    if (stage) said.set(`upstream/${stage[1]}/${stage[2]}`, exitVerdict(Number(/^# exit (\d+)/m.exec(text)?.[1]), text).verdict);
    else for (const test of upstreamResults(text).cases) said.set(`upstream/${/^gen\d+-(.+)\.txt$/.exec(file)?.[1] ?? ''}/${test.name}`, test.verdict);
  }
  t.equal([...said.keys()].filter((id) => id.startsWith('upstream/liveupdate/')).length, 15, 'liveupdate: 15 upstream cases');
  const twoStage = ['luo_kexec_simple', 'luo_multi_session', 'luo_stress_sessions', 'luo_stress_files'];
  for (const name of twoStage) t.ok(said.has(`upstream/${name}/stage-1`) && said.has(`upstream/${name}/stage-2`), `${name}: both stages ran`);

  const tap = await readFile(path.join(dir, 'tap.txt'), 'utf8');
  const junit = await readFile(path.join(run.resultsDir, 'latest', 'junit.xml'), 'utf8');
  const directive: Record<UpstreamVerdict, string> = { pass: '', skip: ' # SKIP', fail: '' };
  for (const [id, verdict] of said) {
    const point = scenario?.points.find((candidate) => candidate.id === id);
    t.equal(point?.status, verdict, `summary.json: ${id} ${verdict}`);
    t.match(tap, new RegExp(`^${verdict === 'fail' ? 'not ok' : 'ok'} \\d+ - \\[${escape(id)}\\][^\\n]*${directive[verdict]}`, 'm'), `tap.txt: ${id}`);
    t.match(junit, new RegExp(`<testcase classname="kselftest" name="\\[${escape(id)}\\]`), `junit.xml: ${id}`);
  }
  const facts = factsOf(kselftest.manifest, scenario?.facts).upstream ?? {};
  t.same(Object.fromEntries([...said.keys()].map((id) => [id, facts[id]])), Object.fromEntries(said), 'facts.upstream holds every upstream verdict');
  // Beyond what the programs printed: the programs the harness did not run, each a skip with its reason.
  for (const id of Object.keys(facts).filter((candidate) => !said.has(candidate))) {
    t.match(scenario?.points.find((point) => point.id === id), { status: 'skip', reason: /./ }, `${id}: not run, a skip that says why`);
  }
  t.match(scenario?.points.find((point) => point.id === 'upstream/vfio_pci_device_init_perf_test'), { status: 'skip', reason: /benchmark/ }, "upstream's device set-up benchmark is listed as not run");

  // upstream's VFIO tests on the igb, with upstream's own igb driver: every case listed, DMA and MSI-X among them.
  for (const program of ['vfio_dma_mapping_test', 'vfio_dma_mapping_mmio_test', 'vfio_pci_device_test', 'vfio_pci_driver_test', 'vfio_iommufd_setup_test', 'vfio_pci_sriov_uapi_test']) {
    // A program upstream skips whole (vfio_pci_sriov_uapi_test on a kernel without PCI_IOV) is one point with its reason.
    const points = scenario?.points.filter((point) => point.id.startsWith(`upstream/${program}/`) || point.id === `upstream/${program}`) ?? [];
    t.ok(points.length > 0 && points.every((point) => point.status !== 'skip' || point.reason), `${program}: its cases are points, a skip with upstream's reason`);
  }
  for (const test of ['memcpy_success', 'send_msi', 'mix_and_match']) t.equal(said.get(`upstream/vfio_pci_driver_test/vfio_pci_driver_test.iommufd.${test}`), 'pass', `vfio_pci_driver_test ${test} on the igb passes`);
  t.match(factsOf(kselftest.manifest, scenario?.facts).vfioSelftestDriver, { bdf: '0000:02:00.0', driver: 'igb' }, 'on the igb');
  const leftOut = scenario?.points.find((point) => point.id === 'upstream/vfio_pci_driver_test/left-out');
  if (summary.accel.accel === 'tcg') {
    t.match(leftOut, { status: 'skip', reason: /vfio_type1_iommu, vfio_type1v2_iommu, iommufd_compat_type1 and iommufd_compat_type1v2 variants are not run under TCG/ }, 'the IOMMU modes left out under TCG are a skip that says so');
  } else t.equal(leftOut, undefined, 'under KVM every IOMMU mode runs');

  // Stage 1 in the first kernel, stage 2 in the one the harness's kexec booted.
  const files = await readdir(path.join(dir, 'kselftest'));
  for (const name of twoStage) t.ok(files.includes(`gen0-${name}-stage-1.txt`) && files.includes(`gen1-${name}-stage-2.txt`), `${name}: stage 1 in gen0, stage 2 in gen1`);
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
