// Named difference between two config space dumps of one device, as JSON-ready entries and as a text table.

import { GuestError } from '../errors.ts';
import { decodeConfigSpace } from './decode-config-space.ts';
import { hex } from './hex.ts';
import { registerBits } from './register-bits.ts';
import { readRegister, type ConfigRegister, type RegisterWidth } from './register.ts';

/** One register (or unnamed byte) whose value differs between the two dumps. */
export interface ConfigDiffEntry {
  offset: number;
  width: RegisterWidth;
  /** Register name, or "byte 0xNN" for bytes no decoded register covers. */
  name: string;
  /** "header", a capability name, or "unnamed". */
  group: string;
  /** null when this side's dump is too short to hold the register. */
  before: number | null;
  after: number | null;
  /** before XOR after; null when one side is missing. */
  changedBits: number | null;
  /** Names of bits that went 0 -> 1 and 1 -> 0, for registers with known bit names (Command, Status...). */
  bitsSet?: string[];
  bitsCleared?: string[];
}

/**
 * Diff two dumps register by register. The layout is decoded from both sides, so a capability that moved
 * or appeared shows under both names. Bytes present on one side only are reported when named or non-zero.
 */
export function configSpaceDiff(before: Uint8Array, after: Uint8Array): ConfigDiffEntry[] {
  for (const [side, bytes] of [
    ['before', before],
    ['after', after],
  ] as const) {
    if (bytes.length < 64)
      throw new GuestError(`configSpaceDiff: "${side}" has ${bytes.length} bytes; need 64 or more`);
  }
  const layouts = [decodeConfigSpace(before), decodeConfigSpace(after)];
  const length = Math.max(before.length, after.length);
  const changed = changedBytes(before, after, length);
  const entries = new Map<string, ConfigDiffEntry>();
  const covered = new Set<number>();
  for (const register of layouts.flat()) {
    const touches = rangeOf(register).filter((offset) => changed.has(offset));
    if (touches.length === 0) continue;
    touches.forEach((offset) => covered.add(offset));
    const key = `${register.offset}/${register.width}/${register.name}`;
    if (!entries.has(key)) entries.set(key, entryFor(register, before, after));
  }
  for (const offset of changed) {
    if (covered.has(offset)) continue;
    entries.set(
      `${offset}/byte`,
      entryFor({ offset, width: 1, name: `byte 0x${hex(offset, 2)}`, group: 'unnamed' }, before, after),
    );
  }
  return [...entries.values()].sort((a, b) => a.offset - b.offset || a.width - b.width);
}

/** Offsets that differ; past the shorter dump, a byte counts when it is non-zero or inside a named register. */
function changedBytes(before: Uint8Array, after: Uint8Array, length: number): Set<number> {
  const named = new Set<number>();
  if (before.length !== after.length) {
    const longer = before.length > after.length ? before : after;
    decodeConfigSpace(longer).forEach((register) => rangeOf(register).forEach((offset) => named.add(offset)));
  }
  const changed = new Set<number>();
  for (let offset = 0; offset < length; offset++) {
    const a = before[offset];
    const b = after[offset];
    if (a !== undefined && b !== undefined) {
      if (a !== b) changed.add(offset);
    } else if ((a ?? b ?? 0) !== 0 || named.has(offset)) changed.add(offset);
  }
  return changed;
}

function rangeOf(register: { offset: number; width: number }): number[] {
  return Array.from({ length: register.width }, (_, i) => register.offset + i);
}

function entryFor(
  register: Pick<ConfigRegister, 'offset' | 'width' | 'name' | 'group'>,
  before: Uint8Array,
  after: Uint8Array,
): ConfigDiffEntry {
  const { offset, width, name, group } = register;
  const was = readRegister(before, offset, width) ?? null;
  const now = readRegister(after, offset, width) ?? null;
  const entry: ConfigDiffEntry = {
    offset,
    width,
    name,
    group,
    before: was,
    after: now,
    changedBits: was !== null && now !== null ? (was ^ now) >>> 0 : null,
  };
  if (was !== null && now !== null) {
    const wasBits = registerBits(name, was);
    const nowBits = registerBits(name, now);
    if (wasBits && nowBits) {
      entry.bitsSet = nowBits.filter((bit) => !wasBits.includes(bit));
      entry.bitsCleared = wasBits.filter((bit) => !nowBits.includes(bit));
    }
  }
  return entry;
}

/** A human-readable table: one line per changed register, hex values, named bits that flipped. */
export function formatConfigDiff(bdf: string, entries: readonly ConfigDiffEntry[]): string {
  if (entries.length === 0) return `${bdf}: config space unchanged\n`;
  const rows = entries.map((entry) => {
    const value = (v: number | null): string => (v === null ? 'absent' : `0x${hex(v, entry.width * 2)}`);
    const flips = [
      ...(entry.bitsSet ?? []).map((bit) => `+${bit}`),
      ...(entry.bitsCleared ?? []).map((bit) => `-${bit}`),
    ];
    return [
      `0x${hex(entry.offset, 3)}`,
      entry.name,
      entry.group,
      `${value(entry.before)} -> ${value(entry.after)}`,
      flips.join(' '),
    ];
  });
  const widths = [0, 1, 2, 3].map((column) => Math.max(...rows.map((row) => (row[column] ?? '').length)));
  const lines = rows.map((row) =>
    `  ${row.map((cell, column) => (column < 4 ? cell.padEnd(widths[column] ?? 0) : cell)).join('  ')}`.trimEnd(),
  );
  const noun = entries.length === 1 ? 'register' : 'registers';
  return `${bdf}: ${entries.length} ${noun} changed\n${lines.join('\n')}\n`;
}
