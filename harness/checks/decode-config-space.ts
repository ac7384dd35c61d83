// Decode a PCI configuration space dump into named registers: header, capabilities, extended capabilities.

import { GuestError } from '../errors.ts';
import { capabilityFields } from './capability-fields.ts';
import { listCapabilities } from './capability-list.ts';
import { headerFields } from './header-fields.ts';
import { headerType, readRegister, type ConfigRegister, type Field } from './register.ts';

const MIN_CONFIG_BYTES = 64;
const EXTENDED_CONFIG_START = 0x100;

/** Decode every named register of a config space dump (64, 256 or 4096 bytes), sorted by offset. */
export function decodeConfigSpace(bytes: Uint8Array): ConfigRegister[] {
  if (bytes.length < MIN_CONFIG_BYTES) {
    throw new GuestError(
      `decodeConfigSpace: config space dump has ${bytes.length} bytes; need at least ${MIN_CONFIG_BYTES} (the standard header)`,
    );
  }
  const registers = registersAt(bytes, 0, 'header', '', headerFields(headerType(bytes)), bytes.length);
  for (const capability of listCapabilities(bytes)) {
    const { prefix, fields } = capabilityFields(bytes, capability);
    // A legacy capability's registers stop at 0x100, where the extended space begins.
    const limit = capability.extended ? bytes.length : EXTENDED_CONFIG_START;
    registers.push(...registersAt(bytes, capability.offset, capability.name, prefix, fields, limit));
  }
  return registers.sort((a, b) => a.offset - b.offset);
}

function registersAt(
  bytes: Uint8Array,
  base: number,
  group: string,
  prefix: string,
  fields: readonly Field[],
  limit: number,
): ConfigRegister[] {
  const registers: ConfigRegister[] = [];
  for (const [relative, width, field] of fields) {
    const offset = base + relative;
    const value = offset + width > limit ? undefined : readRegister(bytes, offset, width);
    if (value !== undefined) registers.push({ offset, width, name: `${prefix}${field}`, value, group });
  }
  return registers;
}
