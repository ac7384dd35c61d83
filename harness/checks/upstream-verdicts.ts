// Upstream selftests' verdicts: each case of the KTAP a kselftest_harness program prints (as the TAP reader reads
// it), and the ksft exit status of the two-stage programs (which print only "# ..." lines and exit).
import { readTap, type TapPoint, type UnreadableLine } from '../formats/tap.ts';

export type UpstreamVerdict = 'pass' | 'fail' | 'skip';

export interface UpstreamCase {
  readonly name: string;
  readonly verdict: UpstreamVerdict;
  /** The SKIP reason, or for a failure the lines the case printed (its assertion messages). */
  readonly reason?: string;
}

export interface UpstreamResults {
  readonly planned?: number;
  readonly cases: readonly UpstreamCase[];
  /** `1..0 # SKIP reason`: the whole program skipped. */
  readonly skippedAll?: string;
  readonly bailedOut?: string;
  /** Top-level lines that are not KTAP, for the caller to say (a program printing its own text). */
  readonly unreadable: readonly UnreadableLine[];
}

/** The cases a KTAP program reported, with upstream's verdicts; nested (indented) subtests belong to their parent's line. */
export function upstreamResults(output: string): UpstreamResults {
  const stream = readTap(output);
  return {
    planned: stream.plan?.count,
    cases: stream.points.map(upstreamCase),
    skippedAll: stream.skippedAll,
    bailedOut: stream.bailOut === undefined ? undefined : stream.bailOut || 'bailed out',
    unreadable: stream.unreadable,
  };
}

/** XFAIL is a pass; SKIP keeps upstream's reason; a TODO was not judged, so it is a skip too; a failure says what it printed. */
function upstreamCase(point: TapPoint): UpstreamCase {
  const name = point.description;
  if (point.status === 'skip') return { name, verdict: 'skip', reason: point.reason ?? 'skipped' };
  if (point.status === 'todo') return { name, verdict: 'skip', reason: `TODO${point.reason ? ` ${point.reason}` : ''}` };
  if (point.status === 'pass' || point.xfail) return { name, verdict: 'pass' };
  return { name, verdict: 'fail', reason: failureText(point.comments) };
}

/** What a failing case printed before its "not ok", without the harness's RUN/OK banners: the last 5 lines. */
function failureText(comments: readonly string[]): string {
  const said = comments.filter((line) => line && !/^(RUN|OK|Starting)\b/.test(line));
  return said.length > 0 ? said.slice(-5).join('\n') : 'failed (no message)';
}

/** The kselftest exit codes (tools/testing/selftests/kselftest.h). */
const ksftExit: Record<number, UpstreamVerdict> = { 0: 'pass', 1: 'fail', 4: 'skip' };

/**
 * Verdict of a program that reports by exit status (a two-stage test's stage): 0 pass, 4 skip, anything else a
 * failure; the reason is the last thing it said (ksft_exit_skip's or ksft_exit_fail_msg's message).
 */
export function exitVerdict(exitCode: number, output: string): { verdict: UpstreamVerdict; reason?: string } {
  const verdict = ksftExit[exitCode] ?? 'fail';
  if (verdict === 'pass') return { verdict };
  const said = output
    .split('\n')
    .map((line) => line.replace(/^(#|Bail out!)\s*/, '').trim())
    .filter((line) => line && !/^(TAP version|1\.\.\d+)/.test(line) && !/^Totals:/.test(line));
  const last = said.at(-1) ?? '';
  return { verdict, reason: `${verdict === 'fail' ? `exit ${exitCode}` : 'skip'}${last ? `: ${last}` : ''}` };
}
