// A guest for unit tests of the objects that work in one (GuestAccess): every command is answered with one recorded
// helper output, and the commands are kept for the test to read.
import { GuestError } from '../../harness/errors.ts';
import type { GuestAccess } from '../../harness/guest/guest-access.ts';
import type { CommandResult } from '../../harness/guest/ssh.ts';

export interface Recording {
  readonly stdout: string;
  /** Default 0. */
  readonly exitCode?: number;
  /** The run seed; default all zeros. */
  readonly seed?: string;
}

export class ReplayingGuest implements GuestAccess {
  /** Every command run, in order. */
  readonly commands: string[] = [];
  readonly generation = { index: 0 };
  readonly seed: string;

  constructor(private readonly recording: Recording) {
    this.seed = recording.seed ?? '0000000000000000';
  }

  run(command: string): Promise<CommandResult> {
    this.commands.push(command);
    return Promise.resolve({ command, exitCode: this.recording.exitCode ?? 0, signal: null, stdout: this.recording.stdout, stderr: '' });
  }

  /** As in a real guest, a non-zero exit is a GuestError. */
  async check(command: string): Promise<CommandResult> {
    const result = await this.run(command);
    if (result.exitCode !== 0) throw new GuestError(`guest command failed (exit ${result.exitCode}): ${command}`);
    return result;
  }

  /** Writes nothing: these tests judge what a helper call returns, not the artifacts it keeps. */
  save(name: string): Promise<string> {
    return Promise.resolve(name);
  }
}
