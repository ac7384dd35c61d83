import { mkdtemp, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import t from 'tap';
import { publicKeyBlob, readGuestKeys } from '../../images/guest/ssh-keys.ts';

// Two ed25519 public key lines in the form dropbearkey -y prints (made up: only their form matters here).
const hostLine = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG0x9Yd5cC8u6rj6m1oZ4jmnmE0Wz1c3uZbqQx4f8c7a root@luo-guest';
const clientLine = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKq3c2bH0V7Q8WwYV3N0zv0wq4b7w9cQ8mXh1n2r5t6u root@luo-guest';

async function imageFolder(): Promise<string> {
  const folder = await mkdtemp(path.join(tmpdir(), 'luo-harness-keys-'));
  await writeFile(path.join(folder, 'host_key.pub'), `${hostLine}\n`);
  await writeFile(path.join(folder, 'client_key.pub'), `${clientLine}\n`);
  return folder;
}

t.test('the keys of a built image are read, never written: runs side by side share it', async (t) => {
  // A reader that rewrote the files let another run read one half written; that run took the image for unbuilt and
  // rebuilt it under the first (ENOENT copying its initramfs).
  const folder = await imageFolder();
  const past = new Date('2026-01-01T00:00:00Z');
  for (const name of ['host_key.pub', 'client_key.pub']) await utimes(path.join(folder, name), past, past);
  const keys = await readGuestKeys(folder);
  t.same(keys.hostKeyBlob, publicKeyBlob(hostLine));
  t.equal(keys.clientPublicLine, clientLine);
  t.equal(keys.clientKeyFile, path.join(folder, 'client_key'));
  for (const name of ['host_key.pub', 'client_key.pub']) {
    t.equal((await stat(path.join(folder, name))).mtime.toISOString(), past.toISOString(), `${name} left as it was`);
  }
});
