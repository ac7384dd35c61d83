// Parse the config writes in QEMU's PCI trace (log backend, `-trace enable=pci_cfg_write -D <file>`) with their byte offset in the file.

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

// QEMU >= 7.0 hw/pci/trace-events: pci_cfg_write "%s %02x:%02x.%x @0x%x <- 0x%x"
const CONFIG_WRITE = /^pci_cfg_write (.+) ([0-9a-f]{2}:[0-9a-f]{2}\.[0-7]) @0x([0-9a-f]+) <- 0x([0-9a-f]+)$/;
const NEWLINE = 0x0a;

/**
 * Parse every config write in a trace file's contents (BAR mapping lines stay in the file for a person). `baseOffset` is where `content` starts in the file (for a
 * tail read from a known size). Other lines are skipped; a last line without its newline is still being
 * written and is skipped too.
 */
export function parsePciTrace(content: string | Uint8Array, baseOffset = 0): PciConfigWrite[] {
  const buffer =
    typeof content === 'string'
      ? Buffer.from(content, 'utf8')
      : Buffer.from(content.buffer, content.byteOffset, content.byteLength);
  const events: PciConfigWrite[] = [];
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

/** A span of the trace file in bytes, [start, end): e.g. from `kexec -e` until the new kernel answered. */
export interface TraceWindow {
  readonly start: number;
  readonly end: number;
}

/** The writes whose line starts inside the window, and all the others. */
export function splitByWindow(writes: readonly PciConfigWrite[], window: TraceWindow): { inside: PciConfigWrite[]; outside: PciConfigWrite[] } {
  const inside = (write: PciConfigWrite) => write.fileOffset >= window.start && write.fileOffset < window.end;
  return { inside: writes.filter(inside), outside: writes.filter((write) => !inside(write)) };
}
