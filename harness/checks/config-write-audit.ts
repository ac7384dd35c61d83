// Per-device audit of the config writes QEMU saw: register names, old/new values, BAR sizing explained.

import { barLayout } from './bars.ts';
import { decodeConfigSpace } from './decode-config-space.ts';
import { hex } from './hex.ts';
import { readRegister, type ConfigRegister, type RegisterWidth } from './register.ts';
import type { PciConfigWrite } from './qemu-trace.ts';

/** A config write as the audit needs it: a parsed trace event, or any object with these fields. */
export type ConfigWriteInput = Pick<PciConfigWrite, 'bdf' | 'offset' | 'value'> &
  Partial<Pick<PciConfigWrite, 'fileOffset' | 'qemuDevice'>> & { readonly phase?: string };

/** One write, explained. */
export interface AuditedWrite {
  fileOffset?: number;
  offset: number;
  /** Inferred: QEMU's trace does not log the access width (see inferWidth). */
  width: RegisterWidth;
  /** Register(s) the write covers, e.g. "Command", "MSI Message Control", "BAR1 (upper half of 64-bit BAR0)". */
  register: string;
  group: string;
  /** Value before the write: from the snapshot, then updated by each earlier write in the list. */
  oldValue: number | 'unknown';
  newValue: number;
  changed: boolean | 'unknown';
  /** Why this write is expected, for a person reading the audit ("BAR sizing: ..."). */
  note?: string;
  /** Who made it, when the writes were attributed to the phases of a window (old kernel, new kernel, userspace). */
  phase?: string;
}

/** All writes to one device. */
export interface DeviceWriteAudit {
  bdf: string;
  qemuDevice?: string;
  hasSnapshot: boolean;
  writes: AuditedWrite[];
  counts: { writes: number; changed: number; unchanged: number; unknown: number; barSizing: number };
}


const SIZING_NOTE = 'BAR sizing: all ones written to read the size back (normal during enumeration)';
const RESTORE_NOTE = 'BAR sizing: address written back after sizing';
const DECODE_OFF_NOTE = 'decode disabled around BAR sizing (normal during enumeration)';
const DECODE_ON_NOTE = 'decode re-enabled after BAR sizing';
const INTX_PROBE_NOTE = 'INTx Disable toggled and restored: probing INTx masking (normal during enumeration)';
const DECODE_BITS = 0x3; // IO | Memory
const INTX_DISABLE = 0x400;
const ROM_SIZING_MASK = 0xfffff800;

/**
 * Explain each config write per device, in the order given. Snapshots (taken before the writes) and writes are
 * keyed by "dddd:bb:dd.f", as sysfs and parsePciTrace give them. Every device that has a snapshot or a write is
 * listed (a snapshot with no writes shows as zero writes), sorted by BDF.
 */
export function auditConfigWrites(
  writes: readonly ConfigWriteInput[],
  snapshots: ReadonlyMap<string, Uint8Array>,
): DeviceWriteAudit[] {
  const byDevice = new Map<string, ConfigWriteInput[]>();
  for (const bdf of snapshots.keys()) byDevice.set(bdf, []);
  for (const write of writes) byDevice.set(write.bdf, [...(byDevice.get(write.bdf) ?? []), write]);
  return [...byDevice.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([bdf, deviceWrites]) => auditDevice(bdf, deviceWrites, snapshots.get(bdf)));
}

function auditDevice(
  bdf: string,
  writes: readonly ConfigWriteInput[],
  snapshot: Uint8Array | undefined,
): DeviceWriteAudit {
  const layout = snapshot ? decodeConfigSpace(snapshot) : HEADER_WITHOUT_SNAPSHOT;
  const upperHalves = snapshot ? upperHalfNames(snapshot) : new Map<number, string>();
  const state = snapshot ? Uint8Array.from(snapshot) : undefined;
  const audited = writes.map((write) => {
    const width = inferWidth(write.offset, write.value, layout);
    const covered = layout.filter((r) => r.offset < write.offset + width && write.offset < r.offset + r.width);
    const names = covered.map((r) => upperHalves.get(r.offset) ?? r.name);
    const oldValue = state ? (readRegister(state, write.offset, width) ?? 'unknown') : 'unknown';
    if (state && oldValue !== 'unknown') writeLittleEndian(state, write.offset, width, write.value);
    const entry: AuditedWrite = {
      offset: write.offset,
      width,
      register: names.length > 0 ? names.join(' + ') : `byte 0x${hex(write.offset, 2)}`,
      group: covered[0]?.group ?? 'unnamed',
      oldValue,
      newValue: write.value,
      changed: oldValue === 'unknown' ? 'unknown' : oldValue !== write.value,
    };
    if (write.fileOffset !== undefined) entry.fileOffset = write.fileOffset;
    if (write.phase !== undefined) entry.phase = write.phase;
    return { entry, isBar: covered.some(isBarRegister) };
  });
  annotateBarSizing(audited);
  annotateIntxProbe(audited.map(({ entry }) => entry));
  const list = audited.map(({ entry }) => entry);
  const audit: DeviceWriteAudit = { bdf, hasSnapshot: snapshot !== undefined, writes: list, counts: countWrites(list) };
  const qemuDevice = writes.find((w) => w.qemuDevice !== undefined)?.qemuDevice;
  if (qemuDevice !== undefined) audit.qemuDevice = qemuDevice;
  return audit;
}

