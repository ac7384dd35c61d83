// EXPECT=<file>: known outcomes per check, so that only unexpected outcomes fail a run (a nightly on a kernel with
// known bugs stays green until something changes).
import { readFile } from 'node:fs/promises';
import { BadInputError } from '../errors.ts';
import { scenarioVerdict, type PointStatus, type TapSummary, type TestPoint } from './tap-results.ts';
import { wildcardMatches } from '../util/wildcard.ts';

const statuses: readonly PointStatus[] = ['pass', 'fail', 'skip', 'todo'];

export interface Expectation {
  /** `<scenario>/<check id>`. */
  readonly check: string;
  readonly result: PointStatus;
  readonly reason: string;
  /** Kernel release it applies to; `*` matches any run of characters. Absent: every kernel. */
  readonly kernel?: string;
}

/** How a point's outcome compares with what was expected of it. */
export type Judgement = 'as-usual' | 'expected' | 'unexpected';

export interface JudgedPoint extends TestPoint {
  readonly judgement: Judgement;
  /** The expectation that applied, if any. */
  readonly expected?: { readonly result: PointStatus; readonly reason: string };
}

/** Read and validate an EXPECT file: a JSON array of {check, result, reason, kernel?}. */
export async function loadExpectations(file: string): Promise<Expectation[]> {
  let value: unknown;
  try {
    value = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new BadInputError(`EXPECT=${file} is not a readable JSON file (${error instanceof Error ? error.message : String(error)})`);
  }
  if (!Array.isArray(value)) throw new BadInputError(`EXPECT=${file}: expected a JSON array of {check, result, reason, kernel?}`);
  return value.map((entry: Record<string, unknown>, index) => {
    const where = `EXPECT=${file} entry ${index + 1}`;
    if (typeof entry.check !== 'string' || !/^[a-z0-9][a-z0-9-]*\/\S+$/.test(entry.check)) {
      throw new BadInputError(`${where}: "check" must be "<scenario>/<check id>"`);
    }
    if (!statuses.includes(entry.result as PointStatus)) throw new BadInputError(`${where}: "result" must be one of ${statuses.join(', ')}`);
    if (typeof entry.reason !== 'string' || entry.reason.trim() === '') throw new BadInputError(`${where}: "reason" must say why`);
    if (entry.kernel !== undefined && typeof entry.kernel !== 'string') throw new BadInputError(`${where}: "kernel" must be a release pattern`);
    return { check: entry.check, result: entry.result as PointStatus, reason: entry.reason, kernel: entry.kernel };
  });
}

/** Judge a scenario's points: the first expectation for `<scenario>/<id>` whose kernel matches applies. */
export function judgePoints(scenario: string, points: readonly TestPoint[], expectations: readonly Expectation[], release: string): JudgedPoint[] {
  return points.map((point) => {
    const applied = expectations.find((entry) => entry.check === `${scenario}/${point.id}` && (entry.kernel === undefined || wildcardMatches(entry.kernel, release)));
    if (!applied) return { ...point, judgement: point.status === 'fail' ? 'unexpected' : 'as-usual' };
    const expected = { result: applied.result, reason: applied.reason };
    return { ...point, judgement: point.status === applied.result ? 'expected' : 'unexpected', expected };
  });
}

/** One phrase for a point's outcome as a reader needs it: "expected fail: <reason>", "unexpected pass (expected fail: <reason>)". */
export function outcomeLabel(point: JudgedPoint): string {
  if (!point.expected) return point.status;
  const expectation = `${point.expected.result}: ${point.expected.reason}`;
  return point.judgement === 'expected' ? `expected ${expectation}` : `unexpected ${point.status} (expected ${expectation})`;
}

/**
 * A scenario's verdict once expectations are applied: an expected failure counts as judged (and the scenario
 * process's exit 1 that it caused is forgiven), any unexpected outcome fails the scenario.
 */
export function judgedVerdict(tap: TapSummary, exitCode: number | null, judged: readonly JudgedPoint[]): 'pass' | 'fail' | 'skip' {
  const failing = judged.filter((point) => point.status === 'fail');
  const onlyExpectedFailures = failing.length > 0 && failing.every((point) => point.judgement === 'expected');
  const points = judged.map((point) => (point.status === 'fail' && point.judgement === 'expected' ? { ...point, status: 'pass' as const } : point));
  const verdict = scenarioVerdict({ ...tap, points }, onlyExpectedFailures && exitCode === 1 ? 0 : exitCode);
  return judged.some((point) => point.judgement === 'unexpected') ? 'fail' : verdict;
}
