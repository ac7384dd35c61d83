// One call of a guest helper (luo-agent, vfio-edu) over SSH: run, parse its JSON lines, keep its output.
import { GuestError } from '../errors.ts';
import { shellWord } from '../util/shell-word.ts';
import { describeErrors, type NamedEvent } from '../formats/json-lines.ts';
import type { GuestAccess } from './guest-access.ts';

export interface HelperRun<E> {
  readonly command: string;
  readonly exitCode: number | null;
  readonly events: E[];
  readonly stdout: string;
  readonly stderr: string;
}

/** Called with every run, to save its output as an artifact. */
export type HelperRecorder = (step: string, run: { stdout: string; stderr: string }) => Promise<void>;

/** Exit status of a helper that was called wrongly (helper.h's usage_exit). */
const usageExit = 2;

/** "COMMAND exited N: the errors it reported" (or its stderr), for a GuestError. */
export function helperFailure(run: HelperRun<NamedEvent>): string {
  const errors = describeErrors(run.events).join('; ');
  return `${run.command} exited ${run.exitCode}: ${errors || run.stderr.trim() || 'no error reported'}`;
}

/**
 * Run `program args...` in the guest, parse stdout, record it. A usage error is the harness's own bug and throws
 * a GuestError; any other exit status is reported, not judged.
 */
export async function runGuestHelper<E extends NamedEvent>(
  guest: GuestAccess,
  record: HelperRecorder,
  step: string,
  program: string,
  args: readonly string[],
  parse: (stdout: string) => E[],
  timeoutMs: number,
): Promise<HelperRun<E>> {
  const command = [program, ...args.map(shellWord)].join(' ');
  const result = await guest.run(command, timeoutMs);
  const run = { command, exitCode: result.exitCode, events: parse(result.stdout), stdout: result.stdout, stderr: result.stderr };
  await record(step, run);
  if (run.exitCode === usageExit) throw new GuestError(`usage error: ${helperFailure(run)}`);
  return run;
}
