// The guest's serial console, written by QEMU to a file: wait for lines, read tails, split by boot.
import { watch, type FSWatcher } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';

interface Waiter {
  readonly pattern: RegExp;
  readonly from: number;
  readonly resolve: (match: RegExpExecArray) => void;
}

/** Follows one serial log file; everything is kept in memory (a boot prints well under a megabyte). */
export class SerialConsole {
  private text = '';
  private handle: FileHandle | undefined;
  private watcher: FSWatcher | undefined;
  private poll: NodeJS.Timeout | undefined;
  private readonly waiters = new Set<Waiter>();
  /** The read under way, if any; a call meanwhile sets pendingRead and waits for it instead. */
  private reading: Promise<void> | undefined;
  private pendingRead = false;

  constructor(readonly file: string) {}

  /** Start following the file (QEMU creates it on start). */
  async start(): Promise<void> {
    this.handle = await open(this.file, 'a+');
    this.watcher = watch(this.file, () => void this.readMore());
    // inotify can coalesce or miss events on some filesystems; a slow poll is the safety net.
    this.poll = setInterval(() => void this.readMore(), 500);
    await this.readMore();
  }

  /**
   * Stop following and read what is left. Nothing can start a read once the watcher and poll are gone, and a read under
   * way is waited for: closing the file under it failed the read, and the scenario process with it.
   */
  async stop(): Promise<void> {
    this.watcher?.close();
    clearInterval(this.poll);
    await this.readMore();
    await this.handle?.close();
    this.handle = undefined;
  }

  /** Everything read so far. */
  get content(): string {
    return this.text;
  }

  /** Current length: an offset to wait from. */
  get offset(): number {
    return this.text.length;
  }

  /** The last lines, for error messages. */
  tail(lines = 25): string {
    return this.text.trimEnd().split('\n').slice(-lines).join('\n');
  }

  /** Resolve at the first match of a pattern in the text at or after an offset. */
  waitFor(pattern: RegExp, from = 0, signal?: AbortSignal): Promise<RegExpExecArray> {
    const found = this.search(pattern, from);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { pattern, from, resolve };
      this.waiters.add(waiter);
      signal?.addEventListener('abort', () => {
        this.waiters.delete(waiter);
        reject(signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason)));
      }, { once: true });
    });
  }

  /** Find a pattern at or after an offset; the match index is absolute. */
  search(pattern: RegExp, from = 0): RegExpExecArray | undefined {
    const flags = pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`;
    const global = new RegExp(pattern.source, flags);
    global.lastIndex = from;
    return global.exec(this.text) ?? undefined;
  }

  private readMore(): Promise<void> {
    if (this.reading) {
      this.pendingRead = true;
      return this.reading;
    }
    if (!this.handle) return Promise.resolve();
    this.reading = this.readToEnd(this.handle).finally(() => {
      this.reading = undefined;
    });
    return this.reading;
  }

  private async readToEnd(handle: FileHandle): Promise<void> {
    do {
      this.pendingRead = false;
      const chunk = Buffer.alloc(65536);
      let bytes: number;
      do {
        ({ bytesRead: bytes } = await handle.read(chunk, 0, chunk.length, Buffer.byteLength(this.text, 'latin1')));
        if (bytes > 0) this.text += chunk.toString('latin1', 0, bytes);
      } while (bytes === chunk.length);
    } while (this.pendingRead);
    for (const waiter of this.waiters) {
      const match = this.search(waiter.pattern, waiter.from);
      if (match) {
        this.waiters.delete(waiter);
        waiter.resolve(match);
      }
    }
  }
}
