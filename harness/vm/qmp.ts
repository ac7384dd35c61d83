// A small QMP client: commands with ids, events as an EventEmitter.
import { EventEmitter } from 'node:events';
import { connect, type Socket } from 'node:net';

export interface QmpEvent {
  readonly event: string;
  readonly data?: unknown;
  readonly timestamp?: { seconds: number; microseconds: number };
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

/** Client of one QEMU's QMP socket. Emits 'event' with each QmpEvent and 'close'. */
export class QmpClient extends EventEmitter {
  private buffer = '';
  private nextId = 1;
  private readonly pending = new Map<string, Pending>();
  private greeted: Promise<void>;

  private constructor(private readonly socket: Socket) {
    super();
    let greet: () => void = () => undefined;
    this.greeted = new Promise((resolve) => (greet = resolve));
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.receive(chunk, greet));
    socket.on('close', () => {
      for (const waiter of this.pending.values()) waiter.reject(new Error('QMP connection closed'));
      this.pending.clear();
      this.emit('close');
    });
    socket.on('error', () => undefined);
  }

  /** Connect to a QMP Unix socket and negotiate capabilities. */
  static async connect(socketPath: string): Promise<QmpClient> {
    const socket = await new Promise<Socket>((resolve, reject) => {
      const candidate = connect(socketPath);
      candidate.once('connect', () => resolve(candidate));
      candidate.once('error', reject);
    });
    const client = new QmpClient(socket);
    await client.greeted;
    await client.execute('qmp_capabilities');
    return client;
  }

  /** Run one QMP command and return its "return" value. */
  async execute(command: string, args?: Record<string, unknown>): Promise<unknown> {
    const id = String(this.nextId++);
    const reply = new Promise<unknown>((resolve, reject) => this.pending.set(id, { resolve, reject }));
    this.socket.write(`${JSON.stringify({ execute: command, arguments: args, id })}\n`);
    return reply;
  }

  /** Close the socket. */
  close(): void {
    this.socket.destroy();
  }

  private receive(chunk: string, greet: () => void): void {
    this.buffer += chunk;
    let newline: number;
    while ((newline = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, newline).trim();
      this.buffer = this.buffer.slice(newline + 1);
      if (line) this.dispatch(JSON.parse(line) as Record<string, unknown>, greet);
    }
  }

  private dispatch(message: Record<string, unknown>, greet: () => void): void {
    if ('QMP' in message) return greet();
    if (typeof message.event === 'string') {
      this.emit('event', message);
      return;
    }
    const id = typeof message.id === 'string' ? message.id : undefined;
    const waiter = id ? this.pending.get(id) : undefined;
    if (!id || !waiter) return;
    this.pending.delete(id);
    if ('error' in message) {
      const error = message.error as { class?: string; desc?: string };
      waiter.reject(new Error(`QMP ${error.class ?? 'error'}: ${error.desc ?? 'unknown'}`));
    } else {
      waiter.resolve(message.return);
    }
  }
}
