// `make bench`: the bench subject (the scenario that does what the kernel's own luo_kexec_simple selftest does) against
// that selftest's flow on the same bzImage and accelerator, timed
// in turn in the same run, plus boot and kexec to SSH, the suite's wall time and QEMU's peak memory; bench.json
// keeps the ratios and their targets, and the previous bench run's ratios are shown beside them.
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { kernelAndMachineVariables, type Options } from '../config/options.ts';
import { ExitCode, InfrastructureError, InterruptedError } from '../errors.ts';
import { prepareRun } from '../run/prepare.ts';
import { listScenarios } from '../scenario/catalog.ts';
import { newRunId } from '../results/run-dir.ts';
import type { ScenarioResult } from '../results/summary.ts';
import { progress } from '../util/log.ts';
import { repoRoot } from '../util/paths.ts';
import { defaultTopology } from '../vm/topology.ts';
import { median, missed, ratiosOf, renderRatio, slower, targets, type BenchSamples, type Ratio } from './bench-targets.ts';
import { buildFloorImage } from './floor-image.ts';
import { runFloor } from './floor-run.ts';

/** One `luo-harness run` as a child: its wall time and the scenarios its summary.json reports. */
async function timeHarnessRun(options: Options, results: string, scenarios: readonly string[], log: string): Promise<{ wallMs: number; scenarios: ScenarioResult[] }> {
  const args = ['run', `RESULTS=${results}`, ...kernelAndMachineVariables(options), ...(scenarios.length > 0 ? [`S=${scenarios.join(',')}`] : [])];
  const started = performance.now();
  const run = await execa(path.join(repoRoot, 'luo-harness'), args, { reject: false, stdin: 'ignore', all: true, cleanup: true });
  const wallMs = Math.round(performance.now() - started);
  await writeFile(log, run.all ?? '');
  if (run.exitCode === ExitCode.interrupted) throw new InterruptedError(`bench: luo-harness ${args.join(' ')} was interrupted`);
  if (run.exitCode !== 0) throw new InfrastructureError(`bench: luo-harness ${args.join(' ')} exited ${run.exitCode ?? run.signal}; nothing to time (log: ${log})`);
  const summary = JSON.parse(await readFile(path.join(results, 'latest', 'summary.json'), 'utf8')) as { scenarios: ScenarioResult[] };
  return { wallMs, scenarios: summary.scenarios };
}

function phaseMs(result: ScenarioResult | undefined, name: string): number {
  const phase = result?.phases.find((candidate) => candidate.name === name);
  if (!phase) throw new InfrastructureError(`bench: ${result?.name ?? 'the bench subject'} recorded no "${name}" phase`);
  return phase.durationMs;
}

/**
 * The ratios of the newest earlier bench run in the same results folder of the same kernel and accelerator: another
 * kernel has another floor (a faster-booting kernel makes every ratio look worse), so its ratios are no yardstick.
 */
async function previousRun(resultsRoot: string, current: string, kernelIdentity: string, accel: string): Promise<{ runId: string; ratios: Ratio[] } | undefined> {
  const earlier = (await readdir(resultsRoot).catch(() => [])).filter((name) => name.startsWith('bench-') && name !== current).sort().reverse();
  for (const name of earlier) {
    const report = await readFile(path.join(resultsRoot, name, 'bench.json'), 'utf8')
      .then((text) => JSON.parse(text) as { runId: string; kernelIdentity?: string; accel?: { accel: string }; ratios?: Ratio[] })
      .catch(() => undefined);
    if (report?.ratios && report.kernelIdentity === kernelIdentity && report.accel?.accel === accel) return { runId: report.runId, ratios: report.ratios };
  }
  return undefined;
}

