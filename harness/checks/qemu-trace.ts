// Parse QEMU's PCI trace events (log backend, `-trace enable=pci_* -D <file>`) with their byte offset in the file.

import { BadInputError } from '../errors.ts';
import { bdfOf } from './config-space.ts';

/** Fields every parsed event carries. */
interface TraceEventBase {
  /** Byte offset of the start of the line in the trace file. */
  fileOffset: number;
  /** QEMU's device model name: "edu", "virtio-net-pci", "mch", "ICH9-LPC"... (absent in the old "d=0x..." form). */
  qemuDevice?: string;
  /** "0000:00:04.0" (QEMU prints "00:04.0": domain 0 assumed). */
  bdf: string;
  /** Present when QEMU ran with `-msg timestamp=on`: "PID@SECONDS.MICROS:" prefix. */
  pid?: number;
  time?: number;
}

/** The guest wrote `value` to config offset `offset` (QEMU does not log the access width). */
export interface PciConfigWrite extends TraceEventBase {
  event: 'pci_cfg_write';
  offset: number;
  value: number;
}

/** The guest read `value` from config offset `offset`. */
export interface PciConfigRead extends TraceEventBase {
  event: 'pci_cfg_read';
  offset: number;
  value: number;
}

/** QEMU mapped or unmapped a BAR (index 6 is the expansion ROM) at `address`, `size` bytes. */
export interface PciMappingUpdate extends TraceEventBase {
  event: 'pci_update_mappings_add' | 'pci_update_mappings_del';
  bar: number;
  address: number;
  size: number;
}

/** Any PCI trace event we understand. */
export type PciTraceEvent = PciConfigWrite | PciConfigRead | PciMappingUpdate;

// QEMU 7.x hw/pci/trace-events:
//   pci_cfg_write  "%s %02x:%02x.%x @0x%x <- 0x%x"
//   pci_cfg_read   "%s %02x:%02x.%x @0x%x -> 0x%x"
//   pci_update_mappings_{add,del} "%s %02x:%02x.%x %d,0x%"PRIx64"+0x%"PRIx64  (QEMU < 7.0: "d=%p ...")
const PREFIX = /^(?:(\d+)@(\d+\.\d+):)?/.source;
const ADDRESS = /([0-9a-f]{2}:[0-9a-f]{2}\.[0-7])/.source;
const CONFIG_ACCESS = new RegExp(
  `${PREFIX}(pci_cfg_write|pci_cfg_read) (.+) ${ADDRESS} @0x([0-9a-f]+) (<-|->) 0x([0-9a-f]+)$`,
);
const MAPPING = new RegExp(
  `${PREFIX}(pci_update_mappings_add|pci_update_mappings_del) (.+) ${ADDRESS} (\\d+),0x([0-9a-f]+)\\+0x([0-9a-f]+)$`,
);
const NEWLINE = 0x0a;

/**
 * Parse every PCI event in a trace file's contents. `baseOffset` is where `content` starts in the file (for a
 * tail read from a known size). Unrelated lines are skipped; a last line without its newline is still being
 * written and is skipped too.
 */
export function parsePciTrace(content: string | Uint8Array, baseOffset = 0): PciTraceEvent[] {
  const buffer =
    typeof content === 'string'
      ? Buffer.from(content, 'utf8')
      : Buffer.from(content.buffer, content.byteOffset, content.byteLength);
  const events: PciTraceEvent[] = [];
  let start = 0;
  while (start < buffer.length) {
    const end = buffer.indexOf(NEWLINE, start);
    if (end === -1) break; // partial last line
    const line = buffer.toString('utf8', start, end).replace(/\r$/, '');
    const event = parsePciTraceLine(line, baseOffset + start);
    if (event) events.push(event);
    start = end + 1;
  }
  return events;
}

/** Parse one trace line (without its newline); undefined when it is not a PCI event we know. */
export function parsePciTraceLine(line: string, fileOffset = 0): PciTraceEvent | undefined {
  const access = CONFIG_ACCESS.exec(line);
  if (access) {
    const [, pid, time, event, device, address, offset, , value] = access;
    return {
      event: event as 'pci_cfg_write' | 'pci_cfg_read',
      fileOffset,
      ...deviceName(device ?? ''),
      bdf: bdfOf(address ?? ''),
      ...stamp(pid, time),
      offset: parseInt(offset ?? '', 16),
      value: parseInt(value ?? '', 16),
    };
  }
  const mapping = MAPPING.exec(line);
  if (mapping) {
    const [, pid, time, event, device, address, bar, base, size] = mapping;
    return {
      event: event as PciMappingUpdate['event'],
      fileOffset,
      ...deviceName(device ?? ''),
      bdf: bdfOf(address ?? ''),
      ...stamp(pid, time),
      bar: parseInt(bar ?? '', 10),
      address: Number(BigInt(`0x${base}`)),
      size: Number(BigInt(`0x${size}`)),
    };
  }
  return undefined;
}

/** QEMU < 7.0 printed the device's pointer ("d=0x55...") instead of its name. */
function deviceName(text: string): { qemuDevice?: string } {
  return text.startsWith('d=') ? {} : { qemuDevice: text };
}

function stamp(pid: string | undefined, time: string | undefined): { pid?: number; time?: number } {
  return pid === undefined || time === undefined ? {} : { pid: parseInt(pid, 10), time: parseFloat(time) };
}

/**
 * Events whose line starts in [startOffset, endOffset) of the trace file, e.g. between the file sizes recorded
 * at `kexec -e` and at FINISH. `content` is the whole file, or its tail starting at `baseOffset`.
 */
export function traceWindow(
  content: string | Uint8Array,
  startOffset: number,
  endOffset: number,
  baseOffset = 0,
): PciTraceEvent[] {
  if (!Number.isInteger(startOffset) || !Number.isInteger(endOffset) || startOffset < 0 || endOffset < startOffset) {
    throw new BadInputError(
      `traceWindow: need 0 <= startOffset <= endOffset, got start=${startOffset} end=${endOffset}`,
    );
  }
  return parsePciTrace(content, baseOffset).filter((e) => e.fileOffset >= startOffset && e.fileOffset < endOffset);
}

/** Only the config writes of a list of events. */
export function configWrites(events: readonly PciTraceEvent[]): PciConfigWrite[] {
  return events.filter((e): e is PciConfigWrite => e.event === 'pci_cfg_write');
}
