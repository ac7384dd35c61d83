// The agreement rule between the kernel's selftests and the harness's own scenarios, on manifests made for the test
// (the real ones are checked against each other in test/unit/catalog.test.ts).
import * as v from 'valibot';
import t from 'tap';
import { compareWithUpstream, describeDisagreements } from '../../harness/results/agreement.ts';
import type { ScenarioResult } from '../../harness/results/summary.ts';
import type { TestPoint } from '../../harness/results/tap-results.ts';
import type { ScenarioManifest } from '../../harness/scenario/define-scenario.ts';

const point = (id: string, status: TestPoint['status']): TestPoint => ({ number: 1, id, explicitId: true, name: id, status });
const scenario = (name: string, points: TestPoint[]): ScenarioResult =>
  ({ name, verdict: points.some((p) => p.status === 'fail') ? 'fail' : 'pass', points, facts: {} }) as unknown as ScenarioResult;

const manifest = (name: string, fields: Partial<ScenarioManifest>): ScenarioManifest => ({ name, description: name, area: 'luo', facts: v.object({}), ...fields });
const manifests: ScenarioManifest[] = [
  manifest('upstream-tests', {
    judgedBy: 'upstream',
    judges: [
      { property: 'memfd-preservation', checks: ['upstream/luo_kexec_simple/*', 'upstream/luo_multi_session/*'] },
      { property: 'luo-uapi', checks: ['upstream/liveupdate/*'] },
      { property: 'vfio-retrieve-finish', checks: ['upstream/vfio_pci_liveupdate_kexec_test/*'] },
    ],
  }),
  manifest('memfds', {
    judges: [
      { property: 'memfd-preservation', checks: ['memfd@*', 'finish-all'] },
      { property: 'luo-uapi', checks: ['finish-all'] },
    ],
  }),
  manifest('negatives', { judges: [{ property: 'luo-uapi', checks: ['*'] }] }),
  manifest('device', { judges: [{ property: 'vfio-retrieve-finish', checks: ['retrieve-device'] }] }),
];

const upstream = (verdicts: Record<string, TestPoint['status']>) => scenario('upstream-tests', Object.entries(verdicts).map(([id, status]) => point(id, status)));

t.test('no upstream judge in the run: nothing to compare', async (t) => {
  t.equal(compareWithUpstream([scenario('memfds', [point('memfd@a/1', 'pass')])], manifests), undefined);
});

t.test('both sides find memfd preservation working: they agree', async (t) => {
  const agreement = compareWithUpstream(
    [
      upstream({ 'upstream/luo_kexec_simple/stage-1': 'pass', 'upstream/luo_kexec_simple/stage-2': 'pass', 'upstream/liveupdate/preserve_memfd': 'pass' }),
      scenario('memfds', [point('memfd@a/1', 'pass'), point('finish-all', 'pass')]),
    ],
    manifests,
  );
  t.equal(agreement?.agree, true);
  t.match(agreement?.comparisons, [
    { property: 'memfds preserved across a kexec', upstream: 'works', harness: 'works' },
    { property: 'the LUO uAPI answers as documented before a kexec (sessions, preserving, errors)', upstream: 'works', harness: 'works' },
  ]);
  t.same(describeDisagreements(agreement!), []);
});

t.test('the harness finds a memfd corrupted where upstream passes: a disagreement naming both sides', async (t) => {
  const agreement = compareWithUpstream(
    [upstream({ 'upstream/luo_multi_session/stage-2': 'pass' }), scenario('memfds', [point('finish-all', 'pass'), point('memfd@memfd-big/1', 'fail')])],
    manifests,
  );
  t.equal(agreement?.agree, false);
  t.same(describeDisagreements(agreement!), [
    'memfds preserved across a kexec: upstream selftests say works (upstream/luo_multi_session/stage-2: pass), the harness says broken (memfds/memfd@memfd-big/1: fail)',
  ]);
});

t.test('skips judge nothing; only the checks a manifest names speak for its property', async (t) => {
  const agreement = compareWithUpstream(
    [
      upstream({ 'upstream/vfio_pci_liveupdate_kexec_test/stage-2': 'skip', 'upstream/liveupdate/open_close': 'fail' }),
      scenario('device', [point('retrieve-device', 'pass'), point('bus-master-kept@0000:01:00.0', 'fail')]),
      scenario('negatives', [point('closed-session', 'pass')]),
    ],
    manifests,
  );
  t.match(agreement?.comparisons, [
    { property: 'the LUO uAPI answers as documented before a kexec (sessions, preserving, errors)', upstream: 'broken', harness: 'works' },
    { property: 'a VFIO device retrieved and finished after a kexec', upstream: 'not judged', harness: 'works' },
  ]);
  t.equal(agreement?.agree, false, 'the uAPI property disagrees; the VFIO one is not judged upstream and does not count');
});

t.test('a scenario without a manifest in the run judges nothing', async (t) => {
  const agreement = compareWithUpstream([upstream({ 'upstream/liveupdate/x': 'pass' }), scenario('unknown', [point('finish-all', 'fail')])], manifests);
  t.equal(agreement, undefined);
});

t.test('an upstream judge that judged nothing (its selftests skipped as a whole) is no agreement', async (t) => {
  const agreement = compareWithUpstream([upstream({ 'upstream/liveupdate': 'skip' }), scenario('memfds', [point('memfd@a/1', 'pass')])], manifests);
  t.equal(agreement, undefined, 'not "agree": nothing was compared');
});

t.test("the real manifests: vfio-igb finding a looped-back frame corrupted where upstream's igb driver copies cleanly", async (t) => {
  const { default: kselftest } = await import('../../scenarios/kselftest.ts');
  const { default: vfioIgb } = await import('../../scenarios/vfio-igb.ts');
  const driverCase = (name: string) => `upstream/vfio_pci_driver_test/vfio_pci_driver_test.iommufd.${name}`;
  const agreement = compareWithUpstream(
    [
      scenario('kselftest', [point(driverCase('memcpy_success'), 'pass'), point(driverCase('send_msi'), 'pass'), point(driverCase('memcpy_from_unmapped_iova'), 'pass')]),
      scenario('vfio-igb', [point('msix@0000:02:00.0.before-kexec', 'pass'), point('dma@0000:02:00.0.before-kexec.0x100000000', 'fail'), point('msix-mask@0000:02:00.0.before-kexec', 'fail')]),
    ],
    [kselftest.manifest, vfioIgb.manifest],
  );
  t.equal(agreement?.agree, false);
  t.same(describeDisagreements(agreement!), [
    'DMA by the igb through the IOMMU, the data checked byte for byte: upstream selftests say works (upstream/vfio_pci_driver_test/vfio_pci_driver_test.iommufd.memcpy_success: pass), the harness says broken (vfio-igb/dma@0000:02:00.0.before-kexec.0x100000000: fail)',
  ]);
  t.match(agreement?.comparisons.find((comparison) => comparison.property.startsWith('an MSI-X vector')), { upstream: 'works', harness: 'works' }, "masking is the harness's alone: not held against send_msi");
});
