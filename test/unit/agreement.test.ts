// The agreement rule between the kernel's selftests and the harness's own scenarios.
import t from 'tap';
import { compareWithUpstream, describeDisagreements } from '../../harness/results/agreement.ts';
import type { ScenarioResult } from '../../harness/results/summary.ts';
import type { TestPoint } from '../../harness/results/tap-results.ts';

const point = (id: string, status: TestPoint['status']): TestPoint => ({ number: 1, id, explicitId: true, name: id, status });
const scenario = (name: string, points: TestPoint[], facts: Record<string, unknown> = {}): ScenarioResult =>
  ({ name, verdict: points.some((p) => p.status === 'fail') ? 'fail' : 'pass', points, facts }) as unknown as ScenarioResult;

const upstream = (verdicts: Record<string, string>) => scenario('kselftest', [], { upstream: verdicts });

t.test('no kselftest in the run: nothing to compare', async (t) => {
  t.equal(compareWithUpstream([scenario('luo-memfd', [point('memfd@a/1', 'pass')])]), undefined);
});

t.test('both sides find memfd preservation working: they agree', async (t) => {
  const agreement = compareWithUpstream([
    upstream({ 'upstream/luo_kexec_simple/stage-1': 'pass', 'upstream/luo_kexec_simple/stage-2': 'pass', 'upstream/liveupdate/preserve_memfd': 'pass' }),
    scenario('luo-memfd', [point('memfd@a/1', 'pass'), point('finish-all', 'pass')]),
  ]);
  t.equal(agreement?.agree, true);
  t.match(agreement?.comparisons, [
    { property: 'memfds preserved across a kexec', upstream: 'works', harness: 'works' },
    { property: 'the LUO uAPI answers as documented (sessions, retrieve, finish, errors)', upstream: 'works', harness: 'works' },
  ]);
  t.same(describeDisagreements(agreement!), []);
});

t.test('the harness finds a memfd corrupted where upstream passes: a disagreement naming both sides', async (t) => {
  const agreement = compareWithUpstream([
    upstream({ 'upstream/luo_multi_session/stage-2': 'pass' }),
    scenario('luo-memfd', [point('finish-all', 'pass'), point('memfd@memfd-big/1', 'fail')]),
  ]);
  t.equal(agreement?.agree, false);
  t.same(describeDisagreements(agreement!), [
    'memfds preserved across a kexec: upstream selftests say works (upstream/luo_multi_session/stage-2: pass), the harness says broken (luo-memfd/memfd@memfd-big/1: fail)',
  ]);
});

t.test('skips judge nothing; only the listed vfio-edu checks speak for VFIO', async (t) => {
  const agreement = compareWithUpstream([
    upstream({ 'upstream/vfio_pci_liveupdate_kexec_test/stage-2': 'skip', 'upstream/liveupdate/open_close': 'fail' }),
    scenario('vfio-edu', [point('retrieve-device', 'pass'), point('bus-master-kept@0000:01:00.0', 'fail')]),
    scenario('luo-negative', [point('closed-session', 'pass')]),
  ]);
  t.match(agreement?.comparisons, [
    { property: 'the LUO uAPI answers as documented (sessions, retrieve, finish, errors)', upstream: 'broken', harness: 'works' },
    { property: 'a VFIO device retrieved and finished after a kexec', upstream: 'not judged', harness: 'works' },
  ]);
  t.equal(agreement?.agree, false, 'the uAPI property disagrees; the VFIO one is not judged upstream and does not count');
});
