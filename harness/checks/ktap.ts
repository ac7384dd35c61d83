// Upstream selftests' verdicts: the KTAP a kselftest_harness program prints, and the ksft exit status of the
// two-stage programs (which print only "# ..." lines and exit).

export type UpstreamVerdict = 'pass' | 'fail' | 'skip';

export interface KtapCase {
  readonly name: string;
  readonly verdict: UpstreamVerdict;
  /** The SKIP reason, or for a failure the lines the case printed (its assertion messages). */
  readonly reason?: string;
}

export interface KtapOutput {
  readonly planned?: number;
  readonly cases: readonly KtapCase[];
  /** `1..0 # SKIP reason` or a bare `# SKIP` exit: the whole program skipped. */
  readonly skippedAll?: string;
  readonly bailedOut?: string;
}

/** Parse the top level of a KTAP stream; nested (indented) subtests belong to their parent's line. */
export function parseKtap(text: string): KtapOutput {
  const cases: KtapCase[] = [];
  let planned: number | undefined;
  let skippedAll: string | undefined;
  let bailedOut: string | undefined;
  // Diagnostics since the last result line: what a failing case said before its "not ok".
  let pending: string[] = [];
  for (const line of text.split('\n')) {
    const plan = /^1\.\.(\d+)(?:\s*#\s*(?:SKIP\s*)?(.*))?$/i.exec(line);
    if (plan) {
      planned = Number(plan[1]);
      if (planned === 0) skippedAll = plan[2]?.trim() || 'no tests';
      continue;
    }
    const result = /^(not ok|ok)\s+\d+\s*(?:-\s*)?(.*?)(?:\s+#\s*(SKIP|TODO|XFAIL)\b\s*(.*))?$/i.exec(line);
    if (result) {
      const directive = result[3]?.toUpperCase();
      const name = (result[2] ?? '').trim();
      if (directive === 'SKIP') cases.push({ name, verdict: 'skip', reason: result[4]?.trim() || 'skipped' });
      else if (result[1] === 'ok' || directive === 'XFAIL') cases.push({ name, verdict: 'pass' });
      else cases.push({ name, verdict: 'fail', reason: failureText(pending) });
      pending = [];
      continue;
    }
    const bail = /^Bail out!\s*(.*)$/.exec(line);
    if (bail) bailedOut = bail[1]?.trim() || 'bailed out';
    if (line.startsWith('#') && !/^#\s+(RUN|OK|Starting)\b/.test(line)) pending.push(line.replace(/^#\s?/, '').trim());
  }
  return { planned, cases, skippedAll, bailedOut };
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

function failureText(lines: readonly string[]): string {
  const said = lines.filter(Boolean);
  return said.length > 0 ? said.slice(-5).join('\n') : 'failed (no message)';
}
