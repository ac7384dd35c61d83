// `make scenario`: prepare, run each selected scenario in its own process, write the run's records.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Options } from '../config/options.ts';
import { couldNotTestCodes, ExitCode, type ErrorRecord } from '../errors.ts';
import { judgedVerdict, judgePoints, loadExpectations, type Expectation } from '../results/expectations.ts';
import { createRunDir } from '../results/run-dir.ts';
import { countPoints, renderSummaryTable, type ScenarioResult } from '../results/summary.ts';
import { parseTap, type TapSummary } from '../results/tap-results.ts';
import { listScenarios, selectScenarios, type ScenarioEntry } from '../scenario/catalog.ts';
import { writeContext } from '../scenario/context.ts';
import { progress } from '../util/log.ts';
import { repoRoot } from '../util/paths.ts';
import { prepareRun, scenarioContext, type Prepared } from './prepare.ts';
import { readRepro, reproOptions, type Repro } from './repro.ts';
import { newSeed } from './run-seed.ts';
import { describeDisagreements } from '../results/agreement.ts';
import { writeRunRecords } from './run-records.ts';
import type { ScenarioRecord } from '../scenario/record.ts';
import { runnerFiles, runScenarioProcess, type ScenarioProcessResult } from './scenario-process.ts';
import { defaultJobs, runPool } from './run-pool.ts';
import { longestFirst, shardOf } from './shard.ts';

/** What every scenario of one run shares. */
interface RunSetup {
  readonly prepared: Prepared;
  readonly options: Options;
  readonly runId: string;
  readonly dir: string;
  readonly seed: string;
  readonly expectations: readonly Expectation[];
}

