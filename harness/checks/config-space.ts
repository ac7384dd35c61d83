// Decode a PCI configuration space dump into named registers (header, capabilities, extended capabilities).

import { BadInputError } from '../errors.ts';

/** Width of a register in bytes. */
export type RegisterWidth = 1 | 2 | 4;

/** One named register read from a config space dump. */
export interface ConfigRegister {
  offset: number;
  width: RegisterWidth;
  name: string;
  value: number;
  /** "header", a capability name ("MSI", "PCI Express", ...) or an extended one ("AER", "ACS", ...). */
  group: string;
}

/** A capability found by walking a capability list. */
export interface Capability {
  offset: number;
  id: number;
  name: string;
  extended: boolean;
  /** Extended capabilities only: the 4-bit version field. */
  version?: number;
}

/** Decoded Base Address Register. */
export interface BarInfo {
  index: number;
  offset: number;
  type: 'memory' | 'io';
  is64Bit: boolean;
  prefetchable: boolean;
  /** Base address with the flag bits masked off (number: physical addresses fit in 52 bits). */
  address: number;
  /** Raw register value (the low dword for a 64-bit BAR). */
  raw: number;
  /** Size in bytes, only when a sysfs `resource` listing was given. */
  size?: number;
}

/** One line of a sysfs `resource` file. */
export interface SysfsResource {
  index: number;
  /** "BAR0".."BAR5", "ROM", then "resource7"... (bridge windows, SR-IOV BARs). */
  name: string;
  start: number;
  end: number;
  flags: number;
  kind: 'io' | 'memory' | 'none';
  prefetchable: boolean;
  is64Bit: boolean;
  size: number;
}

/** A field inside a capability: [offset from the capability, width, field name]. */
type Field = readonly [number, RegisterWidth, string];

const MIN_CONFIG_BYTES = 64;
const CAPABILITY_LIST_STATUS_BIT = 0x10;
const EXTENDED_CONFIG_START = 0x100;

const CAPABILITY_NAMES: Readonly<Record<number, string>> = {
  0x01: 'Power Management',
  0x02: 'AGP',
  0x03: 'VPD',
  0x04: 'Slot Identification',
  0x05: 'MSI',
  0x06: 'CompactPCI Hot Swap',
  0x07: 'PCI-X',
  0x08: 'HyperTransport',
  0x09: 'Vendor Specific',
  0x0a: 'Debug Port',
  0x0b: 'CompactPCI Central Resource Control',
  0x0c: 'PCI Hot-Plug',
  0x0d: 'Bridge Subsystem Vendor ID',
  0x0e: 'AGP 8x',
  0x0f: 'Secure Device',
  0x10: 'PCI Express',
  0x11: 'MSI-X',
  0x12: 'SATA',
  0x13: 'Advanced Features',
  0x14: 'Enhanced Allocation',
  0x15: 'Flattening Portal Bridge',
};

/** Short prefix used in register names ("PM Control/Status", "PCIe Device Control"). */
const CAPABILITY_PREFIX: Readonly<Record<string, string>> = {
  'Power Management': 'PM',
  'PCI Express': 'PCIe',
  'Bridge Subsystem Vendor ID': 'SSVID',
};

const EXTENDED_CAPABILITY_NAMES: Readonly<Record<number, string>> = {
  0x0001: 'AER',
  0x0002: 'Virtual Channel',
  0x0003: 'Device Serial Number',
  0x0004: 'Power Budgeting',
  0x0005: 'Root Complex Link Declaration',
  0x0006: 'Root Complex Internal Link Control',
  0x0007: 'Root Complex Event Collector Endpoint Association',
  0x0008: 'Multi-Function Virtual Channel',
  0x0009: 'Virtual Channel (MFVC)',
  0x000a: 'RCRB Header',
  0x000b: 'Vendor Specific Extended',
  0x000d: 'ACS',
  0x000e: 'ARI',
  0x000f: 'ATS',
  0x0010: 'SR-IOV',
  0x0011: 'MR-IOV',
  0x0012: 'Multicast',
  0x0013: 'PRI',
  0x0015: 'Resizable BAR',
  0x0016: 'Dynamic Power Allocation',
  0x0017: 'TPH Requester',
  0x0018: 'LTR',
  0x0019: 'Secondary PCI Express',
  0x001b: 'PASID',
  0x001d: 'DPC',
  0x001e: 'L1 PM Substates',
  0x001f: 'PTM',
  0x0023: 'DVSEC',
  0x0025: 'Data Link Feature',
  0x0026: 'Physical Layer 16.0 GT/s',
  0x0029: 'Lane Margining',
  0x002e: 'DOE',
};

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

