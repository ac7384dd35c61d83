// What identifies a PCI device and must not change across a kexec: IDs, class, BAR sizes.
import { readRegister } from './register.ts';
import { resourceSizes } from './sysfs-resource.ts';
import type { DeviceSnapshot } from '../guest/config-snapshot.ts';

export interface DeviceIdentity {
  readonly bdf: string;
  readonly vendor: number | undefined;
  readonly device: number | undefined;
  /** Class, subclass, prog-if as one 24-bit number. */
  readonly classCode: number | undefined;
  readonly headerType: number | undefined;
  /** Size of each of the six BARs from sysfs `resource` (0 for unused). */
  readonly barSizes: readonly number[];
}

/** The identity of one snapshot. */
export function deviceIdentity(snapshot: DeviceSnapshot): DeviceIdentity {
  const revisionAndClass = readRegister(snapshot.bytes, 0x08, 4);
  return {
    bdf: snapshot.bdf,
    vendor: readRegister(snapshot.bytes, 0x00, 2),
    device: readRegister(snapshot.bytes, 0x02, 2),
    classCode: revisionAndClass === undefined ? undefined : revisionAndClass >>> 8,
    headerType: readRegister(snapshot.bytes, 0x0e, 1),
    barSizes: resourceSizes(snapshot.resource).slice(0, 6),
  };
}

/** Fields that differ between two identities, named; empty when stable. */
export function identityChanges(before: DeviceIdentity, after: DeviceIdentity): string[] {
  const changes: string[] = [];
  const hex = (value: number | undefined) => (value === undefined ? 'absent' : `0x${value.toString(16)}`);
  for (const field of ['vendor', 'device', 'classCode', 'headerType'] as const) {
    if (before[field] !== after[field]) changes.push(`${field} ${hex(before[field])} -> ${hex(after[field])}`);
  }
  before.barSizes.forEach((size, index) => {
    const now = after.barSizes[index];
    if (size !== now) changes.push(`BAR${index} size ${hex(size)} -> ${hex(now)}`);
  });
  return changes;
}
