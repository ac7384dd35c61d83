// Sizes from a sysfs `resource` file: one "0xSTART 0xEND 0xFLAGS" line per BAR, then ROM and bridge windows.

import { GuestError } from '../errors.ts';

/** Size in bytes of each resource, in file order (0 for an unused one). */
export function resourceSizes(text: string): number[] {
  const lines = text.replace(/\s+$/, '').split('\n');
  return lines.map((line, index) => {
    const fields = line.trim().split(/\s+/);
    if (fields.length !== 3 || !fields.every((f) => /^0x[0-9a-fA-F]+$/.test(f))) {
      throw new GuestError(
        `sysfs resource line ${index + 1}: expected "0xSTART 0xEND 0xFLAGS", got ${JSON.stringify(line)}`,
      );
    }
    // BigInt: 64-bit addresses; the result fits a number (below 2^53).
    const [start, end] = fields.map((f) => Number(BigInt(f))) as [number, number];
    return start === 0 && end === 0 ? 0 : end - start + 1;
  });
}
