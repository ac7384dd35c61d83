// Walk a device's capability list (from 0x34) and extended capability list (from 0x100) and name what is found.

import { hex } from './hex.ts';
import { readRegister } from './register.ts';

/** A capability found by walking a capability list. */
export interface PciCapability {
  offset: number;
  name: string;
  extended: boolean;
}

const CAPABILITY_LIST_STATUS_BIT = 0x10;
const CAPABILITIES_POINTER = 0x34;
const EXTENDED_CONFIG_START = 0x100;

// Named: what the QEMU topology's devices carry (edu, igb, virtio-net, ICH9 AHCI, pcie-root-port). Others show by ID.
const CAPABILITY_NAMES: Readonly<Record<number, string>> = {
  0x01: 'Power Management',
  0x05: 'MSI',
  0x09: 'Vendor Specific',
  0x0d: 'Bridge Subsystem Vendor ID',
  0x10: 'PCI Express',
  0x11: 'MSI-X',
  0x12: 'SATA',
};

const EXTENDED_CAPABILITY_NAMES: Readonly<Record<number, string>> = {
  0x0001: 'AER',
  0x000d: 'ACS',
  0x000e: 'ARI',
  0x0010: 'SR-IOV',
};

/** Walk the capability list from 0x34 and, for 4096-byte dumps, the extended list from 0x100. */
export function listCapabilities(bytes: Uint8Array): PciCapability[] {
  return [...walkCapabilities(bytes), ...walkExtendedCapabilities(bytes)];
}

function walkCapabilities(bytes: Uint8Array): PciCapability[] {
  const status = readRegister(bytes, 0x06, 2) ?? 0;
  if ((status & CAPABILITY_LIST_STATUS_BIT) === 0) return [];
  const found: PciCapability[] = [];
  const seen = new Set<number>();
  let pointer = (bytes[CAPABILITIES_POINTER] ?? 0) & 0xfc;
  // A valid pointer lies past the 64-byte header and inside the 256-byte legacy space.
  while (pointer >= 0x40 && pointer + 2 <= Math.min(bytes.length, EXTENDED_CONFIG_START) && !seen.has(pointer)) {
    seen.add(pointer);
    const id = bytes[pointer] ?? 0;
    if (id === 0xff) break;
    found.push({ offset: pointer, name: CAPABILITY_NAMES[id] ?? `Capability 0x${hex(id, 2)}`, extended: false });
    pointer = (bytes[pointer + 1] ?? 0) & 0xfc;
  }
  return found;
}

function walkExtendedCapabilities(bytes: Uint8Array): PciCapability[] {
  const found: PciCapability[] = [];
  const seen = new Set<number>();
  let pointer = EXTENDED_CONFIG_START;
  while (pointer >= EXTENDED_CONFIG_START && pointer + 4 <= bytes.length && !seen.has(pointer)) {
    seen.add(pointer);
    const header = readRegister(bytes, pointer, 4) ?? 0;
    if (header === 0 || header === 0xffffffff) break;
    const id = header & 0xffff;
    found.push({
      offset: pointer,
      name: EXTENDED_CAPABILITY_NAMES[id] ?? `Extended Capability 0x${hex(id, 4)}`,
      extended: true,
    });
    pointer = (header >>> 20) & 0xffc;
  }
  return found;
}
