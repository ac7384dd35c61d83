// The release string a bzImage carries in its setup header (what `file bzImage` shows).
import { open } from 'node:fs/promises';

/** Read the kernel version string from an x86 bzImage, or undefined when it is not one. */
export async function bzImageRelease(file: string): Promise<string | undefined> {
  const handle = await open(file, 'r');
  try {
    const header = Buffer.alloc(0x210);
    await handle.read(header, 0, header.length, 0);
    // "HdrS" at 0x202 marks the boot protocol header; 0x20e points at the version string (minus 0x200).
    if (header.toString('latin1', 0x202, 0x206) !== 'HdrS') return undefined;
    const pointer = header.readUInt16LE(0x20e) + 0x200;
    const text = Buffer.alloc(256);
    await handle.read(text, 0, text.length, pointer);
    const version = text.toString('latin1').split('\0')[0] ?? '';
    return version.split(' ')[0] || undefined;
  } finally {
    await handle.close();
  }
}
