// Config-space evidence of a kexec: snapshots before and after, named diffs, and QEMU's record of the writes.
import { configSpaceDiff, formatConfigDiff, type ConfigDiffEntry } from '../checks/config-diff.ts';
import { auditConfigWrites, formatConfigWriteAudit, type DeviceWriteAudit } from '../checks/config-write-audit.ts';
import { parsePciTrace, splitByWindow } from '../checks/qemu-trace.ts';
import type { TraceMark } from '../vm/trace-log.ts';
import type { DeviceSnapshot } from './config-snapshot.ts';
import type { LiveGuest } from './live-guest.ts';

export interface DeviceDiff {
  readonly bdf: string;
  /** Present on one side only: the device vanished or appeared. */
  readonly presence: 'both' | 'before-only' | 'after-only';
  readonly entries: readonly ConfigDiffEntry[];
}

export interface WriteAudit {
  /** Trace byte offsets bracketing the window. */
  readonly window: { readonly start: number; readonly end: number };
  readonly inWindow: DeviceWriteAudit[];
  /** Every other write of the machine's life so far. */
  readonly outsideWindow: DeviceWriteAudit[];
}

export interface KexecConfigEvidence {
  readonly before: DeviceSnapshot[];
  readonly after: DeviceSnapshot[];
  readonly diffs: DeviceDiff[];
  readonly audit: WriteAudit;
}

/**
 * Snapshot the new kernel's devices, diff them against `before`, audit the window's writes; saves
 * config/diff-kexec<label>.txt, config/writes-kexec-window<label>.txt, config/writes-rest-of-run<label>.txt and
 * config/writes<label>.json beside the snapshots.
 */
export async function kexecConfigEvidence(
  guest: LiveGuest,
  before: DeviceSnapshot[],
  window: { start: TraceMark; end: TraceMark },
  label: string,
): Promise<KexecConfigEvidence> {
  const after = await guest.pci.snapshot(`gen${guest.generation.index}-after-kexec`);
  const diffs = diffSnapshots(before, after);
  await guest.save(`config/diff-kexec${label}.txt`, diffs.map(formatDeviceDiff).join('\n'));
  const whole = await guest.machine.trace.since({ offset: 0 });
  const span = { start: window.start.offset, end: window.end.offset };
  const { inside, outside } = splitByWindow(parsePciTrace(whole.content, whole.offset), span);
  const snapshots = new Map(before.map((snapshot) => [snapshot.bdf, snapshot.bytes]));
  const audit: WriteAudit = { window: span, inWindow: auditConfigWrites(inside, snapshots), outsideWindow: auditConfigWrites(outside, new Map()) };
  await guest.save(`config/writes-kexec-window${label}.txt`, formatConfigWriteAudit(audit.inWindow));
  await guest.save(`config/writes-rest-of-run${label}.txt`, formatConfigWriteAudit(audit.outsideWindow));
  await guest.save(`config/writes${label}.json`, `${JSON.stringify(audit, null, 2)}\n`);
  return { before, after, diffs, audit };
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
