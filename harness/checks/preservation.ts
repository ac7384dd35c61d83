// Verdict helpers for a device that was preserved across a kexec: what of its config space must be kept.
import type { DeviceSnapshot } from '../guest/config-snapshot.ts';
import { readRegister } from './register.ts';
import { commandBits } from './register-bits.ts';

const barOffsets = [0x10, 0x14, 0x18, 0x1c, 0x20, 0x24];

/** BAR registers that differ between two snapshots of a type-0 device, named with old and new values. */
export function barChanges(before: DeviceSnapshot, after: DeviceSnapshot): string[] {
  const hex = (value: number | undefined) => (value === undefined ? 'absent' : `0x${value.toString(16).padStart(8, '0')}`);
  return barOffsets.flatMap((offset, index) => {
    const old = readRegister(before.bytes, offset, 4);
    const now = readRegister(after.bytes, offset, 4);
    return old === now ? [] : [`BAR${index} ${hex(old)} -> ${hex(now)}`];
  });
}

/** Whether the Command register has Bus Master Enable set. */
export function busMasterEnabled(snapshot: DeviceSnapshot): boolean {
  return commandBits(readRegister(snapshot.bytes, 0x04, 2) ?? 0).includes('BusMaster');
}

/** Type-1 header registers that say where a bridge sits and what it forwards: bus numbers and windows. */
const bridgeRegisters = [
  { name: 'Primary/Secondary/Subordinate Bus', offset: 0x18, width: 4 },
  { name: 'I/O Base/Limit', offset: 0x1c, width: 2 },
  { name: 'Memory Base/Limit', offset: 0x20, width: 4 },
  { name: 'Prefetchable Memory Base/Limit', offset: 0x24, width: 4 },
  { name: 'Prefetchable Base Upper 32 Bits', offset: 0x28, width: 4 },
  { name: 'Prefetchable Limit Upper 32 Bits', offset: 0x2c, width: 4 },
] as const;

/** Bus numbers and windows of a bridge that differ between two snapshots (the latency timer byte at 0x1b aside). */
export function bridgeChanges(before: DeviceSnapshot, after: DeviceSnapshot): string[] {
  return bridgeRegisters.flatMap(({ name, offset, width }) => {
    const mask = offset === 0x18 ? 0x00ffffff : 0xffffffff;
    const old = (readRegister(before.bytes, offset, width) ?? 0) & mask;
    const now = (readRegister(after.bytes, offset, width) ?? 0) & mask;
    return old === now ? [] : [`${name} 0x${old.toString(16)} -> 0x${now.toString(16)}`];
  });
}
