// Register layout of the 64-byte standard header: the common part, then type 0 (endpoints) or type 1 (bridges).

import type { Field } from './register.ts';

const COMMON_HEADER: readonly Field[] = [
  [0x00, 2, 'Vendor ID'],
  [0x02, 2, 'Device ID'],
  [0x04, 2, 'Command'],
  [0x06, 2, 'Status'],
  [0x08, 1, 'Revision ID'],
  [0x09, 1, 'Programming Interface'],
  [0x0a, 1, 'Subclass'],
  [0x0b, 1, 'Base Class'],
  [0x0c, 1, 'Cache Line Size'],
  [0x0d, 1, 'Latency Timer'],
  [0x0e, 1, 'Header Type'],
  [0x0f, 1, 'BIST'],
];

const TYPE0_HEADER: readonly Field[] = [
  [0x10, 4, 'BAR0'],
  [0x14, 4, 'BAR1'],
  [0x18, 4, 'BAR2'],
  [0x1c, 4, 'BAR3'],
  [0x20, 4, 'BAR4'],
  [0x24, 4, 'BAR5'],
  [0x28, 4, 'CardBus CIS Pointer'],
  [0x2c, 2, 'Subsystem Vendor ID'],
  [0x2e, 2, 'Subsystem ID'],
  [0x30, 4, 'Expansion ROM Base Address'],
  [0x34, 1, 'Capabilities Pointer'],
  [0x3c, 1, 'Interrupt Line'],
  [0x3d, 1, 'Interrupt Pin'],
  [0x3e, 1, 'Min Grant'],
  [0x3f, 1, 'Max Latency'],
];

const TYPE1_HEADER: readonly Field[] = [
  [0x10, 4, 'BAR0'],
  [0x14, 4, 'BAR1'],
  [0x18, 1, 'Primary Bus Number'],
  [0x19, 1, 'Secondary Bus Number'],
  [0x1a, 1, 'Subordinate Bus Number'],
  [0x1b, 1, 'Secondary Latency Timer'],
  [0x1c, 1, 'I/O Base'],
  [0x1d, 1, 'I/O Limit'],
  [0x1e, 2, 'Secondary Status'],
  [0x20, 2, 'Memory Base'],
  [0x22, 2, 'Memory Limit'],
  [0x24, 2, 'Prefetchable Memory Base'],
  [0x26, 2, 'Prefetchable Memory Limit'],
  [0x28, 4, 'Prefetchable Base Upper 32 Bits'],
  [0x2c, 4, 'Prefetchable Limit Upper 32 Bits'],
  [0x30, 2, 'I/O Base Upper 16 Bits'],
  [0x32, 2, 'I/O Limit Upper 16 Bits'],
  [0x34, 1, 'Capabilities Pointer'],
  [0x38, 4, 'Expansion ROM Base Address'],
  [0x3c, 1, 'Interrupt Line'],
  [0x3d, 1, 'Interrupt Pin'],
  [0x3e, 2, 'Bridge Control'],
];

/** The header registers for a Header Type; only the common part for a type the topology never has. */
export function headerFields(type: number): readonly Field[] {
  if (type === 0) return [...COMMON_HEADER, ...TYPE0_HEADER];
  if (type === 1) return [...COMMON_HEADER, ...TYPE1_HEADER];
  return COMMON_HEADER;
}