const PM_FIELDS: readonly Field[] = [
  [2, 2, 'Capabilities'],
  [4, 2, 'Control/Status'],
  [6, 1, 'Bridge Extensions'],
  [7, 1, 'Data'],
];

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

const MSIX_FIELDS: readonly Field[] = [
  [2, 2, 'Message Control'],
  [4, 4, 'Table Offset/BIR'],
  [8, 4, 'PBA Offset/BIR'],
];

const SIMPLE_CAPABILITY_FIELDS: Readonly<Record<string, readonly Field[]>> = {
  'Power Management': PM_FIELDS,
  'MSI-X': MSIX_FIELDS,
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

const EXTENDED_CAPABILITY_FIELDS: Readonly<Record<string, readonly Field[]>> = {
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
  'Device Serial Number': [
    [0x04, 4, 'Serial Number Low'],
    [0x08, 4, 'Serial Number High'],
  ],
  ACS: [
    [0x04, 2, 'Capability'],
    [0x06, 2, 'Control'],
  ],
  ARI: [
    [0x04, 2, 'Capability'],
    [0x06, 2, 'Control'],
  ],
  ATS: [
    [0x04, 2, 'Capability'],
    [0x06, 2, 'Control'],
  ],
  PASID: [
    [0x04, 2, 'Capability'],
    [0x06, 2, 'Control'],
  ],
  PRI: [
    [0x04, 2, 'Control'],
    [0x06, 2, 'Status'],
    [0x08, 4, 'Outstanding Page Request Capacity'],
    [0x0c, 4, 'Outstanding Page Request Allocation'],
  ],
  LTR: [
    [0x04, 2, 'Max Snoop Latency'],
    [0x06, 2, 'Max No-Snoop Latency'],
  ],
  'SR-IOV': [
    [0x04, 4, 'Capabilities'],
    [0x08, 2, 'Control'],
    [0x0a, 2, 'Status'],
    [0x0c, 2, 'InitialVFs'],
    [0x0e, 2, 'TotalVFs'],
    [0x10, 2, 'NumVFs'],
    [0x12, 1, 'Function Dependency Link'],
    [0x14, 2, 'First VF Offset'],
    [0x16, 2, 'VF Stride'],
    [0x1a, 2, 'VF Device ID'],
    [0x1c, 4, 'Supported Page Sizes'],
    [0x20, 4, 'System Page Size'],
    [0x24, 4, 'VF BAR0'],
    [0x28, 4, 'VF BAR1'],
    [0x2c, 4, 'VF BAR2'],
    [0x30, 4, 'VF BAR3'],
    [0x34, 4, 'VF BAR4'],
    [0x38, 4, 'VF BAR5'],
    [0x3c, 4, 'VF Migration State Array Offset'],
  ],
};

/** Read `width` bytes little-endian at `offset`, or undefined when the dump is too short. */
export function readRegister(bytes: Uint8Array, offset: number, width: RegisterWidth): number | undefined {
  if (offset < 0 || offset + width > bytes.length) return undefined;
  let value = 0;
  for (let i = width - 1; i >= 0; i--) value = value * 256 + (bytes[offset + i] ?? 0);
  return value;
}

/** Decode every named register of a config space dump (64, 256 or 4096 bytes). */
export function decodeConfigSpace(bytes: Uint8Array): ConfigRegister[] {
  requireHeader(bytes, 'decodeConfigSpace');
  const registers: ConfigRegister[] = [];
  addFields(registers, bytes, 0, 'header', '', COMMON_HEADER);
  const headerType = (bytes[0x0e] ?? 0) & 0x7f;
  if (headerType === 0) addFields(registers, bytes, 0, 'header', '', TYPE0_HEADER);
  else if (headerType === 1) addFields(registers, bytes, 0, 'header', '', TYPE1_HEADER);
  for (const capability of listCapabilities(bytes)) {
    if (capability.extended) addExtendedCapability(registers, bytes, capability);
    else addCapability(registers, bytes, capability);
  }
  return registers.sort((a, b) => a.offset - b.offset);
}

/** Walk the capability list from 0x34 and, for 4096-byte dumps, the extended list from 0x100. */
export function listCapabilities(bytes: Uint8Array): Capability[] {
  requireHeader(bytes, 'listCapabilities');
  return [...walkCapabilities(bytes), ...walkExtendedCapabilities(bytes)];
}

/** The first capability with this name ("MSI", "PCI Express", "AER"...), if present. */
export function findCapability(bytes: Uint8Array, name: string): Capability | undefined {
  return listCapabilities(bytes).find((capability) => capability.name === name);
}

function walkCapabilities(bytes: Uint8Array): Capability[] {
  const status = readRegister(bytes, 0x06, 2) ?? 0;
  if ((status & CAPABILITY_LIST_STATUS_BIT) === 0) return [];
  const headerType = (bytes[0x0e] ?? 0) & 0x7f;
  const pointerOffset = headerType === 2 ? 0x14 : 0x34;
  const found: Capability[] = [];
  const seen = new Set<number>();
  let pointer = (bytes[pointerOffset] ?? 0) & 0xfc;
  // A valid pointer lies past the 64-byte header and inside the 256-byte legacy space.
  while (pointer >= 0x40 && pointer + 2 <= Math.min(bytes.length, EXTENDED_CONFIG_START) && !seen.has(pointer)) {
    seen.add(pointer);
    const id = bytes[pointer] ?? 0;
    if (id === 0xff) break;
    found.push({ offset: pointer, id, name: CAPABILITY_NAMES[id] ?? `Capability 0x${hex(id, 2)}`, extended: false });
    pointer = (bytes[pointer + 1] ?? 0) & 0xfc;
  }
  return found;
}

function walkExtendedCapabilities(bytes: Uint8Array): Capability[] {
  const found: Capability[] = [];
  const seen = new Set<number>();
  let pointer = EXTENDED_CONFIG_START;
  while (pointer >= EXTENDED_CONFIG_START && pointer + 4 <= bytes.length && !seen.has(pointer)) {
    seen.add(pointer);
    const header = readRegister(bytes, pointer, 4) ?? 0;
    if (header === 0 || header === 0xffffffff) break;
    const id = header & 0xffff;
    const name = EXTENDED_CAPABILITY_NAMES[id] ?? `Extended Capability 0x${hex(id, 4)}`;
    found.push({ offset: pointer, id, name, extended: true, version: (header >>> 16) & 0xf });
    pointer = (header >>> 20) & 0xffc;
  }
  return found;
}

function addCapability(registers: ConfigRegister[], bytes: Uint8Array, capability: Capability): void {
  const { name, offset } = capability;
  const prefix = CAPABILITY_PREFIX[name] ?? name;
  const fields: Field[] = [
    [0, 1, 'Capability ID'],
    [1, 1, 'Next Pointer'],
  ];
  if (name === 'MSI') fields.push(...msiFields(bytes, offset));
  else if (name === 'PCI Express') {
    fields.push(...PCIE_FIELDS_V1);
    const version = (readRegister(bytes, offset + 2, 2) ?? 0) & 0xf;
    if (version >= 2) fields.push(...PCIE_FIELDS_V2);
  } else fields.push(...(SIMPLE_CAPABILITY_FIELDS[name] ?? []));
  addFields(registers, bytes, offset, name, `${prefix} `, fields, EXTENDED_CONFIG_START);
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

function addExtendedCapability(registers: ConfigRegister[], bytes: Uint8Array, capability: Capability): void {
  const fields: Field[] = [
    [0, 4, 'Extended Capability Header'],
    ...(EXTENDED_CAPABILITY_FIELDS[capability.name] ?? []),
  ];
  addFields(registers, bytes, capability.offset, capability.name, `${capability.name} `, fields, bytes.length);
}

function addFields(
  registers: ConfigRegister[],
  bytes: Uint8Array,
  base: number,
  group: string,
  prefix: string,
  fields: readonly Field[],
  limit: number = bytes.length,
): void {
  for (const [relative, width, field] of fields) {
    const offset = base + relative;
    if (offset + width > limit) continue;
    const value = readRegister(bytes, offset, width);
    if (value === undefined) continue;
    registers.push({ offset, width, name: `${prefix}${field}`, value, group });
  }
}

function requireHeader(bytes: Uint8Array, caller: string): void {
  if (!(bytes instanceof Uint8Array)) {
    throw new BadInputError(`${caller}: config space must be a Uint8Array, got ${typeof bytes}`);
  }
  if (bytes.length < MIN_CONFIG_BYTES) {
    throw new BadInputError(
      `${caller}: config space dump has ${bytes.length} bytes; need at least ${MIN_CONFIG_BYTES} (the standard header)`,
    );
  }
}

/** Lower-case hex of `value`, zero-padded to `digits`. */
export function hex(value: number, digits = 0): string {
  return value.toString(16).padStart(digits, '0');
}

// ---------------------------------------------------------------------------
// Addresses

/** A parsed PCI address. */
export interface PciAddress {
  domain: number;
  bus: number;
  device: number;
  function: number;
}

const BDF_PATTERN = /^(?:([0-9a-fA-F]{1,8}):)?([0-9a-fA-F]{1,2}):([0-9a-fA-F]{1,2})\.([0-7])$/;

/** Parse "0000:00:04.0" or "00:04.0" (domain 0 assumed, as QEMU prints it). */
export function parseBdf(text: string): PciAddress {
  const match = BDF_PATTERN.exec(text.trim());
  if (!match) throw new BadInputError(`PCI address: expected "dddd:bb:dd.f" or "bb:dd.f", got ${JSON.stringify(text)}`);
  const [, domain, bus, device, fn] = match;
  const parsed = {
    domain: parseInt(domain ?? '0', 16),
    bus: parseInt(bus ?? '', 16),
    device: parseInt(device ?? '', 16),
    function: parseInt(fn ?? '', 16),
  };
  if (parsed.device > 0x1f) throw new BadInputError(`PCI address: device number above 0x1f in ${JSON.stringify(text)}`);
  return parsed;
}

/** The canonical "dddd:bb:dd.f" form of an address given as text or parts. */
export function bdfOf(address: string | PciAddress): string {
  const a = typeof address === 'string' ? parseBdf(address) : address;
  return `${hex(a.domain, 4)}:${hex(a.bus, 2)}:${hex(a.device, 2)}.${a.function}`;
}

// ---------------------------------------------------------------------------
// Bits

const COMMAND_BITS: readonly (readonly [number, string])[] = [
  [0, 'IO'],
  [1, 'Memory'],
  [2, 'BusMaster'],
  [3, 'SpecialCycles'],
  [4, 'MemWriteInvalidate'],
  [5, 'VGAPaletteSnoop'],
  [6, 'ParityErrorResponse'],
  [7, 'Stepping'],
  [8, 'SERR'],
  [9, 'FastBackToBack'],
  [10, 'INTxDisable'],
];

const STATUS_BITS: readonly (readonly [number, string])[] = [
  [0, 'ImmediateReadiness'],
  [3, 'InterruptStatus'],
  [4, 'CapabilitiesList'],
  [5, '66MHz'],
  [7, 'FastBackToBack'],
  [8, 'MasterDataParityError'],
  [11, 'SignaledTargetAbort'],
  [12, 'ReceivedTargetAbort'],
  [13, 'ReceivedMasterAbort'],
  [14, 'SignaledSystemError'],
  [15, 'DetectedParityError'],
];

const BRIDGE_CONTROL_BITS: readonly (readonly [number, string])[] = [
  [0, 'ParityErrorResponse'],
  [1, 'SERR'],
  [2, 'ISA'],
  [3, 'VGA'],
  [4, 'VGA16'],
  [5, 'MasterAbortMode'],
  [6, 'SecondaryBusReset'],
  [7, 'FastBackToBack'],
];

const MSI_CONTROL_BITS: readonly (readonly [number, string])[] = [
  [0, 'Enable'],
  [7, '64Bit'],
  [8, 'PerVectorMasking'],
  [9, 'ExtendedDataCapable'],
  [10, 'ExtendedDataEnable'],
];

const MSIX_CONTROL_BITS: readonly (readonly [number, string])[] = [
  [14, 'FunctionMask'],
  [15, 'Enable'],
];

const PCIE_DEVICE_CONTROL_BITS: readonly (readonly [number, string])[] = [
  [0, 'CorrectableErrorReporting'],
  [1, 'NonFatalErrorReporting'],
  [2, 'FatalErrorReporting'],
  [3, 'UnsupportedRequestReporting'],
  [4, 'RelaxedOrdering'],
  [8, 'ExtendedTag'],
  [9, 'PhantomFunctions'],
  [10, 'AuxPower'],
  [11, 'NoSnoop'],
  [15, 'BridgeRetry/FLR'],
];

const BITS_BY_REGISTER: Readonly<Record<string, readonly (readonly [number, string])[]>> = {
  Command: COMMAND_BITS,
  Status: STATUS_BITS,
  'Secondary Status': STATUS_BITS,
  'Bridge Control': BRIDGE_CONTROL_BITS,
  'MSI Message Control': MSI_CONTROL_BITS,
  'MSI-X Message Control': MSIX_CONTROL_BITS,
  'PCIe Device Control': PCIE_DEVICE_CONTROL_BITS,
};

function setBits(table: readonly (readonly [number, string])[], value: number): string[] {
  return table.filter(([bit]) => Math.floor(value / 2 ** bit) % 2 === 1).map(([, name]) => name);
}

/** Names of the bits set in a Command register value (IO, Memory, BusMaster, INTxDisable...). */
export function commandBits(value: number): string[] {
  return setBits(COMMAND_BITS, value);
}

/** Names of the bits set in a Status register value. */
export function statusBits(value: number): string[] {
  return setBits(STATUS_BITS, value);
}

/** Names of the set bits of a register we know bit names for, or undefined for other registers. */
export function registerBits(registerName: string, value: number): string[] | undefined {
  const table = BITS_BY_REGISTER[registerName];
  return table ? setBits(table, value) : undefined;
}

// ---------------------------------------------------------------------------
// BARs and sysfs resources

const IORESOURCE_IO = 0x100;
const IORESOURCE_MEM = 0x200;
const IORESOURCE_PREFETCH = 0x2000;
const IORESOURCE_MEM_64 = 0x100000;

/** Decode the BARs of a type-0 (six) or type-1 (two) header; sizes come from `resources` when given. */
export function barInfo(bytes: Uint8Array, resources?: readonly SysfsResource[]): BarInfo[] {
  requireHeader(bytes, 'barInfo');
  const headerType = (bytes[0x0e] ?? 0) & 0x7f;
  const count = headerType === 0 ? 6 : headerType === 1 ? 2 : 0;
  const bars: BarInfo[] = [];
  for (let index = 0; index < count; index++) {
    const offset = 0x10 + index * 4;
    const raw = readRegister(bytes, offset, 4) ?? 0;
    const type = (raw & 1) === 1 ? 'io' : 'memory';
    const is64Bit = type === 'memory' && ((raw >>> 1) & 3) === 2;
    const prefetchable = type === 'memory' && (raw & 8) !== 0;
    let address = (type === 'io' ? raw & 0xfffffffc : raw & 0xfffffff0) >>> 0;
    if (is64Bit) address += (readRegister(bytes, offset + 4, 4) ?? 0) * 2 ** 32;
    const bar: BarInfo = { index, offset, type, is64Bit, prefetchable, address, raw };
    const resource = resources?.find((r) => r.index === index);
    if (resource) bar.size = resource.size;
    bars.push(bar);
    if (is64Bit) index++; // the next dword is this BAR's upper half
  }
  return bars;
}

/** Parse a sysfs `resource` file: one "start end flags" line of hex numbers per resource. */
export function parseSysfsResource(text: string): SysfsResource[] {
  const lines = text.replace(/\s+$/, '').split('\n');
  return lines.map((line, index) => {
    const fields = line.trim().split(/\s+/);
    if (fields.length !== 3 || !fields.every((f) => /^0x[0-9a-fA-F]+$/.test(f))) {
      throw new BadInputError(
        `sysfs resource line ${index + 1}: expected "0xSTART 0xEND 0xFLAGS", got ${JSON.stringify(line)}`,
      );
    }
    const [start, end, flags] = fields.map((f) => Number(BigInt(f))) as [number, number, number];
    const kind = flags & IORESOURCE_IO ? 'io' : flags & IORESOURCE_MEM ? 'memory' : 'none';
    const name = index < 6 ? `BAR${index}` : index === 6 ? 'ROM' : `resource${index}`;
    const size = start === 0 && end === 0 ? 0 : end - start + 1;
    return {
      index,
      name,
      start,
      end,
      flags,
      kind,
      prefetchable: (flags & IORESOURCE_PREFETCH) !== 0,
      is64Bit: (flags & IORESOURCE_MEM_64) !== 0,
      size,
    };
  });
}
