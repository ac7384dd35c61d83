// `make report`: the summary table of the newest run again, from its summary.json, and the path of its HTML report
// (rebuilt from the run's files, so a run recorded by an older harness gets the current page).
import { readFile, realpath } from 'node:fs/promises';
import path from 'node:path';
import type { Options } from '../config/options.ts';
import { BadInputError, ExitCode } from '../errors.ts';
import { writeHtmlReport } from '../report/write-report.ts';
import { renderSummaryTable, type ScenarioResult } from '../results/summary.ts';
import { repoRoot } from '../util/paths.ts';

/** Print the newest run's table; the exit code is what that run's would have been for pass/fail. */
export async function printReport(options: Options): Promise<number> {
  const latest = path.join(path.resolve(options.results ?? path.join(repoRoot, 'results')), 'latest');
  let summary: { scenarios: ScenarioResult[]; accel: { accel: string; reason: string }; kernel: { release: string } };
  try {
    summary = JSON.parse(await readFile(path.join(latest, 'summary.json'), 'utf8')) as typeof summary;
  } catch {
    throw new BadInputError(`no run in ${latest} (summary.json missing); run make scenario first or set RESULTS=<folder of runs>`);
  }
  process.stdout.write(`kernel ${summary.kernel.release}, ${summary.accel.accel} (${summary.accel.reason})\n`);
  const dir = await realpath(latest);
  process.stdout.write(`${renderSummaryTable(summary.scenarios, dir)}\nreport: ${await writeHtmlReport(dir)}\n`);
  return summary.scenarios.some((scenario) => scenario.verdict === 'fail') ? ExitCode.checkFailed : ExitCode.pass;
}
