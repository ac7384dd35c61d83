// luo-mismatch for real: the harness builds the next kernel with the memfd handler renamed and judges what it does
// with memfds it cannot claim. 7.3.4 chooses maintenance mode (/dev/liveupdate fails with EIO); a panic naming the
// mismatch would pass too, so the test asserts a clear verdict and its evidence rather than one outcome.
import t from 'tap';
import { factsOf } from '../../harness/scenario/define-scenario.ts';
import luoMismatch from '../../scenarios/luo-mismatch.ts';
import { latestSummary, runCli } from '../support/run-cli.ts';

t.test('make scenario S=luo-mismatch', async (t) => {
  const run = await runCli(['run'], { S: 'luo-mismatch' });
  t.equal(run.exitCode, 0, `the next kernel failed loudly (exit ${run.exitCode}; ${run.stdout.split('\n').slice(-4).join(' | ')})`);
  const summary = await latestSummary(run.resultsDir);
  const scenario = summary.scenarios.find((entry) => entry.name === 'luo-mismatch');
  t.equal(scenario?.verdict, 'pass');
  const outcome = factsOf(luoMismatch.manifest, scenario?.facts).mismatchOutcome;
  t.match(outcome?.nextKernel, /\+1 patches \(sha256 [0-9a-f]{12}\)$/, 'the scenario kexecs into the patched kernel, not into the run-wide next kernel');
  t.ok(outcome && ['panicked', 'maintenance'].includes(outcome.outcome), `the outcome is recorded (${outcome?.outcome}, /dev/liveupdate ${outcome?.device})`);
  t.match(outcome?.named, /compatible 'memfd-v2'|incompatible|deserializ/i, 'with the line naming the mismatch');
  t.ok((outcome?.evidence.length ?? 0) > 0, 'and the log lines around it');
  t.same(
    scenario?.points.map((point) => point.id),
    ['mismatch-loud', 'mismatch-data-unreachable', 'mismatch-evidence'].filter((id) => outcome?.outcome !== 'panicked' || id !== 'mismatch-data-unreachable'),
    'every check ran, each under its id',
  );
});
