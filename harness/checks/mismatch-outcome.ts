// What a next kernel did with preserved state it cannot parse. Upstream's rule: fail loudly (panic) or come up
// in a maintenance mode where /dev/liveupdate is unusable; never boot silently with the data, never hang.
import { namesMismatch } from './live-update-log.ts';

export type MismatchOutcome = 'panicked' | 'maintenance' | 'handed-back' | 'hang' | 'panicked-silently' | 'booted-silently';

/** What the scenario saw, from `kexec -e` on. */
export type MismatchObservation =
  | { readonly kexec: 'panic'; readonly serial: string }
  | { readonly kexec: 'hang'; readonly serial: string }
  | {
      readonly kexec: 'booted';
      /** open(/dev/liveupdate) errno in the new kernel, null when it opened. */
      readonly openErrno: string | null;
      /** RETRIEVE_SESSION of each preserved session (only tried when the device opened): errno, null on success. */
      readonly retrieved: Readonly<Record<string, string | null>>;
      readonly dmesg: string;
    };

export interface MismatchVerdict {
  readonly outcome: MismatchOutcome;
  /** The outcomes upstream allows: panicked naming the mismatch, or maintenance mode with the data unreachable. */
  readonly acceptable: boolean;
  /** How the device answered in maintenance mode ("absent", "EIO", ...). */
  readonly device?: string;
  /** The log lines that show it: the panic, or what the new kernel said about the state it could not parse. */
  readonly evidence: readonly string[];
  /** The first of them naming the mismatch itself (an unknown compatible, a failed deserialization). */
  readonly named?: string;
}

/** Log lines about the handover or the mismatch: what LUO, KHO and their users print, a compatible string, a panic. */
const relevant = /\b(?:luo|KHO|liveupdate(?: test)?): |compatible|Kernel panic/;

function evidenceLines(log: string): string[] {
  return log
    .split('\n')
    .map((line) => line.replace(/\r$/, '').trim())
    .filter((line) => relevant.test(line));
}

/** Classify a mismatch kexec from what was observed. */
export function classifyMismatch(observed: MismatchObservation): MismatchVerdict {
  if (observed.kexec === 'hang') return { outcome: 'hang', acceptable: false, evidence: evidenceLines(observed.serial).slice(-20) };
  if (observed.kexec === 'panic') {
    const evidence = evidenceLines(observed.serial).slice(-20);
    const named = evidence.find((line) => namesMismatch.test(line));
    return { outcome: named ? 'panicked' : 'panicked-silently', acceptable: named !== undefined, evidence, named };
  }
  const evidence = evidenceLines(observed.dmesg);
  const handedBack = Object.entries(observed.retrieved).filter(([, errno]) => errno === null);
  if (handedBack.length > 0) {
    return { outcome: 'handed-back', acceptable: false, evidence: [...evidence, `RETRIEVE_SESSION succeeded: ${handedBack.map(([name]) => name).join(', ')}`] };
  }
  const device = observed.openErrno === 'ENOENT' ? 'absent' : (observed.openErrno ?? undefined);
  const named = evidence.find((line) => namesMismatch.test(line));
  // The device opened and every retrieve failed: unreachable, but a maintenance mode only if the kernel said why.
  const outcome = device !== undefined || named ? 'maintenance' : 'booted-silently';
  return { outcome, acceptable: outcome === 'maintenance' && named !== undefined, device: device ?? 'opens', evidence, named };
}
