// One call of a guest helper (luo-agent, vfio-edu) over SSH: run, parse its JSON lines, keep its output.
import { shellWord } from '../util/shell-word.ts';
import type { LiveGuest } from './live-guest.ts';

export interface HelperRun<E> {
  readonly command: string;
  readonly exitCode: number | null;
  readonly events: E[];
  readonly stdout: string;
  readonly stderr: string;
}

/** Called with every run, to save its output as an artifact. */
export type HelperRecorder = (step: string, run: { stdout: string; stderr: string }) => Promise<void>;

/** Run `program args...` in the guest, parse stdout, record it; the exit status is reported, not judged. */
export async function runGuestHelper<E>(
  guest: LiveGuest,
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
  return run;
}
