// The guest's serial console, written by QEMU to a file: wait for lines, read tails, split by boot.
import { closeSync, openSync, readSync, watch, type FSWatcher } from 'node:fs';

interface Waiter {
  readonly pattern: RegExp;
  /** Where the next search starts: the first line not yet searched in full. */
  from: number;
  readonly resolve: (match: RegExpExecArray) => void;
}

/** Follows one serial log file; everything is kept in memory (a boot prints well under a megabyte). */
export class SerialConsole {
  private text = '';
  /** Where the last line begun starts, and that line so far: what a waiter searches when more arrives. */
  private lineStart = 0;
  private line = '';
  private fd: number | undefined;
  private watcher: FSWatcher | undefined;
  private poll: NodeJS.Timeout | undefined;
  private readonly waiters = new Set<Waiter>();
  private readonly chunk = Buffer.allocUnsafe(65536);

  constructor(readonly file: string) {}

  /**
   * Start following the file (QEMU creates it on start). Reads are synchronous: QEMU writes the console a character at
   * a time, each write a watcher event, and a read from the page cache takes microseconds where an asynchronous read
   * per event costs a promise and a thread-pool round trip.
   */
  start(): void {
    this.fd = openSync(this.file, 'a+');
    this.watcher = watch(this.file, () => this.readMore());
    // inotify can coalesce or miss events on some filesystems; a slow poll is the safety net.
    this.poll = setInterval(() => this.readMore(), 500);
    this.readMore();
  }

  /** Stop following and read what is left. */
  stop(): void {
    this.watcher?.close();
    clearInterval(this.poll);
    this.readMore();
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
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

  /** Resolve at the first match of a pattern, which must lie within one line, in the text at or after an offset. */
  waitFor(pattern: RegExp, from = 0, signal?: AbortSignal): Promise<RegExpExecArray> {
    const found = this.search(pattern, from);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { pattern, from: Math.max(from, this.lineStart), resolve };
      this.waiters.add(waiter);
      signal?.addEventListener('abort', () => {
        this.waiters.delete(waiter);
        reject(signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason)));
      }, { once: true });
    });
  }

  /** Find a pattern at or after an offset; the match index is absolute. */
  search(pattern: RegExp, from = 0): RegExpExecArray | undefined {
    return searchIn(this.text, 0, pattern, from);
  }

  private readMore(): void {
    if (this.fd === undefined) return;
    let added = '';
    let bytes: number;
    do {
      bytes = readSync(this.fd, this.chunk, 0, this.chunk.length, this.text.length + added.length);
      added += this.chunk.toString('latin1', 0, bytes);
    } while (bytes === this.chunk.length);
    if (!added) return;
    this.text += added;
    // Waiters search only the last line begun and what follows: QEMU writes a character at a time, and searching the
    // whole text at every read would copy it whole each time.
    const base = this.lineStart;
    const region = this.line + added;
    const newline = region.lastIndexOf('\n');
    this.lineStart = newline < 0 ? base : base + newline + 1;
    this.line = newline < 0 ? region : region.slice(newline + 1);
    for (const waiter of this.waiters) {
      const match = searchIn(region, base, waiter.pattern, waiter.from);
      if (match) {
        this.waiters.delete(waiter);
        waiter.resolve(match);
      } else {
        waiter.from = Math.max(waiter.from, this.lineStart);
      }
    }
  }
}

/** The first match of `pattern` at or after absolute offset `from` in `text`, which starts at absolute offset `base`. */
function searchIn(text: string, base: number, pattern: RegExp, from: number): RegExpExecArray | undefined {
  const flags = pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`;
  const global = new RegExp(pattern.source, flags);
  global.lastIndex = Math.max(0, from - base);
  const match = global.exec(text);
  if (!match) return undefined;
  match.index += base;
  return match;
}