/** Run the selected scenarios; returns the exit code (pass, a check failed, could not test, interrupted). */
export async function runScenarios(given: Options, cache: string): Promise<number> {
  const repro = given.repro ? await readRepro(given.repro) : undefined;
  const options = repro ? reproOptions(given, repro) : given;
  const expectations = options.expect ? await loadExpectations(options.expect) : [];
  const all = selectScenarios(await listScenarios(), options.scenarios);
  const selected = options.shard ? shardOf(all, options.shard) : all;
  const prepared = await prepareRun(options, cache, selected.map((entry) => entry.manifest.needs ?? {}));
  if (repro) reportReproDifferences(repro, prepared);
  const run = await createRunDir(path.resolve(options.results ?? path.join(repoRoot, 'results')));
  const setup: RunSetup = { prepared, options, runId: run.runId, dir: run.dir, seed: repro?.seed ?? newSeed(), expectations };
  const shardNote = options.shard ? `, shard ${options.shard.index}/${options.shard.count}: ${selected.map((entry) => entry.name).join(', ') || 'nothing'}` : '';
  const jobs = Math.min(options.jobs ?? defaultJobs(options), Math.max(1, selected.length));
  progress(`run ${run.runId}, seed ${setup.seed}${repro ? ` (from ${given.repro})` : ''}${shardNote}, ${jobs} at once`);
  const cancel = new AbortController();
  const onSignal = () => cancel.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let results: { result: ScenarioResult; tap: string }[];
  try {
    const finished = await runPool(jobs > 1 ? longestFirst(selected) : selected, jobs, cancel.signal, (scenario) => runOne(scenario, setup, cancel.signal));
    // Records and the summary list scenarios in the selection's order, whatever order they ran in.
    results = selected.flatMap((scenario) => finished.filter((entry) => entry.result.name === scenario.name));
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  const scenarios = results.map((entry) => entry.result);
  const records = await writeRunRecords({ ...setup, jobs, interrupted: cancel.signal.aborted, results, manifests: selected.map((entry) => entry.manifest) });
  const disagreements = records.agreement ? describeDisagreements(records.agreement) : [];
  const agreementLine = records.agreement ? `\nupstream selftests and the harness ${disagreements.length ? `DISAGREE:\n  ${disagreements.join('\n  ')}` : 'agree'}` : '';
  process.stdout.write(`\n${renderSummaryTable(scenarios, run.dir)}${agreementLine}\nreport: ${records.report}\n`);
  if (cancel.signal.aborted) return ExitCode.interrupted;
  const failed = scenarios.filter((result) => result.verdict === 'fail');
  // Two judges of the same kernel that disagree: one of them is wrong, and the run says so.
  if (disagreements.length > 0) return ExitCode.checkFailed;
  if (failed.length === 0) return ExitCode.pass;
  // Every failure was the harness's own infrastructure: the kernel was not judged.
  return failed.every((result) => result.error && couldNotTestCodes.has(result.error.code)) ? ExitCode.couldNotTest : ExitCode.checkFailed;
}

/** A rerun on another harness commit or kernel is not the same run: say so, and run anyway. */
function reportReproDifferences(repro: Repro, prepared: Prepared): void {
  if (repro.kernel.identity !== prepared.kernel.identity) progress(`REPRO: kernel is ${prepared.kernel.identity}, the recorded run had ${repro.kernel.identity}`);
  if (repro.accel.accel !== prepared.accel.accel) progress(`REPRO: accelerator is ${prepared.accel.accel}, the recorded run had ${repro.accel.accel}`);
}

async function runOne(scenario: ScenarioEntry, setup: RunSetup, cancel: AbortSignal): Promise<{ result: ScenarioResult; tap: string }> {
  const { prepared, options } = setup;
  const artifactDir = path.join(setup.dir, scenario.name);
  await mkdir(artifactDir, { recursive: true });
  const context = scenarioContext(scenario, prepared, prepared.qemu, { runId: setup.runId, seed: setup.seed, keep: options.keep, cpus: options.cpus }, artifactDir);
  const contextFile = path.join(artifactDir, 'context.json');
  await writeContext(contextFile, context);
  process.stdout.write(`# ${scenario.name}: ${scenario.manifest.description}\n`);
  const outcome = await runScenarioProcess(contextFile, artifactDir, (line) => {
    // Test points, and the lines a kept guest prints for the person at the terminal.
    if (/^(not ok|ok) \d+/.test(line) || /^1\.\.0/.test(line) || line.startsWith('# KEEP')) process.stdout.write(`  ${scenario.name}: ${line}\n`);
  }, cancel, { deadline: !options.keep });
  const tap = parseTap(outcome.tap);
  const record = outcome.record ?? {};
  const error = scenarioError(outcome, tap, record, artifactDir);
  const points = judgePoints(scenario.name, tap.points, setup.expectations, prepared.kernel.release);
  const verdict = outcome.timedOut || error ? 'fail' : judgedVerdict(tap, outcome.exitCode, points);
  return {
    tap: outcome.tap,
    result: {
      name: scenario.name,
      verdict,
      durationMs: outcome.durationMs,
      exitCode: outcome.exitCode,
      kernel: prepared.kernel.release,
      accel: prepared.accel.accel,
      phases: record.phases ?? [],
      counts: countPoints(points),
      points,
      facts: record.facts ?? {},
      flakyBoot: record.flakyBoot,
      seeds: record.seeds,
      qemuPeakRssMiB: record.qemuPeakRssMiB,
      reapedQemu: outcome.reapedQemu || undefined,
      error,
      unreadableTap: tap.unreadable.length > 0 ? tap.unreadable : undefined,
      artifactDir,
    },
  };
}

/** Why a scenario ended badly outside its test points: its deadline, its own recorded error, or a crash. */
function scenarioError(outcome: ScenarioProcessResult, tap: TapSummary, record: Partial<ScenarioRecord>, artifactDir: string): ErrorRecord | undefined {
  if (outcome.timedOut) return { code: 'TIMEOUT', message: 'scenario exceeded its deadline and was stopped' };
  if (record.error) return record.error;
  const crashed = outcome.exitCode !== 0 && tap.points.every((point) => point.status !== 'fail');
  return crashed ? { code: 'CRASH', message: `scenario process exited ${outcome.exitCode}; see ${path.join(artifactDir, runnerFiles.stderr)}` } : undefined;
}
