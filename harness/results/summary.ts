// summary.json and the short table at the end of a run.
import type { ErrorRecord } from '../errors.ts';
import type { PhaseRecord } from '../scenario/timeline.ts';
import type { TapSummary, TestPoint } from './tap-results.ts';

export interface ScenarioResult {
  readonly name: string;
  readonly verdict: 'pass' | 'fail' | 'skip';
  readonly durationMs: number;
  readonly exitCode: number | null;
  readonly kernel: string;
  readonly accel: string;
  readonly phases: readonly PhaseRecord[];
  readonly counts: Record<TestPoint['status'], number>;
  readonly points: readonly TestPoint[];
  readonly facts: Record<string, unknown>;
  /** Why the scenario ended outside its test points (its own error, deadline, crash). */
  readonly error?: ErrorRecord;
  readonly artifactDir: string;
}

/** Count test points by status. */
export function countPoints(tap: TapSummary): Record<TestPoint['status'], number> {
  const counts = { pass: 0, fail: 0, skip: 0, todo: 0 };
  for (const point of tap.points) counts[point.status] += 1;
  return counts;
}

function seconds(milliseconds: number | undefined): string {
  return milliseconds === undefined ? '-' : `${(milliseconds / 1000).toFixed(1)}s`;
}

/** The terminal table: one line per scenario with verdict, counts and key phase times. */
export function renderSummaryTable(results: readonly ScenarioResult[], resultsDir: string): string {
  const header = ['scenario', 'result', 'pass', 'fail', 'skip', 'todo', 'boot-ssh', 'kexec-ssh', 'total'];
  const rows = results.map((result) => [
    result.name,
    `${result.verdict.toUpperCase()}${result.facts.flakyBoot ? '*' : ''}`,
    String(result.counts.pass),
    String(result.counts.fail),
    String(result.counts.skip),
    String(result.counts.todo),
    seconds(result.phases.find((phase) => phase.name === 'boot-to-ssh')?.durationMs),
    seconds(result.phases.find((phase) => phase.name === 'kexec-to-ssh')?.durationMs),
    seconds(result.durationMs),
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const format = (row: string[]) => row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ').trimEnd();
  const lines = [format(header), ...rows.map(format)];
  const errors = results.filter((result) => result.error).map((result) => `${result.name}: ${result.error?.code ?? ''}: ${result.error?.message ?? ''}`);
  const flaky = results
    .filter((result) => result.facts.flakyBoot)
    .map((result) => `${result.name}*: first boot failed and was retried (flaky); see serial-failed-boot.log`);
  return [...lines, ...errors, ...flaky, `results: ${resultsDir}`].join('\n');
}
