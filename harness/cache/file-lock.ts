// An flock(2) lock on a file, shared between runs on one machine. Node has no flock, so util-linux's flock(1) takes
// it on a descriptor this process opened and hands it over: the lock belongs to the open file, so it stays held after
// flock(1) exits and ends when this process closes the file or dies. A dead holder's lock is gone with it.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { InfrastructureError } from '../errors.ts';

export type LockMode = 'shared' | 'exclusive';

/** A lock file opened by this process; `take` and `tryTake` lock it, `release` closes it. */
export class FileLock {
  private constructor(
    readonly file: string,
    private handle: FileHandle,
  ) {}

  /** Open (creating it if needed) the lock file; nothing is locked yet. */
  static async open(file: string): Promise<FileLock> {
    return new FileLock(file, await open(file, 'a+'));
  }

  /** Take the lock without waiting; false when another holder's lock conflicts. */
  async tryTake(mode: LockMode): Promise<boolean> {
    return this.flock(mode, ['--nonblock']);
  }

  /**
   * Take the lock, waiting for the holders that conflict, at most `deadlineMs`; `signal` ends the wait. Callers take
   * one mode per open lock: flock(2) converts a held lock by dropping it first, and a conversion that fails leaves
   * nothing held.
   */
  async take(mode: LockMode, deadlineMs: number, what: string, signal?: AbortSignal): Promise<void> {
    if (!(await this.flock(mode, ['--timeout', String(Math.ceil(deadlineMs / 1000))], signal))) {
      throw new InfrastructureError(`${what}: still locked by another run after ${Math.round(deadlineMs / 60_000)} min (${this.file})`);
    }
  }

  /** Give the lock up (and the file). */
  async release(): Promise<void> {
    await this.handle.close();
  }

  /**
   * flock(1) on our descriptor, passed as its fd 3. Then whether the path still names the file locked: a pruned
   * entry's lock file is removed while held, and a run that opened it before must not hold a lock nobody else sees.
   */
  private async flock(mode: LockMode, args: string[], signal?: AbortSignal): Promise<boolean> {
    for (;;) {
      // Node's own spawn: execa cannot hand a child an extra descriptor. A flock(1) outliving this process takes
      // the lock for nobody: the open file is then its alone, and closes when it exits.
      const child = spawn('flock', [mode === 'shared' ? '--shared' : '--exclusive', ...args, '3'], { stdio: ['ignore', 'ignore', 'pipe', this.handle.fd], signal });
      let stderr = '';
      child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const [exitCode, exitSignal] = (await once(child, 'close').catch((error: unknown) => {
        throw signal?.aborted && signal.reason instanceof Error ? signal.reason : error;
      })) as [number | null, NodeJS.Signals | null];
      // flock(1) exits 1 when --nonblock or --timeout gave up; anything else is flock itself failing.
      if (exitCode === 1 && !stderr) return false;
      if (exitCode !== 0) throw new InfrastructureError(`flock ${this.file} failed: ${stderr.trim() || `exit ${exitCode ?? exitSignal}`}`);
      if (await this.stillNamed()) return true;
      await this.handle.close();
      this.handle = await open(this.file, 'a+');
    }
  }

  private async stillNamed(): Promise<boolean> {
    const [held, named] = await Promise.all([this.handle.stat(), stat(this.file).catch(() => undefined)]);
    return named !== undefined && named.ino === held.ino && named.dev === held.dev;
  }
}