/** Without a snapshot only the common header (same for every header type) can be named. */
const HEADER_WITHOUT_SNAPSHOT: readonly ConfigRegister[] = decodeConfigSpace(new Uint8Array(64)).filter(
  (r) => r.offset < 0x10,
);

/**
 * QEMU's trace gives offset and value but not the access size. Take the larger of what the value needs and
 * the register starting at that offset, bounded by the offset's alignment (accesses never cross a dword).
 */
function inferWidth(offset: number, value: number, layout: readonly ConfigRegister[]): RegisterWidth {
  const needed = value > 0xffff ? 4 : value > 0xff ? 2 : 1;
  const registerWidth = layout.find((r) => r.offset === offset)?.width ?? 1;
  const alignment = offset % 4 === 0 ? 4 : offset % 2 === 0 ? 2 : 1;
  return Math.min(Math.max(needed, registerWidth), alignment) as RegisterWidth;
}

/** Name the upper dword of each 64-bit BAR after the BAR it belongs to. */
function upperHalfNames(snapshot: Uint8Array): Map<number, string> {
  const names = new Map<number, string>();
  for (const bar of barLayout(snapshot)) {
    if (bar.is64Bit) names.set(bar.offset + 4, `BAR${bar.index + 1} (upper half of 64-bit BAR${bar.index})`);
  }
  return names;
}

function isBarRegister(register: ConfigRegister): boolean {
  return (
    register.group === 'header' && (/^BAR[0-5]$/.test(register.name) || register.name === 'Expansion ROM Base Address')
  );
}

function isSizingValue(entry: AuditedWrite): boolean {
  if (entry.register === 'Expansion ROM Base Address')
    return (entry.newValue & ROM_SIZING_MASK) >>> 0 === ROM_SIZING_MASK;
  return entry.newValue === 0xffffffff;
}

/** Mark all-ones BAR writes, the write-back that follows, and the Command writes that bracket them. */
function annotateBarSizing(audited: { entry: AuditedWrite; isBar: boolean }[]): void {
  const sizingAt = new Set<number>();
  audited.forEach(({ entry, isBar }, index) => {
    if (!isBar) return;
    if (entry.width === 4 && isSizingValue(entry)) {
      entry.note = SIZING_NOTE;
      sizingAt.add(entry.offset);
      const previous = audited[index - 1]?.entry;
      if (previous?.register === 'Command' && clearsDecode(previous)) previous.note = DECODE_OFF_NOTE;
    } else if (sizingAt.delete(entry.offset)) {
      entry.note = RESTORE_NOTE;
      const next = audited[index + 1]?.entry;
      if (next?.register === 'Command' && setsDecode(next)) next.note = DECODE_ON_NOTE;
    }
  });
}

/** Linux's pci_intx_mask_broken() flips INTx Disable and writes the original Command back at once. */
function annotateIntxProbe(writes: AuditedWrite[]): void {
  writes.forEach((entry, index) => {
    const next = writes[index + 1];
    if (entry.register !== 'Command' || next?.register !== 'Command' || entry.oldValue === 'unknown') return;
    if ((entry.oldValue ^ entry.newValue) === INTX_DISABLE && next.newValue === entry.oldValue) {
      entry.note ??= INTX_PROBE_NOTE;
      next.note ??= INTX_PROBE_NOTE;
    }
  });
}

function clearsDecode(entry: AuditedWrite): boolean {
  return (entry.newValue & DECODE_BITS) === 0 && (entry.oldValue === 'unknown' || (entry.oldValue & DECODE_BITS) !== 0);
}

function setsDecode(entry: AuditedWrite): boolean {
  return (entry.newValue & DECODE_BITS) !== 0 && (entry.oldValue === 'unknown' || (entry.oldValue & DECODE_BITS) === 0);
}

function writeLittleEndian(bytes: Uint8Array, offset: number, width: RegisterWidth, value: number): void {
  for (let i = 0; i < width; i++) bytes[offset + i] = Math.floor(value / 256 ** i) & 0xff;
}

function countWrites(writes: readonly AuditedWrite[]): DeviceWriteAudit['counts'] {
  return {
    writes: writes.length,
    changed: writes.filter((w) => w.changed === true).length,
    unchanged: writes.filter((w) => w.changed === false).length,
    unknown: writes.filter((w) => w.changed === 'unknown').length,
    barSizing: writes.filter((w) => w.note?.startsWith('BAR sizing') ?? false).length,
  };
}

/** A text report: one block per device, one line per write. */
export function formatConfigWriteAudit(audits: readonly DeviceWriteAudit[]): string {
  return audits
    .map((audit) => {
      const { writes, changed, barSizing } = audit.counts;
      const name = audit.qemuDevice ? ` (${audit.qemuDevice})` : '';
      const head = `${audit.bdf}${name}: ${writes} writes, ${changed} changed a value, ${barSizing} BAR sizing`;
      const lines = audit.writes.map((w) => {
        const digits = w.width * 2;
        const old = w.oldValue === 'unknown' ? 'unknown' : `0x${hex(w.oldValue, digits)}`;
        const note = w.note ? `  # ${w.note}` : '';
        const phase = w.phase ? `[${w.phase}] ` : '';
        return `  ${phase}@0x${hex(w.offset, 3)} ${w.register}: ${old} -> 0x${hex(w.newValue, digits)}${note}`;
      });
      return [head, ...lines].join('\n');
    })
    .join('\n')
    .concat('\n');
}
