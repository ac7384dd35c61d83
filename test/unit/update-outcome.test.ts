// How an update between two kernels ended, classified from what its scenarios recorded: real runs (test/fixtures/kernel-pairs).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { classifyUpdate } from '../../harness/checks/update-outcome.ts';
import { updateScenario } from '../../harness/matrix/run-matrix.ts';
import type { ScenarioResult } from '../../harness/results/summary.ts';
import { repoRoot } from '../../harness/util/paths.ts';

const recorded = (name: string) =>
  (JSON.parse(readFileSync(path.join(repoRoot, 'test', 'fixtures', 'kernel-pairs', `${name}.json`), 'utf8')) as { scenarios: ScenarioResult[] }).scenarios.map(updateScenario);

t.test('7.2.12 -> 7.3.4: every scenario passed, the data arrived', async (t) => {
  const verdict = classifyUpdate(recorded('7.2-to-7.3-intact'));
  t.equal(verdict.outcome, 'intact');
  t.equal(verdict.acceptable, true);
  t.same(verdict.evidence, ['luo-memfd: 6 memfds intact on 7.3.4 (liveupdate number 1)']);
});

t.test('a next kernel that drops a folio of every memfd: lost silently, which fails', async (t) => {
  const verdict = classifyUpdate(recorded('7.3-to-7.3-drop-folio'));
  t.equal(verdict.outcome, 'lost');
  t.equal(verdict.acceptable, false);
  t.match(verdict.evidence, [/^luo-memfd: \d+ memfds came back with other contents on 7\.3\.4\+/]);
});

t.test('a next kernel without the memfd handler: refused loudly, /dev/liveupdate EIO and the line naming the compatible', async (t) => {
  const verdict = classifyUpdate(recorded('7.3-to-7.3-mismatch'));
  t.equal(verdict.outcome, 'refused');
  t.equal(verdict.acceptable, true);
  t.match(verdict.evidence, ['luo-memfd: /dev/liveupdate fails with EIO on 7.3.4+', /No registered handler for compatible 'memfd-v2'/]);
});

t.test('the same refusal without a word from the kernel is a silent loss', async (t) => {
  const silent = recorded('7.3-to-7.3-mismatch').map((scenario) => (scenario.handover ? { ...scenario, handover: { ...scenario.handover, warnings: [] } } : scenario));
  t.equal(classifyUpdate(silent).outcome, 'lost');
});

t.test('a panic is loud; a failure elsewhere is broken; a harness that could not run is not a verdict', async (t) => {
  const intact = recorded('7.2-to-7.3-intact');
  const failing = (name: string, change: object) => intact.map((scenario) => (scenario.name === name ? { ...scenario, verdict: 'fail' as const, ...change } : scenario));
  t.equal(classifyUpdate(failing('luo-chain', { error: { code: 'GUEST', message: 'guest kernel failed: Kernel panic - not syncing: bad KHO state' } })).outcome, 'refused');
  t.same(classifyUpdate(failing('kexec', { failed: ['kho-exec-count'] })), { outcome: 'broken', acceptable: false, evidence: ['kexec: failed kho-exec-count'] });
  t.equal(classifyUpdate(failing('kexec', { error: { code: 'INFRA', message: 'kernel build failed' } })).outcome, 'not-tested');
});