/** Floor and the bench subject in turn PAIRS times, then the suite once; bench.json; exit 3 when a target is missed. */
export async function runBenchmark(options: Options, cache: string): Promise<number> {
  const subject = (await listScenarios()).find((entry) => entry.manifest.benchSubject);
  if (!subject) throw new Error('no scenario manifest says benchSubject: nothing to time against the floor');
  const prepared = await prepareRun(options, cache, [subject.manifest.needs ?? {}]);
  const floor = await buildFloorImage(prepared.kernel, cache);
  if ('unavailable' in floor) {
    progress(`bench: no floor to measure against: ${floor.unavailable}`);
    return ExitCode.couldNotTest;
  }
  const runId = newRunId();
  const resultsRoot = path.resolve(options.results ?? path.join(repoRoot, 'results'));
  const dir = path.join(resultsRoot, `bench-${runId}`);
  await mkdir(dir, { recursive: true });
  const samples = { floorMs: [] as number[], subjectMs: [] as number[], bootToSshMs: [] as number[], kexecToSshMs: [] as number[], rss: [] as number[] };
  const floorRetries: string[] = [];
  const floorRun = (pair: number, attempt: string) =>
    runFloor({ qemu: prepared.qemu, accel: prepared.accel, bzImage: prepared.kernel.bzImage, initrd: floor.initrd, artifactDir: path.join(dir, `floor-${pair}${attempt}`) });
  for (let pair = 1; pair <= options.pairs; pair++) {
    // Like a scenario's first boot, a floor run that fails is tried once more and recorded: under TCG with two
    // vCPUs the kernel now and then oopses while patching its own code at boot (int3 in sched_clock_cpu).
    samples.floorMs.push(
      await floorRun(pair, '').catch(async (error: unknown) => {
        if (!(error instanceof InfrastructureError)) throw error;
        floorRetries.push(error.message.split('\n')[0] ?? '');
        progress(`bench: ${floorRetries.at(-1)}; trying that floor run once more`);
        return floorRun(pair, '-retry');
      }),
    );
    const subjectRun = await timeHarnessRun(options, path.join(dir, `${subject.name}-${pair}`), [subject.name], path.join(dir, `${subject.name}-${pair}.log`));
    const scenario = subjectRun.scenarios[0];
    samples.subjectMs.push(subjectRun.wallMs);
    samples.bootToSshMs.push(phaseMs(scenario, 'boot-to-ssh'));
    samples.kexecToSshMs.push(phaseMs(scenario, 'kexec-to-ssh'));
    if (scenario?.qemuPeakRssMiB !== undefined) samples.rss.push(scenario.qemuPeakRssMiB);
    progress(`bench pair ${pair}/${options.pairs}: floor ${samples.floorMs.at(-1)} ms, make scenario S=${subject.name} ${subjectRun.wallMs} ms`);
  }
  const suite = await timeHarnessRun(options, path.join(dir, 'suite'), options.scenarios, path.join(dir, 'suite.log'));
  progress(`bench: ${options.scenarios.length > 0 ? `S=${options.scenarios.join(',')}` : 'every scenario'} in ${suite.wallMs} ms`);
  const { rss, ...timed } = samples;
  const measured: BenchSamples = {
    ...timed,
    subject: subject.name,
    suiteMs: suite.wallMs,
    suiteSelection: options.scenarios,
    qemuPeakRssMiB: Math.max(0, ...rss),
    guestMemoryMiB: defaultTopology.memoryMiB,
  };
  const previous = await previousRun(resultsRoot, `bench-${runId}`, prepared.kernel.identity, prepared.accel.accel);
  const ratios = ratiosOf(measured, previous?.ratios);
  const report = {
    runId,
    accel: prepared.accel,
    kernel: prepared.kernel.release,
    kernelIdentity: prepared.kernel.identity,
    pairs: options.pairs,
    medianMs: { floor: median(measured.floorMs), subject: median(measured.subjectMs), bootToSsh: median(measured.bootToSshMs), kexecToSsh: median(measured.kexecToSshMs), suite: measured.suiteMs },
    samples: measured,
    suiteScenarios: suite.scenarios.map((scenario) => scenario.name),
    targets,
    ratios,
    previousRun: previous?.runId ?? null,
    floorRetries,
  };
  await writeFile(path.join(dir, 'bench.json'), `${JSON.stringify(report, null, 2)}\n`);
  const { medianMs } = report;
  process.stdout.write(
    `floor: luo_kexec_simple as vmtest.sh runs it, ${prepared.accel.accel}: median ${medianMs.floor} ms of [${measured.floorMs.join(', ')}]\n` +
      `make scenario S=${subject.name}: median ${medianMs.subject} ms of [${measured.subjectMs.join(', ')}]\n` +
      `${ratios.map(renderRatio).join('\n')}\n` +
      `${previous ? `compared with ${previous.runId}${ratios.some(slower) ? ': SLOWER where marked' : ''}` : 'no earlier bench run of this kernel and accelerator in this results folder to compare with'}\n` +
      `bench: ${path.join(dir, 'bench.json')}\n`,
  );
  return ratios.some(missed) ? ExitCode.benchTargetMissed : ExitCode.pass;
}
