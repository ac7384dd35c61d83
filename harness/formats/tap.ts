// The top level of a TAP 14 or KTAP stream (node-tap's output, a kselftest program's), read strictly: every line is a
// version, plan, test point, bail out, comment, pragma, blank or indented line, and any other line is kept as
// unreadable with its number rather than dropped, so a stray print or a program's non-KTAP text is seen.

export type TapStatus = 'pass' | 'fail' | 'skip' | 'todo';

/** `1..N`, with the text after its `#` (`1..0 # SKIP reason`: the reason, "SKIP" dropped). */
export interface TapPlan {
  readonly count: number;
  readonly reason?: string;
}

export interface TapPoint {
  /** 1-based line of the point in the stream. */
  readonly line: number;
  /** The point's number; a point without one counts on from the points before it (TAP 14). */
  readonly number: number;
  /** The text after the number (and its `-`) up to the first unescaped `#`, with `\#` and `\\` unescaped. */
  readonly description: string;
  /** SKIP and TODO directives decide it over ok / not ok; XFAIL does not (see `xfail`). */
  readonly status: TapStatus;
  /** A KTAP `# XFAIL` directive: the case was expected to fail. */
  readonly xfail: boolean;
  /** The text after a SKIP, TODO or XFAIL directive. */
  readonly reason?: string;
  /** The text after a `#` that is no directive: node-tap's `time=12ms`, kselftest_harness's message. */
  readonly note?: string;
  /** The YAML block right after the point (`---` ... `...`), without its indentation: node-tap's diagnostics. */
  readonly yaml?: string;
  /** The top-level `#` comments since the previous point, `#` and surrounding blanks removed: KTAP prints a failing case's messages there. */
  readonly comments: readonly string[];
}

/** A top-level line that is none of the things TAP allows there. */
export interface UnreadableLine {
  /** 1-based. */
  readonly line: number;
  readonly text: string;
}

export interface TapStream {
  readonly plan?: TapPlan;
  /** `1..0`: the whole stream skipped, with the plan's reason ('no tests' when it gave none). */
  readonly skippedAll?: string;
  readonly points: readonly TapPoint[];
  /** The reason after `Bail out!` ('' when it gave none). */
  readonly bailOut?: string;
  readonly unreadable: readonly UnreadableLine[];
}

const versionLine = /^K?TAP version \d+\s*$/;
const planLine = /^1\.\.(\d+)\s*(?:#\s*(.*))?$/;
const pointLine = /^(not ok|ok)(?:\s+(\d+))?(?:\s+-)?(?:\s+(.*))?$/;
const bailOutLine = /^Bail out!(.*)$/;
const pragmaLine = /^pragma [+-]\S+\s*$/;
const directive = /^(SKIP|TODO|XFAIL)\b\s*(.*)$/i;

/** Read a whole stream; indented lines are subtests and YAML blocks, which belong to the point around them. */
export function readTap(text: string): TapStream {
  const lines = text.split('\n');
  const points: TapPoint[] = [];
  const unreadable: UnreadableLine[] = [];
  let plan: TapPlan | undefined;
  let bailOut: string | undefined;
  let comments: string[] = [];
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index] ?? '';
    const point = pointLine.exec(line);
    if (point) {
      const yaml = yamlBlock(lines, index + 1);
      points.push({ ...pointFields(point, points.length + 1), line: index + 1, yaml: yaml?.text, comments });
      comments = [];
      index = yaml?.end ?? index;
      continue;
    }
    const planned = planLine.exec(line);
    if (planned) {
      plan = { count: Number(planned[1]), reason: planned[2]?.replace(/^SKIP\b/i, '').trim() || undefined };
      continue;
    }
    const bail = bailOutLine.exec(line);
    if (bail) bailOut ??= (bail[1] ?? '').trim();
    else if (line.startsWith('#')) comments.push(line.slice(1).trim());
    else if (!saysNothingHere(line)) unreadable.push({ line: index + 1, text: line });
  }
  const skippedAll = plan?.count === 0 ? (plan.reason ?? 'no tests') : undefined;
  return { plan, skippedAll, points, bailOut, unreadable };
}

/** TAP lines that carry nothing for the top level: blank, indented (subtests, YAML blocks), the version, a pragma. */
function saysNothingHere(line: string): boolean {
  return line === '' || /^\s/.test(line) || versionLine.test(line) || pragmaLine.test(line);
}

/** The fields a point line itself carries; `counted` is its number when it gives none. */
function pointFields(point: RegExpExecArray, counted: number): Pick<TapPoint, 'number' | 'description' | 'status' | 'xfail' | 'reason' | 'note'> {
  const { description, after } = splitAtHash(point[3] ?? '');
  const given = after === undefined ? null : directive.exec(after);
  const word = given?.[1]?.toUpperCase();
  const status: TapStatus = word === 'SKIP' ? 'skip' : word === 'TODO' ? 'todo' : point[1] === 'ok' ? 'pass' : 'fail';
  return {
    number: point[2] === undefined ? counted : Number(point[2]),
    description,
    status,
    xfail: word === 'XFAIL',
    reason: given?.[2]?.trim() || undefined,
    note: given ? undefined : after || undefined,
  };
}

/** A point's text split at its first unescaped `#` (TAP 14 escapes `#` and `\` in descriptions with a backslash). */
function splitAtHash(text: string): { description: string; after?: string } {
  for (let index = 0; index < text.length; index++) {
    if (text[index] === '\\') index++;
    else if (text[index] === '#') return { description: unescape(text.slice(0, index)), after: text.slice(index + 1).trim() };
  }
  return { description: unescape(text) };
}

function unescape(description: string): string {
  return description.trim().replace(/\\([\\#])/g, '$1');
}

/**
 * The YAML block starting at `start` (its `---` line must come right after the point), up to the `...` at the same
 * indentation. A top-level line before that ends the block early (a stream cut short); it is read as itself.
 */
function yamlBlock(lines: readonly string[], start: number): { text: string; end: number } | undefined {
  const indent = /^(\s+)---\s*$/.exec(lines[start] ?? '')?.[1];
  if (indent === undefined) return undefined;
  const body: string[] = [];
  let index = start + 1;
  for (; index < lines.length; index++) {
    const line = lines[index] ?? '';
    if (line.trimEnd() === `${indent}...`) return { text: body.join('\n'), end: index };
    if (line.trim() !== '' && !line.startsWith(indent)) break;
    body.push(line.slice(indent.length));
  }
  return { text: body.join('\n'), end: index - 1 };
}
