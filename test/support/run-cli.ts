// Run the harness CLI as a user would, for integration tests.
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import type { ScenarioResult } from '../../harness/results/summary.ts';
import { repoRoot } from '../../harness/util/paths.ts';

export interface CliRun {
  readonly exitCode: number | undefined;
  readonly stdout: string;
  readonly stderr: string;
  readonly resultsDir: string;
}

/** Run `node --import tsx harness/cli.ts <args>` with make-style variables, results in a temp folder. */
export async function runCli(args: string[], variables: Record<string, string> = {}): Promise<CliRun> {
  const resultsDir = await mkdtemp(path.join(tmpdir(), 'luo-harness-results-'));
  const result = await execa('node', ['--import', 'tsx', 'harness/cli.ts', ...args], {
    cwd: repoRoot,
    env: { RESULTS: resultsDir, ...variables },
    reject: false,
    timeout: 60 * 60_000,
  });
  return { exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr, resultsDir };
}

/** The summary.json of the newest run in a results folder. */
export async function latestSummary(resultsDir: string): Promise<{ scenarios: ScenarioResult[]; accel: { accel: string } }> {
  return JSON.parse(await readFile(path.join(resultsDir, 'latest', 'summary.json'), 'utf8')) as never;
}
