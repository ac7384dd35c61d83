// A free TCP port on loopback for QEMU's hostfwd.
import { createServer } from 'node:net';

/** Ask the kernel for a free port on 127.0.0.1 and release it for QEMU to bind. */
export async function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('no port assigned'))));
    });
  });
}
