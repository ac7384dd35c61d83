// The SSH connections to one guest kernel, one command per connection at a time.
import type { GuestConnection } from './ssh.ts';

/**
 * Dropbear (2022.83, the guest's sshd) aborts a whole connection when two of its channels run commands at once
 * ("Failed assertion (common-channel.c:705): `!channel->sent_close'"), so a command started while another runs gets
 * a connection of its own, opened on demand and kept for the next one. Sequential use stays on one connection.
 */
export class ConnectionPool {
  private readonly idle: GuestConnection[];
  private readonly open: GuestConnection[];

  constructor(
    first: GuestConnection,
    private readonly connect: () => Promise<GuestConnection>,
  ) {
    this.idle = [first];
    this.open = [first];
  }

  /** Run `work` on a connection nobody else is using; one that broke meanwhile is dropped, not reused. */
  async use<T>(work: (connection: GuestConnection) => Promise<T>): Promise<T> {
    const connection = this.idle.pop() ?? (await this.openAnother());
    try {
      return await work(connection);
    } finally {
      if (connection.isOpen && this.open.includes(connection)) this.idle.push(connection);
    }
  }

  /** Connections open now (idle or busy). */
  get size(): number {
    return this.open.length;
  }

  /** Drop every connection without a goodbye (the kernel is going away). */
  destroy(): void {
    for (const connection of this.open.splice(0)) connection.destroy();
    this.idle.length = 0;
  }

  /** Close every connection (idempotent). */
  close(): void {
    for (const connection of this.open.splice(0)) connection.close();
    this.idle.length = 0;
  }

  private async openAnother(): Promise<GuestConnection> {
    const connection = await this.connect();
    this.open.push(connection);
    return connection;
  }
}
