// `make scenario`: prepare, run each selected scenario in its own process, write TAP, JUnit, summary.json.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Options } from '../config/options.ts';
import { couldNotTestCodes, ExitCode, type ErrorRecord } from '../errors.ts';
import { kernelOptionSummary } from '../../images/kernel/resolve.ts';
import { renderJunit } from '../results/junit.ts';
import { createRunDir } from '../results/run-dir.ts';
import { countPoints, renderSummaryTable, type ScenarioResult } from '../results/summary.ts';
import { parseTap, scenarioVerdict, type TapSummary } from '../results/tap-results.ts';
import { listScenarios, selectScenarios, type ScenarioEntry } from '../scenario/catalog.ts';
import { writeContext } from '../scenario/context.ts';
import { repoRoot } from '../util/paths.ts';
import { prepareRun, scenarioContext, type Prepared } from './prepare.ts';
import { runScenarioProcess, type ScenarioProcessResult, type ScenarioRecord } from './scenario-process.ts';

/** Run the selected scenarios; returns the exit code (pass, a check failed, could not test, interrupted). */
export async function runScenarios(options: Options, cache: string): Promise<number> {
  const selected = selectScenarios(await listScenarios(), options.scenarios);
  const prepared = await prepareRun(options, cache);
  const resultsRoot = path.resolve(options.results ?? path.join(repoRoot, 'results'));
  const run = await createRunDir(resultsRoot);
  const cancel = new AbortController();
  const onSignal = () => cancel.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const results: ScenarioResult[] = [];
  const taps: string[] = [];
  try {
    for (const scenario of selected) {
      if (cancel.signal.aborted) break;
      const result = await runOne(scenario, prepared, options.qemu, run.runId, run.dir, cancel.signal);
      results.push(result.result);
      taps.push(`# Subtest: ${scenario.name}\n${result.tap.replace(/^/gm, '    ')}\n${result.result.verdict === 'fail' ? 'not ok' : 'ok'} ${taps.length + 1} - ${scenario.name}`);
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  await writeFile(path.join(run.dir, 'results.tap'), `TAP version 14\n${taps.join('\n')}\n1..${taps.length}\n`);
  await writeFile(
    path.join(run.dir, 'junit.xml'),
    renderJunit(results.map((result) => ({ name: result.name, durationMs: result.durationMs, tap: { points: result.points }, error: result.error }))),
  );
  const summary = {
    runId: run.runId,
    finishedAt: new Date().toISOString(),
    interrupted: cancel.signal.aborted,
    kernel: {
      release: prepared.kernel.release,
      identity: prepared.kernel.identity,
      origin: prepared.kernel.origin,
      patches: prepared.kernel.patches,
      buildMs: prepared.kernel.buildMs,
      options: kernelOptionSummary(prepared.kernel.config),
    },
    nextKernel: { release: prepared.nextKernel.release, identity: prepared.nextKernel.identity },
    image: prepared.image.key,
    accel: prepared.accel,
    qemu: prepared.qemuVersion,
    scenarios: results,
  };
  await writeFile(path.join(run.dir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  process.stdout.write(`\n${renderSummaryTable(results, run.dir)}\n`);
  if (cancel.signal.aborted) return ExitCode.interrupted;
  const failed = results.filter((result) => result.verdict === 'fail');
  if (failed.length === 0) return ExitCode.pass;
  // Every failure was the harness's own infrastructure: the kernel was not judged.
  return failed.every((result) => result.error && couldNotTestCodes.has(result.error.code)) ? ExitCode.couldNotTest : ExitCode.checkFailed;
}

async function runOne(
  scenario: ScenarioEntry,
  prepared: Prepared,
  qemu: string,
  runId: string,
  runDir: string,
  cancel: AbortSignal,
): Promise<{ result: ScenarioResult; tap: string }> {
  const artifactDir = path.join(runDir, scenario.name);
  await mkdir(artifactDir, { recursive: true });
  const context = scenarioContext(scenario.name, prepared, qemu, runId, artifactDir);
  const contextFile = path.join(artifactDir, 'context.json');
  await writeContext(contextFile, context);
  process.stdout.write(`# ${scenario.name}: ${scenario.description}\n`);
  const outcome = await runScenarioProcess(scenario.file, contextFile, artifactDir, (line) => {
    if (/^(not ok|ok) \d+/.test(line) || /^1\.\.0/.test(line)) process.stdout.write(`  ${scenario.name}: ${line}\n`);
  }, cancel);
  const tap = parseTap(outcome.tap);
  const record: ScenarioRecord = outcome.record ?? {};
  const error = scenarioError(outcome, tap, record, artifactDir);
  const verdict = outcome.timedOut ? 'fail' : scenarioVerdict(tap, outcome.exitCode);
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
      counts: countPoints(tap),
      points: tap.points,
      facts: { ...(record.facts ?? {}), ...(outcome.reapedQemu ? { reapedQemu: true } : {}) },
      error,
      artifactDir,
    },
  };
}

/** Why a scenario ended badly outside its test points: its deadline, its own recorded error, or a crash. */
function scenarioError(outcome: ScenarioProcessResult, tap: TapSummary, record: ScenarioRecord, artifactDir: string): ErrorRecord | undefined {
  if (outcome.timedOut) return { code: 'TIMEOUT', message: 'scenario exceeded its deadline and was stopped' };
  if (record.error) return record.error;
  const crashed = outcome.exitCode !== 0 && tap.points.every((point) => point.status !== 'fail');
  return crashed ? { code: 'CRASH', message: `scenario process exited ${outcome.exitCode}; see ${path.join(artifactDir, 'stderr.log')}` } : undefined;
}
