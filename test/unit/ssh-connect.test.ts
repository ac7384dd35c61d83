import { once } from 'node:events';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import ssh2 from 'ssh2';
import t from 'tap';
import { GuestConnection, type SshTarget } from '../../harness/guest/ssh.ts';
import { waitForSsh } from '../../harness/guest/wait-for-ssh.ts';

// A peer like QEMU's user network forwarding to a guest going down: the TCP connection is accepted, then reset
// before any SSH greeting (ssh2 emits the socket's error and then "Connection lost before handshake").
async function resettingPeer(): Promise<SshTarget & { close: () => void }> {
  const server = createServer((socket) => {
    socket.on('error', () => undefined);
    socket.once('data', () => socket.resetAndDestroy());
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const dir = await mkdtemp(path.join(tmpdir(), 'ssh-connect-'));
  const clientKeyFile = path.join(dir, 'id');
  await writeFile(clientKeyFile, ssh2.utils.generateKeyPairSync('ed25519').private);
  const port = (server.address() as { port: number }).port;
  return { port, clientKeyFile, hostKeyBlob: Buffer.alloc(0), close: () => server.close() };
}

t.test('a connection reset mid-handshake is a rejected attempt, not an unheard error event that kills the process', async (t) => {
  const peer = await resettingPeer();
  t.teardown(peer.close);
  const uncaught: unknown[] = [];
  const onUncaught = (error: unknown) => uncaught.push(error);
  process.on('uncaughtException', onUncaught);
  t.teardown(() => process.off('uncaughtException', onUncaught));
  for (let attempt = 0; attempt < 5; attempt++) {
    await t.rejects(GuestConnection.connect(peer, 5_000), /ECONNRESET|Connection lost before handshake|closed before it was ready/);
  }
  // Any late second error event from a failed client surfaces within a turn or two of the event loop.
  await new Promise((resolve) => setTimeout(resolve, 200));
  t.same(uncaught.map(String), [], 'no error escaped');
});

t.test('aborting the wait for SSH ends the attempt in flight with the abort reason', async (t) => {
  const peer = await resettingPeer();
  t.teardown(peer.close);
  const controller = new AbortController();
  const pending = waitForSsh(peer, controller.signal);
  const reason = new Error('machine aborted');
  setTimeout(() => controller.abort(reason), 300);
  await t.rejects(pending, reason);
});
