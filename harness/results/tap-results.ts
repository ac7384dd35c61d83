// Read the top-level test points of a scenario's TAP output (for JUnit and summary.json).

export type PointStatus = 'pass' | 'fail' | 'skip' | 'todo';

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
}

/** Parse top-level (unindented) TAP lines. */
export function parseTap(text: string): TapSummary {
  const points: TestPoint[] = [];
  let skippedAll: string | undefined;
  let planned: number | undefined;
  let bailedOut: string | undefined;
  const lines = text.split('\n');
  const seen = new Map<string, number>();
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index] ?? '';
    const plan = /^1\.\.(\d+)(?:\s*#\s*(.*))?$/.exec(line);
    if (plan) {
      planned = Number(plan[1]);
      if (planned === 0) skippedAll = plan[2]?.replace(/^skip\s*/i, '') ?? 'no tests';
      continue;
    }
    const bail = /^Bail out!\s*(.*)$/.exec(line);
    if (bail) {
      bailedOut = bail[1] ?? '';
      continue;
    }
    const point = /^(not ok|ok)\s+(\d+)\s*(?:-\s*)?(.*?)(?:\s+#\s*(SKIP|TODO)\b\s*(.*))?$/i.exec(line);
    if (!point) continue;
    const directive = point[4]?.toUpperCase();
    const status: PointStatus = directive === 'SKIP' ? 'skip' : directive === 'TODO' ? 'todo' : point[1] === 'ok' ? 'pass' : 'fail';
    let diagnostic: string | undefined;
    if (status === 'fail' && /^\s+---$/.test(lines[index + 1] ?? '')) {
      const block: string[] = [];
      for (index += 2; index < lines.length && !/^\s+\.\.\.$/.test(lines[index] ?? ''); index++) block.push(lines[index] ?? '');
      diagnostic = block.join('\n');
    }
    const fullName = (point[3] ?? '').replace(/\s*#\s*time=.*$/, '');
    const given = /^\[([^\]\s]+)\]\s*(.*)$/.exec(fullName);
    const name = given ? (given[2] ?? '') : fullName;
    const base = given?.[1] ?? derivedCheckId(name);
    // A repeated id (the same check run twice, or two names that derive alike) gets -2, -3 in order.
    const repeat = (seen.get(base) ?? 0) + 1;
    seen.set(base, repeat);
    points.push({
      number: Number(point[2]),
      id: repeat === 1 ? base : `${base}-${repeat}`,
      explicitId: given !== null,
      name,
      status,
      reason: directive ? point[5]?.trim() || undefined : undefined,
      diagnostic,
    });
  }
  return { points, skippedAll, planned, bailedOut };
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
