// Hex text in and out: register values for people, and the `od -tx1` dump the guest prints of a config file.

import { GuestError } from '../errors.ts';

const MAX_CONFIG_BYTES = 4096;

/** Lower-case hex of `value`, zero-padded to `digits`. */
export function hex(value: number, digits = 0): string {
  return value.toString(16).padStart(digits, '0');
}

/** Parse a plain hex dump of bytes ("34 12 e8 11 ..." or "3412e811..."; whitespace and newlines ignored). */
export function parseHexConfig(text: string): Uint8Array {
  const digits = text.replace(/\s+/g, '');
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(digits)) {
    const bad = /[^0-9a-fA-F]/.exec(digits);
    const why = bad ? `non-hex character ${JSON.stringify(bad[0])}` : 'an odd number of hex digits';
    throw new GuestError(`parseHexConfig: expected hex byte pairs, found ${why}`);
  }
  if (digits.length / 2 > MAX_CONFIG_BYTES) {
    throw new GuestError(
      `parseHexConfig: ${digits.length / 2} bytes is more than ${MAX_CONFIG_BYTES} of config space`,
    );
  }
  return Uint8Array.from(digits.match(/../g) ?? [], (pair) => parseInt(pair, 16));
}
