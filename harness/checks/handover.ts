// What one live update handed over to the next kernel, in the terms an update between kernel versions is judged by:
// which kernel took over, what it logged, and what became of every preserved memfd.
import * as v from 'valibot';
import type { LiveUpdateLog } from './live-update-log.ts';
import type { MemfdSpec } from './pattern.ts';

/** Recorded by a scenario as its `handover` fact, read back (checked) by the kernel-pair matrix. */
export const handoverShape = v.object({
  /** uname -r of the kernel that took over. */
  release: v.string(),
  liveupdateNumber: v.nullable(v.number()),
  /** The new kernel's log lines about refusing or failing the handover. */
  warnings: v.array(v.string()),
  /** Every memfd preserved: verified intact, found with other contents, or never verified (not retrieved). */
  memfds: v.object({ intact: v.number(), corrupt: v.number(), unverified: v.number() }),
  /** Why /dev/liveupdate would not open after the update, when a memfd went unverified; null when it opened. */
  openErrno: v.nullable(v.string()),
  /** What the helper said went wrong. */
  errors: v.array(v.string()),
});

export type Handover = v.InferOutput<typeof handoverShape>;

/** The memfd counts of verify results against the specs that were preserved. */
export function memfdOutcomes(
  specs: readonly MemfdSpec[],
  verified: readonly { readonly session: string; readonly token: bigint; readonly ok: boolean }[],
): Handover['memfds'] {
  const counts = { intact: 0, corrupt: 0, unverified: 0 };
  for (const spec of specs) {
    for (const entry of spec.entries) {
      const found = verified.find((event) => event.session === spec.session && event.token === entry.token);
      counts[found === undefined ? 'unverified' : found.ok ? 'intact' : 'corrupt'] += 1;
    }
  }
  return counts;
}

/** The handover from its parts: the new kernel's release and log, the memfds' outcomes, the device's answer. */
export function handoverOf(release: string, log: LiveUpdateLog, memfds: Handover['memfds'], openErrno: string | null, errors: readonly string[]): Handover {
  return { release, liveupdateNumber: log.liveupdateNumber ?? null, warnings: [...log.warnings], memfds, openErrno, errors: [...errors] };
}
