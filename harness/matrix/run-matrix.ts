// `make matrix`: live updates the way fleets do them, between every ordered pair of the given Debian kernel versions
// (same-version pairs included). Each pair is one `luo-harness run` of the scenarios that carry state across an update,
// the first kernel booted and the second kexec'd into; its outcome is classified (intact, refused loudly, lost
// silently) and the pairs go into one table: on the terminal, in summary.json and in index.html.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import * as v from 'valibot';
import { abiCompatibles } from '../../images/kernel/abi-compatibles.ts';
import { makeKernel } from '../../images/kernel/make-kernel.ts';
import { runKernelRecipes } from '../../images/kernel/recipe.ts';
import { handoverShape } from '../checks/handover.ts';
import { classifyUpdate, type UpdateScenario } from '../checks/update-outcome.ts';
import { kernelAndMachineVariables, type Options } from '../config/options.ts';
import { BadInputError, ExitCode, InterruptedError } from '../errors.ts';
import { newRunId } from '../results/run-dir.ts';
import type { ScenarioResult } from '../results/summary.ts';
import { listScenarios } from '../scenario/catalog.ts';
import { ensureHostPackages } from '../setup/host-packages.ts';
import { progress } from '../util/log.ts';
import { repoRoot } from '../util/paths.ts';
import { orderedPairs, pairName, shardPairs, type MatrixKernel, type MatrixPair, type MatrixSummary } from './matrix-table.ts';
import { renderMatrixHtml, renderMatrixTable } from './render-matrix.ts';

/** Debian's two kernel versions with LUO when this was written. */
export const defaultMatrixVersions = ['7.2', '7.3'];

/** Build (or find) every kernel, run every pair of the shard, classify and write the table; exit 1 on a silent loss. */
export async function runMatrix(options: Options, cache: string): Promise<number> {
  const recorded = options.repro ? await readMatrix(options.repro) : undefined;
  const versions = recorded?.kernels.map((kernel) => kernel.version) ?? options.kernels ?? defaultMatrixVersions;
  const scenarios = (await listScenarios()).filter((entry) => entry.manifest.acrossVersions);
  await ensureHostPackages();
  const kernels: MatrixKernel[] = [];
  for (const version of versions) {
    const kernel = await makeKernel(runKernelRecipes({ kernelVersion: version }).kernel, cache);
    kernels.push({ version, release: kernel.release, identity: kernel.identity, compatibles: kernel.source ? await abiCompatibles(kernel.source) : {} });
  }
  const all = orderedPairs(versions);
  const selected = shardPairs(all, options.shard);
  const runId = newRunId();
  const dir = path.join(path.resolve(options.results ?? path.join(repoRoot, 'results')), `matrix-${runId}`);
  await mkdir(dir, { recursive: true });
  progress(`matrix ${runId}: ${selected.map(pairName).join(', ')}; scenarios ${scenarios.map((entry) => entry.name).join(', ')}`);
  const pairs: MatrixPair[] = [];
  for (const [from, to] of selected) {
    const name = pairName([from, to]);
    const reproOf = recorded?.pairs.find((pair) => pair.name === name)?.runDir;
    const args = reproOf
      ? ['run', `REPRO=${reproOf}`]
      : ['run', `KERNEL_VERSION=${from}`, `NEXT_KERNEL_VERSION=${to}`, `S=${scenarios.map((entry) => entry.name).join(',')}`, ...kernelAndMachineVariables(options)];
    const results = path.join(dir, name);
    const started = performance.now();
    const child = await execa(path.join(repoRoot, 'luo-harness'), [...args, `RESULTS=${results}`, ...(options.expect ? [`EXPECT=${path.resolve(options.expect)}`] : [])], {
      reject: false,
      stdin: 'ignore',
      all: true,
      cleanup: true,
    });
    await writeFile(path.join(dir, `${name}.log`), child.all ?? '');
    if (child.exitCode === ExitCode.interrupted) throw new InterruptedError(`matrix: the ${name} run was interrupted`);
    const summary = await readFile(path.join(results, 'latest', 'summary.json'), 'utf8')
      .then((text) => JSON.parse(text) as { runId: string; scenarios: ScenarioResult[] })
      .catch(() => undefined);
    const verdict = summary
      ? classifyUpdate(summary.scenarios.map(updateScenario))
      : { outcome: 'not-tested' as const, acceptable: false, evidence: [`the run wrote no summary (exit ${child.exitCode ?? child.signal}); see ${name}.log`] };
    const runDir = summary ? path.join(results, summary.runId) : results;
    pairs.push({ name, from, to, ...verdict, wallMs: Math.round(performance.now() - started), runDir: path.relative(dir, runDir), report: path.relative(dir, path.join(runDir, 'index.html')) });
    progress(`matrix ${name}: ${verdict.outcome}${verdict.evidence[0] ? ` (${verdict.evidence[0]})` : ''}`);
  }
  const matrix: MatrixSummary = { kind: 'matrix', runId, finishedAt: new Date().toISOString(), shard: options.shard, expect: options.expect && path.resolve(options.expect), kernels, scenarios: scenarios.map((entry) => entry.name), pairs };
  await writeFile(path.join(dir, 'summary.json'), `${JSON.stringify(matrix, null, 2)}\n`);
  await writeFile(path.join(dir, 'index.html'), renderMatrixHtml(matrix));
  process.stdout.write(`\n${renderMatrixTable(matrix)}\nresults: ${dir}\nreport: ${path.join(dir, 'index.html')}\n`);
  // Nothing tested at all could not test; any other pair not intact or refused loudly (lost, broken, untested) fails.
  if (pairs.length > 0 && pairs.every((pair) => pair.outcome === 'not-tested')) return ExitCode.couldNotTest;
  return pairs.every((pair) => pair.acceptable) ? ExitCode.pass : ExitCode.checkFailed;
}

/** What the classification needs of a scenario's result: its verdict, error, failed checks, and its handover fact. */
export function updateScenario(result: ScenarioResult): UpdateScenario {
  return {
    name: result.name,
    verdict: result.verdict,
    error: result.error,
    failed: result.points.filter((point) => point.status === 'fail' && point.judgement !== 'expected').map((point) => point.id),
    handover: result.facts.handover === undefined ? undefined : v.parse(handoverShape, result.facts.handover),
  };
}

/** A matrix folder's summary.json, for REPRO=. */
async function readMatrix(folder: string): Promise<MatrixSummary> {
  const file = path.join(path.resolve(folder), 'summary.json');
  const matrix = await readFile(file, 'utf8')
    .then((text) => JSON.parse(text) as Partial<MatrixSummary>)
    .catch(() => undefined);
  if (matrix?.kind !== 'matrix' || !Array.isArray(matrix.pairs) || !Array.isArray(matrix.kernels)) {
    throw new BadInputError(`REPRO=${folder}: ${file} is not a matrix's summary; point REPRO at results/matrix-<id>`);
  }
  const pairs: readonly MatrixPair[] = matrix.pairs;
  return { ...(matrix as MatrixSummary), pairs: pairs.map((pair) => ({ ...pair, runDir: path.join(path.resolve(folder), pair.runDir) })) };
}
