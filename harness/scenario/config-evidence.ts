// Config-space evidence of a scenario: snapshots (lspci -F readable), named diffs, and QEMU's record of writes.
import { readFile } from 'node:fs/promises';
import { configSpaceDiff, formatConfigDiff, type ConfigDiffEntry } from '../checks/config-diff.ts';
import { auditConfigWrites, formatConfigWriteAudit, type DeviceWriteAudit } from '../checks/config-write-audit.ts';
import { formatLspciDump } from '../checks/lspci-dump.ts';
import { configWrites, parsePciTrace } from '../checks/qemu-trace.ts';
import { snapshotConfigSpace, type DeviceSnapshot } from '../guest/config-snapshot.ts';
import type { LiveGuest } from '../guest/live-guest.ts';
import { fileSize } from '../util/file-size.ts';
import type { ScenarioSession } from './run-scenario.ts';

export interface DeviceDiff {
  readonly bdf: string;
  /** Present on one side only: the device vanished or appeared. */
  readonly presence: 'both' | 'before-only' | 'after-only';
  readonly entries: readonly ConfigDiffEntry[];
}

/** Snapshot every device and save config/<label>.lspci (for `lspci -F`) and config/<label>.json. */
export async function takeSnapshot(session: ScenarioSession, guest: LiveGuest, label: string): Promise<DeviceSnapshot[]> {
  const { devices: snapshots, listing } = await snapshotConfigSpace(guest);
  await session.save(`config/${label}.sysfs.txt`, listing);
  await session.save(`config/${label}.lspci`, formatLspciDump(snapshots.map(({ bdf, bytes }) => ({ bdf, bytes }))));
  await session.save(
    `config/${label}.json`,
    `${JSON.stringify(snapshots.map((snapshot) => ({ ...snapshot, bytes: Buffer.from(snapshot.bytes).toString('hex') })), null, 2)}\n`,
  );
  return snapshots;
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

/** Save config/diff-<label>.txt (for a person) and return the diffs (for summary.json). */
export async function saveDiff(session: ScenarioSession, label: string, diffs: readonly DeviceDiff[]): Promise<void> {
  const text = diffs
    .map((diff) => (diff.presence === 'both' ? formatConfigDiff(diff.bdf, diff.entries) : `${diff.bdf}: present ${diff.presence}\n`))
    .join('\n');
  await session.save(`config/diff-${label}.txt`, text);
}

export interface WriteAudit {
  /** Trace byte offsets bracketing the window. */
  readonly window: { readonly start: number; readonly end: number };
  readonly inWindow: DeviceWriteAudit[];
  readonly outsideWindow: DeviceWriteAudit[];
}

/** Audit every config write QEMU traced, split into the window and the rest; old values come from `before`. */
export async function auditWrites(
  session: ScenarioSession,
  traceFile: string,
  window: { start: number; end: number },
  before: readonly DeviceSnapshot[],
): Promise<WriteAudit> {
  const writes = configWrites(parsePciTrace(await readFile(traceFile)));
  const snapshots = new Map(before.map((snapshot) => [snapshot.bdf, snapshot.bytes]));
  const inWindow = auditConfigWrites(writes.filter((write) => write.fileOffset >= window.start && write.fileOffset < window.end), snapshots);
  const outsideWindow = auditConfigWrites(writes.filter((write) => write.fileOffset < window.start || write.fileOffset >= window.end), new Map());
  await session.save('config/writes-kexec-window.txt', formatConfigWriteAudit(inWindow));
  await session.save('config/writes-rest-of-run.txt', formatConfigWriteAudit(outsideWindow));
  await session.save('config/writes.json', `${JSON.stringify({ window, inWindow, outsideWindow }, null, 2)}\n`);
  return { window, inWindow, outsideWindow };
}

export interface KexecConfigEvidence {
  readonly before: DeviceSnapshot[];
  readonly after: DeviceSnapshot[];
  readonly diffs: DeviceDiff[];
  readonly audit: WriteAudit;
}

/**
 * Kexec with config-space evidence: snapshot, kexec, snapshot again as soon as SSH answers (before the harness
 * touches a device), save the diff and audit the writes of the window from `kexec -e` to that moment.
 */
export async function kexecWithConfigEvidence(session: ScenarioSession, guest: LiveGuest): Promise<KexecConfigEvidence> {
  const before = await takeSnapshot(session, guest, 'gen0-before-kexec');
  const timing = await session.kexec(guest);
  const window = { start: timing.traceOffsetAtExec, end: await fileSize(guest.machine.traceLog) };
  const after = await takeSnapshot(session, guest, 'gen1-after-kexec');
  const diffs = diffSnapshots(before, after);
  await saveDiff(session, 'kexec', diffs);
  const audit = await auditWrites(session, guest.machine.traceLog, window, before);
  return { before, after, diffs, audit };
}
