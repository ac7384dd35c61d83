// Read the top-level test points of a scenario's TAP output (for JUnit and summary.json).

export type PointStatus = 'pass' | 'fail' | 'skip' | 'todo';

export interface TestPoint {
  readonly number: number;
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
    points.push({
      number: Number(point[2]),
      name: (point[3] ?? '').replace(/\s*#\s*time=.*$/, ''),
      status,
      reason: directive ? point[5]?.trim() || undefined : undefined,
      diagnostic,
    });
  }
  return { points, skippedAll, planned, bailedOut };
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
