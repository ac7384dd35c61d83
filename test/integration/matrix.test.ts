// `make matrix` as the README shows it: Debian's 7.2 and 7.3 built from their sources (once, into the cache) and live-
// updated between in every order, each pair's outcome in one table with both sides' compatible strings.
import { access, readFile } from 'node:fs/promises';
import path from 'node:path';
import t from 'tap';
import type { MatrixSummary } from '../../harness/matrix/matrix-table.ts';
import type { ScenarioResult } from '../../harness/results/summary.ts';
import { factsOf } from '../../harness/scenario/define-scenario.ts';
import luoChain from '../../scenarios/luo-chain.ts';
import { runCli } from '../support/run-cli.ts';

t.test('make matrix: four updates between 7.2 and 7.3, each intact, in one table', async (t) => {
  const run = await runCli(['matrix']);
  t.equal(run.exitCode, 0, `exit 0 (stderr tail: ${run.stderr.split('\n').slice(-3).join(' | ')})`);
  const folder = /^results: (.+)$/m.exec(run.stdout)?.[1] ?? '';
  const matrix = JSON.parse(await readFile(path.join(folder, 'summary.json'), 'utf8')) as MatrixSummary;
  t.same(
    matrix.pairs.map((pair) => [pair.name, pair.outcome]),
    [['7.2-to-7.2', 'intact'], ['7.2-to-7.3', 'intact'], ['7.3-to-7.2', 'intact'], ['7.3-to-7.3', 'intact']],
  );
  t.same(matrix.scenarios, ['kexec', 'luo-chain', 'luo-memfd', 'kselftest'], 'the scenarios that carry state across an update');
  for (const kernel of matrix.kernels) t.match(kernel.compatibles, { KHO_FDT_COMPATIBLE: /^kho-v\d+$/, LUO_ABI_COMPATIBLE: /^luo-v\d+$/, MEMFD_LUO_FH_COMPATIBLE: /^memfd-v\d+$/ }, `${kernel.version}: its compatible strings`);
  t.match(run.stdout, /^7\.2 \(7\.2\.\d+\)\s+7\.3 \(7\.3\.\d+\)\s+kho-v\d.*data intact/m, 'the table on the terminal');
  await t.resolves(access(path.join(folder, 'index.html')), 'and as a page');

  // The 7.2 -> 7.3 pair is a real cross-version run: the chain went up, back down and up again.
  const pair = matrix.pairs.find((candidate) => candidate.name === '7.2-to-7.3');
  await t.resolves(access(path.join(folder, pair?.report ?? '')), 'each row links to its run\'s report');
  const summary = JSON.parse(await readFile(path.join(folder, pair?.runDir ?? '', 'summary.json'), 'utf8')) as { scenarios: ScenarioResult[] };
  const chain = factsOf(luoChain.manifest, summary.scenarios.find((scenario) => scenario.name === 'luo-chain')?.facts);
  const [older, newer] = matrix.kernels.map((kernel) => kernel.release);
  t.same(chain.releases, { gen0: older, gen1: newer, gen2: older, gen3: newer }, 'upgrade, rollback, upgrade');
  // Debian's 7.2.12 VFIO selftest library does not compile (it calls a calloc_assert it lacks): each of its programs is
  // a skip naming the compiler's error, and the tree's liveupdate selftests still run.
  const kselftest = summary.scenarios.find((scenario) => scenario.name === 'kselftest');
  t.match(kselftest?.points.find((point) => point.id === 'upstream/vfio_pci_driver_test'), { status: 'skip', reason: /does not build for .*linux-source-7\.2.*: .*\.c:\d+:\d+: error: / }, "7.2's VFIO selftests skip with the compiler's error");
  t.ok(kselftest?.points.some((point) => point.id.startsWith('upstream/liveupdate/') && point.status === 'pass'), "and 7.2's liveupdate selftests run");
});
