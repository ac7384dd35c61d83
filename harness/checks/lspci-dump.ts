// Read and write the `lspci -xxxx` text dump, the format `lspci -F <file>` reads back.

import { BadInputError } from '../errors.ts';
import { bdfOf, hex, readRegister } from './config-space.ts';

/** One device of a dump: canonical "dddd:bb:dd.f" address and its config space bytes. */
export interface DumpedDevice {
  bdf: string;
  bytes: Uint8Array;
}

const MAX_CONFIG_BYTES = 4096;
const BYTES_PER_LINE = 16;
// What pciutils' dump reader accepts as a device line: "bb:dd.f ", "dddd:bb:dd.f " or "ddddd:bb:dd.f ".
const DEVICE_LINE = /^((?:[0-9a-fA-F]{4,5}:)?[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7]) /;
const DATA_LINE = /^([0-9a-fA-F]{2,8}): (.*)$/;

/** Format devices as an `lspci -D -xxxx` style dump (domain shown; 16 bytes a line; blank line after each). */
export function formatLspciDump(devices: readonly DumpedDevice[]): string {
  return devices.map((device) => formatDevice(device)).join('');
}

function formatDevice({ bdf, bytes }: DumpedDevice): string {
  const address = bdfOf(bdf);
  if (bytes.length === 0 || bytes.length > MAX_CONFIG_BYTES) {
    throw new BadInputError(
      `formatLspciDump: ${address} has ${bytes.length} config bytes; expected 1 to ${MAX_CONFIG_BYTES}`,
    );
  }
  const lines = [`${address} ${describe(bytes)}`];
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

/** Parse an `lspci -x`/`-xxx`/`-xxxx` dump (with or without domains) into devices in file order. */
export function parseLspciDump(text: string): DumpedDevice[] {
  const devices: { bdf: string; data: number[] }[] = [];
  let current: { bdf: string; data: number[] } | undefined;
  text.split('\n').forEach((rawLine, index) => {
    const line = rawLine.replace(/\r$/, '');
    const where = `lspci dump line ${index + 1}`;
    const device = DEVICE_LINE.exec(line);
    if (device) {
      current = { bdf: bdfOf(device[1] ?? ''), data: [] };
      devices.push(current);
      return;
    }
    if (line === '') {
      current = undefined;
      return;
    }
    const data = DATA_LINE.exec(line);
    if (!current || !data) return; // lspci -vvv text between devices: not ours to read
    const { data: config } = current;
    const offset = parseInt(data[1] ?? '', 16);
    const bytes = (data[2] ?? '').trim().split(' ');
    if (!bytes.every((b) => /^[0-9a-fA-F]{2}$/.test(b))) {
      throw new BadInputError(`${where}: expected hex bytes after "${data[1]}: ", got ${JSON.stringify(data[2])}`);
    }
    if (offset + bytes.length > MAX_CONFIG_BYTES) {
      throw new BadInputError(`${where}: offset 0x${hex(offset)} runs past ${MAX_CONFIG_BYTES} bytes of config space`);
    }
    bytes.forEach((b, i) => (config[offset + i] = parseInt(b, 16)));
  });
  return devices.map(({ bdf, data }) => {
    const missing = Array.from(data.keys()).find((i) => data[i] === undefined);
    if (missing !== undefined)
      throw new BadInputError(`lspci dump: ${bdf} has a gap at config offset 0x${hex(missing)}`);
    return { bdf, bytes: Uint8Array.from(data) };
  });
}

/** Parse a plain hex dump of bytes ("34 12 e8 11 ..." or "3412e811..."; whitespace and newlines ignored). */
export function parseHexConfig(text: string): Uint8Array {
  const digits = text.replace(/\s+/g, '');
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(digits)) {
    const bad = /[^0-9a-fA-F]/.exec(digits);
    const why = bad ? `non-hex character ${JSON.stringify(bad[0])}` : 'an odd number of hex digits';
    throw new BadInputError(`parseHexConfig: expected hex byte pairs, found ${why}`);
  }
  if (digits.length / 2 > MAX_CONFIG_BYTES) {
    throw new BadInputError(
      `parseHexConfig: ${digits.length / 2} bytes is more than ${MAX_CONFIG_BYTES} of config space`,
    );
  }
  return Uint8Array.from(digits.match(/../g) ?? [], (pair) => parseInt(pair, 16));
}
