// summary.json and the short table at the end of a run.
import type { ErrorRecord } from '../errors.ts';
import type { UnreadableLine } from '../formats/tap.ts';
import type { FlakyBoot } from '../scenario/record.ts';
import type { PhaseRecord } from '../scenario/timeline.ts';
import { outcomeLabel, type JudgedPoint } from './expectations.ts';
import type { TestPoint } from './tap-results.ts';
import { alignColumns } from '../util/text-table.ts';

export interface ScenarioResult {
  readonly name: string;
  readonly verdict: 'pass' | 'fail' | 'skip';
  readonly durationMs: number;
  readonly exitCode: number | null;
  readonly kernel: string;
  readonly accel: string;
  readonly phases: readonly PhaseRecord[];
  readonly counts: PointCounts;
  readonly points: readonly JudgedPoint[];
  /** The scenario's own facts, in its manifest's shape (read them with factsOf). */
  readonly facts: Record<string, unknown>;
  /** The first boot failed and was retried (the verdict carries a `*`). */
  readonly flakyBoot?: FlakyBoot;
  /** The seeds its checks derived from the run seed, by step (repro.json keeps them). */
  readonly seeds?: Record<string, unknown>;
  readonly qemuPeakRssMiB?: number;
  /** Its QEMU outlived the scenario process and the run ended it. */
  readonly reapedQemu?: true;
  /** Why the scenario ended outside its test points (its own error, deadline, crash). */
  readonly error?: ErrorRecord;
  /** Lines of tap.txt that are no TAP (a stray print to the scenario's stdout): no verdict read them, so they are listed. */
  readonly unreadableTap?: readonly UnreadableLine[];
  readonly artifactDir: string;
}

/** Points by status, plus how many outcomes were expected by EXPECT= and how many were not. */
export type PointCounts = Record<TestPoint['status'] | 'expected' | 'unexpected', number>;

/** Count judged test points. */
export function countPoints(points: readonly JudgedPoint[]): PointCounts {
  const counts = { pass: 0, fail: 0, skip: 0, todo: 0, expected: 0, unexpected: 0 };
  for (const point of points) {
    counts[point.status] += 1;
    if (point.judgement !== 'as-usual') counts[point.judgement] += 1;
  }
  return counts;
}

function seconds(milliseconds: number | undefined): string {
  return milliseconds === undefined ? '-' : `${(milliseconds / 1000).toFixed(1)}s`;
}

/** The terminal table: one line per scenario with verdict, counts and key phase times. */
export function renderSummaryTable(results: readonly ScenarioResult[], resultsDir: string): string {
  const header = ['scenario', 'result', 'pass', 'fail', 'skip', 'todo', 'expected', 'boot-ssh', 'kexec-ssh', 'total'];
  const rows = results.map((result) => [
    result.name,
    `${result.verdict.toUpperCase()}${result.flakyBoot ? '*' : ''}`,
    String(result.counts.pass),
    String(result.counts.fail),
    String(result.counts.skip),
    String(result.counts.todo),
    String(result.counts.expected),
    seconds(result.phases.find((phase) => phase.name === 'boot-to-ssh')?.durationMs),
    seconds(result.phases.find((phase) => phase.name === 'kexec-to-ssh')?.durationMs),
    seconds(result.durationMs),
  ]);
  const lines = alignColumns(header, rows);
  const errors = results.filter((result) => result.error).map((result) => `${result.name}: ${result.error?.code ?? ''}: ${result.error?.message ?? ''}`);
  const unreadable = results.flatMap(unreadableTapLine);
  // Outcomes EXPECT= knew about are labelled either way; plain failures are already counted in the table.
  const surprises = results.flatMap((result) =>
    result.points.filter((point) => point.expected && point.judgement === 'unexpected').map((point) => `${result.name}/${point.id}: ${outcomeLabel(point)}`),
  );
  const flaky = results
    .filter((result) => result.flakyBoot)
    .map((result) => `${result.name}*: first boot failed and was retried (flaky); see serial-failed-boot.log`);
  return [...lines, ...errors, ...unreadable, ...surprises, ...flaky, `results: ${resultsDir}`].join('\n');
}

/** "<scenario>: N TAP lines could not be read (first: line L: text)" if any could not, the text cut to fit a terminal line. */
function unreadableTapLine(result: ScenarioResult): string[] {
  const unreadable = result.unreadableTap ?? [];
  const [first] = unreadable;
  if (!first) return [];
  const text = first.text.length > 80 ? `${first.text.slice(0, 80)}...` : first.text;
  return [`${result.name}: ${unreadable.length} TAP line${unreadable.length === 1 ? '' : 's'} could not be read (first: line ${first.line}: ${text})`];
}
