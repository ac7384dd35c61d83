// Register layout inside each capability the topology's devices carry; unknown ones get their header only.

import type { PciCapability } from './capability-list.ts';
import { readRegister, type Field } from './register.ts';

/** Short prefix used in register names ("PM Control/Status", "PCIe Device Control"); others use the full name. */
const CAPABILITY_PREFIX: Readonly<Record<string, string>> = {
  'Power Management': 'PM',
  'PCI Express': 'PCIe',
  'Bridge Subsystem Vendor ID': 'SSVID',
};

const PCIE_FIELDS_V1: readonly Field[] = [
  [0x02, 2, 'Capabilities'],
  [0x04, 4, 'Device Capabilities'],
  [0x08, 2, 'Device Control'],
  [0x0a, 2, 'Device Status'],
  [0x0c, 4, 'Link Capabilities'],
  [0x10, 2, 'Link Control'],
  [0x12, 2, 'Link Status'],
  [0x14, 4, 'Slot Capabilities'],
  [0x18, 2, 'Slot Control'],
  [0x1a, 2, 'Slot Status'],
  [0x1c, 2, 'Root Control'],
  [0x1e, 2, 'Root Capabilities'],
  [0x20, 4, 'Root Status'],
];

const PCIE_FIELDS_V2: readonly Field[] = [
  [0x24, 4, 'Device Capabilities 2'],
  [0x28, 2, 'Device Control 2'],
  [0x2a, 2, 'Device Status 2'],
  [0x2c, 4, 'Link Capabilities 2'],
  [0x30, 2, 'Link Control 2'],
  [0x32, 2, 'Link Status 2'],
  [0x34, 4, 'Slot Capabilities 2'],
  [0x38, 2, 'Slot Control 2'],
  [0x3a, 2, 'Slot Status 2'],
];

const FIXED_FIELDS: Readonly<Record<string, readonly Field[]>> = {
  'Power Management': [
    [2, 2, 'Capabilities'],
    [4, 2, 'Control/Status'],
    [6, 1, 'Bridge Extensions'],
    [7, 1, 'Data'],
  ],
  'MSI-X': [
    [2, 2, 'Message Control'],
    [4, 4, 'Table Offset/BIR'],
    [8, 4, 'PBA Offset/BIR'],
  ],
  'Vendor Specific': [[2, 1, 'Length']],
  'Bridge Subsystem Vendor ID': [
    [4, 2, 'Subsystem Vendor ID'],
    [6, 2, 'Subsystem ID'],
  ],
  SATA: [
    [2, 2, 'Revision'],
    [4, 4, 'BAR Offset'],
  ],
};

const EXTENDED_FIELDS: Readonly<Record<string, readonly Field[]>> = {
  AER: [
    [0x04, 4, 'Uncorrectable Error Status'],
    [0x08, 4, 'Uncorrectable Error Mask'],
    [0x0c, 4, 'Uncorrectable Error Severity'],
    [0x10, 4, 'Correctable Error Status'],
    [0x14, 4, 'Correctable Error Mask'],
    [0x18, 4, 'Capabilities and Control'],
    [0x1c, 4, 'Header Log 0'],
    [0x20, 4, 'Header Log 1'],
    [0x24, 4, 'Header Log 2'],
    [0x28, 4, 'Header Log 3'],
    [0x2c, 4, 'Root Error Command'],
    [0x30, 4, 'Root Error Status'],
    [0x34, 2, 'Correctable Error Source ID'],
    [0x36, 2, 'Error Source ID'],
  ],
  ACS: [
    [0x04, 2, 'Capability'],
    [0x06, 2, 'Control'],
  ],
};

/** The registers of one capability, relative to its offset, and the prefix their names take. */
export function capabilityFields(bytes: Uint8Array, capability: PciCapability): { prefix: string; fields: Field[] } {
  const { name, offset } = capability;
  if (capability.extended) {
    return { prefix: `${name} `, fields: [[0, 4, 'Extended Capability Header'], ...(EXTENDED_FIELDS[name] ?? [])] };
  }
  const fields: Field[] = [
    [0, 1, 'Capability ID'],
    [1, 1, 'Next Pointer'],
  ];
  if (name === 'MSI') fields.push(...msiFields(bytes, offset));
  else if (name === 'PCI Express') {
    fields.push(...PCIE_FIELDS_V1);
    const version = (readRegister(bytes, offset + 2, 2) ?? 0) & 0xf;
    if (version >= 2) fields.push(...PCIE_FIELDS_V2);
  } else fields.push(...(FIXED_FIELDS[name] ?? []));
  return { prefix: `${CAPABILITY_PREFIX[name] ?? name} `, fields };
}

/** MSI layout depends on Message Control: 64-bit address, per-vector masking, extended data. */
function msiFields(bytes: Uint8Array, offset: number): Field[] {
  const control = readRegister(bytes, offset + 2, 2) ?? 0;
  const is64Bit = (control & 0x80) !== 0;
  const perVectorMasking = (control & 0x100) !== 0;
  const extendedData = (control & 0x200) !== 0;
  const fields: Field[] = [[2, 2, 'Message Control']];
  if (is64Bit) fields.push([4, 4, 'Message Address Low'], [8, 4, 'Message Address High']);
  else fields.push([4, 4, 'Message Address']);
  const data = is64Bit ? 0x0c : 0x08;
  fields.push([data, 2, 'Message Data']);
  if (extendedData) fields.push([data + 2, 2, 'Extended Message Data']);
  if (perVectorMasking) fields.push([data + 4, 4, 'Mask Bits'], [data + 8, 4, 'Pending Bits']);
  return fields;
}
