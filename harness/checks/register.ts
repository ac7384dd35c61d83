// What a config space register is, and reading one from a dump.

/** Width of a register in bytes. */
export type RegisterWidth = 1 | 2 | 4;

/** One named register read from a config space dump. */
export interface ConfigRegister {
  offset: number;
  width: RegisterWidth;
  name: string;
  value: number;
  /** "header", a capability name ("MSI", "PCI Express", ...) or an extended one ("AER", "ACS"). */
  group: string;
}

/** A register of a layout: [offset from the start of the header or capability, width, name]. */
export type Field = readonly [number, RegisterWidth, string];

/** Read `width` bytes little-endian at `offset`, or undefined when the dump is too short. */
export function readRegister(bytes: Uint8Array, offset: number, width: RegisterWidth): number | undefined {
  if (offset < 0 || offset + width > bytes.length) return undefined;
  let value = 0;
  for (let i = width - 1; i >= 0; i--) value = value * 256 + (bytes[offset + i] ?? 0);
  return value;
}

/** Header Type without the multi-function bit: 0 for endpoints, 1 for bridges. */
export function headerType(bytes: Uint8Array): number {
  return (bytes[0x0e] ?? 0) & 0x7f;
}
