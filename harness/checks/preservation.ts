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
