// Where the Base Address Registers of a header are, and which are 64-bit (their next dword is the upper half).

import { headerType, readRegister } from './register.ts';

/** One BAR: its index, the offset of its (low) dword, and whether it takes the next dword too. */
export interface Bar {
  index: number;
  offset: number;
  is64Bit: boolean;
}

/** The BARs of a type-0 (six) or type-1 (two) header; a 64-bit BAR's upper half is not listed on its own. */
export function barLayout(bytes: Uint8Array): Bar[] {
  const type = headerType(bytes);
  const count = type === 0 ? 6 : type === 1 ? 2 : 0;
  const bars: Bar[] = [];
  for (let index = 0; index < count; index++) {
    const offset = 0x10 + index * 4;
    const raw = readRegister(bytes, offset, 4) ?? 0;
    // Bit 0 clear: memory BAR; bits 2:1 = 0b10: 64-bit.
    const is64Bit = (raw & 1) === 0 && ((raw >>> 1) & 3) === 2;
    bars.push({ index, offset, is64Bit });
    if (is64Bit) index++;
  }
  return bars;
}
