// Config-space evidence of a kexec: snapshots before and after, named diffs, and QEMU's record of the writes, each
// attributed to the phase of the window that made it.
import { configSpaceDiff, formatConfigDiff, type ConfigDiffEntry } from '../checks/config-diff.ts';
import { auditConfigWrites, formatConfigWriteAudit, type DeviceWriteAudit } from '../checks/config-write-audit.ts';
import { parsePciTrace, splitByWindow } from '../checks/qemu-trace.ts';
import type { TraceLog, TraceMark } from '../vm/trace-log.ts';
import type { DeviceSnapshot } from './config-snapshot.ts';
import type { GuestAccess } from './guest-access.ts';
import type { KexecReport, KexecWindow } from './kexec-report.ts';
import { GuestPci } from './pci.ts';

/** What the audit reads of QEMU's trace log: its text from a mark on. */
export type TraceHistory = Pick<TraceLog, 'since'>;

export interface DeviceDiff {
  readonly bdf: string;
  /** Present on one side only: the device vanished or appeared. */
  readonly presence: 'both' | 'before-only' | 'after-only';
  readonly entries: readonly ConfigDiffEntry[];
}

/** Who made a write in the window, by where it falls between the window's marks. */
export const windowPhases = {
  oldKernel: 'old kernel: freeze and shutdown',
  newKernel: 'new kernel: boot and enumeration',
  userspace: 'userspace before the end of the window',
} as const;

export interface WriteAudit {
  /** Trace byte offsets bracketing the window and where each phase starts. */
  readonly window: { readonly start: number; readonly newKernel: number; readonly userspace: number; readonly end: number };
  /** Writes in the window, each with its phase. */
  readonly inWindow: DeviceWriteAudit[];
  /** Every other write of the machine's life so far. */
  readonly outsideWindow: DeviceWriteAudit[];
}

export interface KexecConfigEvidence {
  readonly before: DeviceSnapshot[];
  readonly after: DeviceSnapshot[];
  readonly diffs: DeviceDiff[];
  /** The window from `kexec -e` until SSH answered in the new kernel. */
  readonly audit: WriteAudit;
}

/** A kexec with every device's config space snapshotted before and after, diffed, and the window's writes audited. */
export interface KexecWithConfigReport extends KexecReport {
  readonly config: KexecConfigEvidence;
}

/**
 * Snapshot the new kernel's devices, diff them against `before`, audit the window's writes; saves
 * config/diff-kexec<label>.txt and the audit (auditKexecWindow) beside the snapshots.
 */
export async function kexecConfigEvidence(
  guest: GuestAccess,
  trace: TraceHistory,
  before: DeviceSnapshot[],
  window: KexecWindow,
  label: string,
): Promise<KexecConfigEvidence> {
  const after = await new GuestPci(guest).snapshot(`gen${guest.generation.index}-after-kexec`);
  const diffs = diffSnapshots(before, after);
  await guest.save(`config/diff-kexec${label}.txt`, diffs.map(formatDeviceDiff).join('\n'), { kind: 'config-diff' });
  const audit = await auditKexecWindow(guest, trace, before, window, window.sshAnswered, `kexec-window${label}`);
  return { before, after, diffs, audit };
}

/**
 * Audit the writes from `kexec -e` until `end` (SSH answering, or later: a preserved device's FINISH), each
 * attributed to its phase; saves config/writes-<name>.txt, config/writes-rest-of-run-<name>.txt and .json.
 */
export async function auditKexecWindow(
  guest: GuestAccess,
  trace: TraceHistory,
  before: readonly DeviceSnapshot[],
  window: KexecWindow,
  end: TraceMark,
  name: string,
): Promise<WriteAudit> {
  const whole = await trace.since({ offset: 0 });
  const span = { start: window.exec.offset, newKernel: window.newKernel.offset, userspace: window.userspace.offset, end: end.offset };
  const { inside, outside } = splitByWindow(parsePciTrace(whole.content, whole.offset), span);
  const phase = (offset: number) =>
    offset < span.newKernel ? windowPhases.oldKernel : offset < span.userspace ? windowPhases.newKernel : windowPhases.userspace;
  const snapshots = new Map(before.map((snapshot) => [snapshot.bdf, snapshot.bytes]));
  const audit: WriteAudit = {
    window: span,
    inWindow: auditConfigWrites(inside.map((write) => ({ ...write, phase: phase(write.fileOffset) })), snapshots),
    outsideWindow: auditConfigWrites(outside, new Map()),
  };
  await guest.save(`config/writes-${name}.txt`, formatConfigWriteAudit(audit.inWindow));
  await guest.save(`config/writes-rest-of-run-${name}.txt`, formatConfigWriteAudit(audit.outsideWindow));
  await guest.save(`config/writes-${name}.json`, `${JSON.stringify(audit, null, 2)}\n`, { kind: 'write-audit' });
  return audit;
}

/** Register-by-register diff of every device between two snapshots. */
export function diffSnapshots(before: readonly DeviceSnapshot[], after: readonly DeviceSnapshot[]): DeviceDiff[] {
  const bdfs = [...new Set([...before, ...after].map((snapshot) => snapshot.bdf))].sort();
  return bdfs.map((bdf) => {
    const old = before.find((snapshot) => snapshot.bdf === bdf);
    const now = after.find((snapshot) => snapshot.bdf === bdf);
    if (!old || !now) return { bdf, presence: old ? 'before-only' : 'after-only', entries: [] };
    return { bdf, presence: 'both', entries: configSpaceDiff(old.bytes, now.bytes) };
  });
}

function formatDeviceDiff(diff: DeviceDiff): string {
  return diff.presence === 'both' ? formatConfigDiff(diff.bdf, diff.entries) : `${diff.bdf}: present ${diff.presence}\n`;
}
