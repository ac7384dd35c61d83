// One SSH connection to the guest (ssh2), with the guest's host key pinned.
import { readFile } from 'node:fs/promises';
import type ssh2 from 'ssh2';
import { GuestError } from '../errors.ts';

export interface SshTarget {
  readonly port: number;
  readonly clientKeyFile: string;
  /** Raw public host key blob the guest must present. */
  readonly hostKeyBlob: Buffer;
}

export interface CommandResult {
  readonly command: string;
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** An open SSH session to the guest. */
export class GuestConnection {
  private closed = false;

  private constructor(private readonly client: ssh2.Client) {
    client.on('close', () => (this.closed = true));
    client.on('error', () => (this.closed = true));
  }

  /**
   * Connect once; rejects on refusal, wrong host key, auth failure or abort. A failed attempt's client is destroyed
   * and keeps an error listener: ssh2 can emit a second error (a reset, then "Connection lost before handshake")
   * after the first, and an unheard one would kill the process.
   */
  static async connect(target: SshTarget, readyTimeoutMs = 20_000, signal?: AbortSignal): Promise<GuestConnection> {
    // Loaded at the first connection, while the guest boots, not before QEMU starts. The default export: ssh2 is
    // CommonJS, and the harness's bundled copy of it (harness/bundle) exports nothing by name.
    const [{ default: ssh }, privateKey] = await Promise.all([import('ssh2'), readFile(target.clientKeyFile)]);
    signal?.throwIfAborted();
    const client = new ssh.Client();
    client.on('error', () => undefined);
    let hostKeyMismatch = false;
    const abandon = () => client.destroy();
    signal?.addEventListener('abort', abandon, { once: true });
    try {
      await new Promise<void>((resolve, reject) => {
        client.once('ready', () => resolve());
        client.once('error', (error) =>
          reject(hostKeyMismatch ? new GuestError('guest presented an unexpected SSH host key (image mismatch?)') : error),
        );
        client.once('close', () => reject(signal?.aborted ? (signal.reason as Error) : new Error('SSH connection closed before it was ready')));
        client.connect({
          host: '127.0.0.1',
          port: target.port,
          username: 'root',
          privateKey,
          readyTimeout: readyTimeoutMs,
          algorithms: { serverHostKey: ['ssh-ed25519'] },
          hostVerifier: (key: Buffer) => {
            hostKeyMismatch = !key.equals(target.hostKeyBlob);
            return !hostKeyMismatch;
          },
        });
        // ssh2 leaves Nagle on: each request that follows an unacknowledged one (channel open, then exec) would wait
        // for the guest's delayed ACK.
        client.setNoDelay(true);
      });
    } catch (error) {
      client.destroy();
      throw error;
    } finally {
      signal?.removeEventListener('abort', abandon);
    }
    return new GuestConnection(client);
  }

  /** False once the connection closed or failed. */
  get isOpen(): boolean {
    return !this.closed;
  }

  /** Run a command; resolves with exit code and output whatever the exit code. */
  async run(command: string): Promise<CommandResult> {
    return new Promise((resolve, reject) => {
      this.client.exec(command, (error, channel) => {
        if (error) return reject(error);
        const stdout: Buffer[] = [];
        const stderr: Buffer[] = [];
        let exitCode: number | null = null;
        let signal: string | null = null;
        channel.on('data', (chunk: Buffer) => stdout.push(chunk));
        channel.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
        channel.on('exit', (code: number | null, signalName?: string) => {
          exitCode = code;
          signal = signalName ?? null;
        });
        channel.on('close', () =>
          resolve({
            command,
            exitCode,
            signal,
            stdout: Buffer.concat(stdout).toString('utf8'),
            stderr: Buffer.concat(stderr).toString('utf8'),
          }),
        );
        channel.end();
      });
    });
  }

  /** Run a command that must succeed; a non-zero exit becomes a GuestError with its output. */
  async check(command: string): Promise<CommandResult> {
    const result = await this.run(command);
    if (result.exitCode !== 0) {
      throw new GuestError(
        `guest command failed (exit ${result.exitCode ?? result.signal}): ${command}\n${result.stderr.trim() || result.stdout.trim()}`,
      );
    }
    return result;
  }

  /** Start a command without waiting for it (kexec -e never answers). */
  fireAndForget(command: string): void {
    this.client.exec(command, (error, channel) => {
      if (!error) {
        channel.on('data', () => undefined);
        channel.stderr.on('data', () => undefined);
        channel.end();
      }
    });
  }

  /** Close the connection (idempotent). */
  close(): void {
    if (!this.closed) this.client.end();
    this.closed = true;
  }

  /** Drop the connection without a goodbye (the peer is gone). */
  destroy(): void {
    this.client.destroy();
    this.closed = true;
  }
}
