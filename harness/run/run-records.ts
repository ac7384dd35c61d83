// The files a finished run leaves: results.tap, junit.xml, summary.json, repro.json and the HTML report.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Options } from '../config/options.ts';
import { kernelOptionSummary } from '../../images/kernel/make-kernel.ts';
import { writeHtmlReport } from '../report/write-report.ts';
import { compareWithUpstream, type Agreement } from '../results/agreement.ts';
import { renderJunit } from '../results/junit.ts';
import type { ScenarioResult } from '../results/summary.ts';
import type { ScenarioManifest } from '../scenario/define-scenario.ts';
import type { Prepared } from './prepare.ts';
import { reproRecord, writeRepro } from './repro.ts';

export interface FinishedRun {
  readonly prepared: Prepared;
  readonly options: Options;
  readonly runId: string;
  readonly dir: string;
  readonly seed: string;
  /** Scenarios run at once. */
  readonly jobs: number;
  readonly interrupted: boolean;
  readonly results: readonly { readonly result: ScenarioResult; readonly tap: string }[];
  /** The manifests of the scenarios it ran (what agreement compares). */
  readonly manifests: readonly ScenarioManifest[];
}

/** Write every record of the run; returns the report's path and, when the kernel's selftests ran, the agreement. */
export async function writeRunRecords(run: FinishedRun): Promise<{ report: string; agreement: Agreement | undefined }> {
  const { prepared, options } = run;
  const scenarios = run.results.map((entry) => entry.result);
  const taps = run.results.map(
    ({ result, tap }, index) => `# Subtest: ${result.name}\n${tap.replace(/^/gm, '    ')}\n${result.verdict === 'fail' ? 'not ok' : 'ok'} ${index + 1} - ${result.name}`,
  );
  await writeFile(path.join(run.dir, 'results.tap'), `TAP version 14\n${taps.join('\n')}\n1..${taps.length}\n`);
  await writeFile(
    path.join(run.dir, 'junit.xml'),
    renderJunit(scenarios.map((result) => ({ name: result.name, durationMs: result.durationMs, points: result.points, error: result.error }))),
  );
  const agreement = compareWithUpstream(scenarios, run.manifests);
  const summary = {
    runId: run.runId,
    finishedAt: new Date().toISOString(),
    interrupted: run.interrupted,
    seed: run.seed,
    shard: options.shard,
    jobs: run.jobs,
    expect: options.expect ? path.resolve(options.expect) : undefined,
    kernel: {
      release: prepared.kernel.release,
      identity: prepared.kernel.identity,
      origin: prepared.kernel.origin,
      patches: prepared.kernel.patches,
      buildMs: prepared.kernel.buildMs,
      options: kernelOptionSummary(prepared.kernel.config),
    },
    nextKernel: { release: prepared.nextKernel.release, identity: prepared.nextKernel.identity, patches: prepared.nextKernel.patches },
    mismatchKernel: prepared.mismatchKernel && { release: prepared.mismatchKernel.release, identity: prepared.mismatchKernel.identity, buildMs: prepared.mismatchKernel.buildMs },
    image: prepared.image.key,
    accel: prepared.accel,
    qemu: prepared.qemuVersion,
    agreement,
    scenarios,
  };
  await writeFile(path.join(run.dir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  const ran = scenarios.map((result) => result.name);
  await writeRepro(run.dir, await reproRecord(run.runId, options, ran, prepared, run.seed, scenarios));
  return { report: await writeHtmlReport(run.dir), agreement };
}
