// Write config space snapshots as an `lspci -xxxx` text dump, the format `lspci -F <file>` reads back.

import { GuestError } from '../errors.ts';
import { hex } from './hex.ts';
import { readRegister } from './register.ts';

/** One device of a dump: canonical "dddd:bb:dd.f" address and its config space bytes. */
export interface DumpedDevice {
  bdf: string;
  bytes: Uint8Array;
}

const MAX_CONFIG_BYTES = 4096;
const BYTES_PER_LINE = 16;

/** Format devices as an `lspci -D -xxxx` style dump (domain shown; 16 bytes a line; blank line after each). */
export function formatLspciDump(devices: readonly DumpedDevice[]): string {
  return devices.map((device) => formatDevice(device)).join('');
}

function formatDevice({ bdf, bytes }: DumpedDevice): string {
  // lspci -F refuses a dump with an empty or oversized device; say which device instead.
  if (bytes.length === 0 || bytes.length > MAX_CONFIG_BYTES) {
    throw new GuestError(`formatLspciDump: ${bdf} has ${bytes.length} config bytes; expected 1 to ${MAX_CONFIG_BYTES}`);
  }
  const lines = [`${bdf} ${describe(bytes)}`];
  for (let offset = 0; offset < bytes.length; offset += BYTES_PER_LINE) {
    const row = Array.from(bytes.subarray(offset, offset + BYTES_PER_LINE), (byte) => hex(byte, 2));
    lines.push(`${hex(offset, 2)}: ${row.join(' ')}`);
  }
  return `${lines.join('\n')}\n\n`;
}

/** The title lspci would print, numerically: "Class 00ff: Device 1234:11e8 (rev 10)". */
function describe(bytes: Uint8Array): string {
  const vendor = readRegister(bytes, 0x00, 2);
  const device = readRegister(bytes, 0x02, 2);
  const revision = bytes[0x08];
  const classCode = readRegister(bytes, 0x0a, 2);
  if (vendor === undefined || device === undefined || revision === undefined || classCode === undefined) {
    return 'Device (short dump)';
  }
  const rev = revision === 0 ? '' : ` (rev ${hex(revision, 2)})`;
  return `Class ${hex(classCode, 4)}: Device ${hex(vendor, 4)}:${hex(device, 4)}${rev}`;
}
