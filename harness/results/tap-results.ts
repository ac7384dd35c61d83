// The test points of a scenario's TAP output with their check ids, and the scenario's verdict (for JUnit and summary.json).
import { readTap, type TapStatus, type UnreadableLine } from '../formats/tap.ts';

export type PointStatus = TapStatus;

export interface TestPoint {
  readonly number: number;
  /** Stable check id: `[id]` at the start of the name, else derived from the name (see checkId). */
  readonly id: string;
  /** Whether the id was given in the name (the stable contract) rather than derived. */
  readonly explicitId: boolean;
  readonly name: string;
  readonly status: PointStatus;
  /** Reason given with a SKIP or TODO directive. */
  readonly reason?: string;
  /** The YAML diagnostic block that followed a failure, if any. */
  readonly diagnostic?: string;
}

export interface TapSummary {
  readonly points: readonly TestPoint[];
  /** `1..0 # reason`: the whole file was skipped. */
  readonly skippedAll?: string;
  readonly planned?: number;
  readonly bailedOut?: string;
  /** Top-level lines that are no TAP (a stray print to the scenario's stdout), numbered as in tap.txt. */
  readonly unreadable: readonly UnreadableLine[];
}

/** Our scenarios' TAP (node-tap's), read by the one TAP reader: its top-level points with check ids, and the lines it could not read. */
export function parseTap(text: string): TapSummary {
  const stream = readTap(text);
  const seen = new Map<string, number>();
  const points = stream.points.map((point): TestPoint => {
    const given = /^\[([^\]\s]+)\]\s*(.*)$/.exec(point.description);
    const name = given ? (given[2] ?? '') : point.description;
    const base = given?.[1] ?? derivedCheckId(name);
    // A repeated id (the same check run twice, or two names that derive alike) gets -2, -3 in order.
    const repeat = (seen.get(base) ?? 0) + 1;
    seen.set(base, repeat);
    return {
      number: point.number,
      id: repeat === 1 ? base : `${base}-${repeat}`,
      explicitId: given !== null,
      name,
      status: point.status,
      reason: point.reason,
      diagnostic: point.status === 'fail' ? point.yaml : undefined,
    };
  });
  return {
    points,
    skippedAll: stream.skippedAll,
    planned: stream.plan?.count,
    bailedOut: stream.bailOut,
    unreadable: stream.unreadable,
  };
}

/**
 * The id of a check that does not name one: its name lowercased, parenthesised asides (which often carry values that
 * change from run to run: boot ids, counts) dropped, every run of other characters than a-z and 0-9 made one dash,
 * cut to 80 characters. It is stable only while the name's text is; explicit `[id]`s are the contract.
 */
export function derivedCheckId(name: string): string {
  const slug = name
    .toLowerCase()
    .replace(/\([^)]*\)/g, ' ')
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, 80)
    .replace(/^-+|-+$/g, '');
  return slug || 'unnamed';
}

/** A scenario's verdict from its test points and process exit code. */
export function scenarioVerdict(summary: TapSummary, exitCode: number | null): 'pass' | 'fail' | 'skip' {
  if (summary.bailedOut !== undefined) return 'fail';
  if (summary.points.some((point) => point.status === 'fail')) return 'fail';
  if (exitCode !== 0) return 'fail';
  if (summary.skippedAll !== undefined && summary.points.length === 0) return 'skip';
  if (summary.points.length === 0) return 'fail';
  if (summary.planned !== undefined && summary.planned !== summary.points.length) return 'fail';
  return 'pass';
}
