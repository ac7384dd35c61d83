// What the objects working in a guest (PCI, the guest helpers, config-space evidence) use of it. LiveGuest
// implements it; a unit test hands them a small fake. It knows no QEMU and no LiveGuest, so none of them import one.
import type { ArtifactKind } from '../results/artifacts.ts';
import type { CommandResult } from './ssh.ts';

/** One kernel the guest has run: the first boot, then one per kexec. */
export interface Generation {
  readonly index: number;
  readonly bootId: string;
  /** Serial log offset where this generation's kernel started. */
  readonly serialOffset: number;
}

/** Commands in a running guest, its artifact folder, and what per-step names and seeds derive from. */
export interface GuestAccess {
  /** Run a command in the guest; its exit status is reported, not judged. */
  run(command: string, timeoutMs?: number): Promise<CommandResult>;
  /** Run a command that must exit 0. */
  check(command: string, timeoutMs?: number): Promise<CommandResult>;
  /** Save a file in the guest's artifact folder, listed in its index as `kind` (evidence when not said); resolves with its path. */
  save(name: string, contents: string | Buffer, kind?: ArtifactKind): Promise<string>;
  /** The kernel running now (0 = first boot): artifacts and derived seeds are kept per generation. */
  readonly generation: Pick<Generation, 'index'>;
  /** The run seed (16 hex digits) every helper seed derives from, so a rerun repeats them. */
  readonly seed: string;
}
