// QEMU's trace log of one machine: a file that only grows, so a byte offset marks a moment.
import { open } from 'node:fs/promises';
import { fileSize } from '../util/file-size.ts';

/** A moment in the trace: everything QEMU traced before it lies before this byte offset. */
export interface TraceMark {
  readonly offset: number;
}

/** The trace text between two marks and the file offset it starts at (event offsets stay file offsets). */
export interface TraceSlice {
  readonly content: Buffer;
  readonly offset: number;
}

export class TraceLog {
  constructor(readonly file: string) {}

  /** Mark the moment now. */
  async mark(): Promise<TraceMark> {
    return { offset: await fileSize(this.file) };
  }

  /** What QEMU traced from `from` until `to` (default: now). */
  async since(from: TraceMark, to?: TraceMark): Promise<TraceSlice> {
    const end = to?.offset ?? (await fileSize(this.file));
    const length = Math.max(0, end - from.offset);
    if (length === 0) return { content: Buffer.alloc(0), offset: from.offset };
    const handle = await open(this.file, 'r');
    try {
      const content = Buffer.alloc(length);
      const { bytesRead } = await handle.read(content, 0, length, from.offset);
      return { content: content.subarray(0, bytesRead), offset: from.offset };
    } finally {
      await handle.close();
    }
  }
}
