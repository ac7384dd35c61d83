// Parse the config writes in QEMU's PCI trace (log backend, `-trace enable=pci_cfg_write -D <file>`) with their byte offset in the file.

import { BadInputError } from '../errors.ts';

/** The guest wrote `value` to config offset `offset` (QEMU does not log the access width). */
export interface PciConfigWrite {
  event: 'pci_cfg_write';
  /** Byte offset of the start of the line in the trace file. */
  fileOffset: number;
  /** QEMU's device model name: "edu", "virtio-net-pci", "mch", "ICH9-LPC"... */
  qemuDevice: string;
  /** "0000:00:04.0" (QEMU prints "00:04.0": domain 0 assumed). */
  bdf: string;
  offset: number;
  value: number;
}

/** What parsePciTrace returns: only config writes are read; BAR mapping lines stay in the file for a person. */
export type PciTraceEvent = PciConfigWrite;

// QEMU >= 7.0 hw/pci/trace-events: pci_cfg_write "%s %02x:%02x.%x @0x%x <- 0x%x"
const CONFIG_WRITE = /^pci_cfg_write (.+) ([0-9a-f]{2}:[0-9a-f]{2}\.[0-7]) @0x([0-9a-f]+) <- 0x([0-9a-f]+)$/;
const NEWLINE = 0x0a;

/**
 * Parse every config write in a trace file's contents. `baseOffset` is where `content` starts in the file (for a
 * tail read from a known size). Other lines are skipped; a last line without its newline is still being
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
    const match = CONFIG_WRITE.exec(buffer.toString('utf8', start, end).replace(/\r$/, ''));
    if (match) {
      const [, qemuDevice = '', address = '', offset = '', value = ''] = match;
      events.push({
        event: 'pci_cfg_write',
        fileOffset: baseOffset + start,
        qemuDevice,
        bdf: `0000:${address}`,
        offset: parseInt(offset, 16),
        value: parseInt(value, 16),
      });
    }
    start = end + 1;
  }
  return events;
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
