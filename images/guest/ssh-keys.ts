// SSH keys made per guest image: the host key is pinned by the harness, the client key is authorised in the guest.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';

export interface GuestKeys {
  /** Dropbear-format host key, copied into the image. */
  readonly hostKeyFile: string;
  /** Raw public host key blob (what ssh2's hostVerifier receives). */
  readonly hostKeyBlob: Buffer;
  /** OpenSSH-format client private key for ssh2. */
  readonly clientKeyFile: string;
  /** authorized_keys line for the guest. */
  readonly clientPublicLine: string;
}

/** The base64 blob of an OpenSSH public key line. */
export function publicKeyBlob(line: string): Buffer {
  const blob = line.trim().split(/\s+/)[1];
  if (!blob) throw new Error(`not an OpenSSH public key line: ${line}`);
  return Buffer.from(blob, 'base64');
}

async function publicLine(dropbearKey: string): Promise<string> {
  const { stdout } = await execa('dropbearkey', ['-y', '-f', dropbearKey]);
  const line = stdout.split('\n').find((text) => text.startsWith('ssh-'));
  if (!line) throw new Error(`dropbearkey -y printed no public key for ${dropbearKey}`);
  return line;
}

/** Generate an ed25519 host key and client key pair in a folder, with their public halves beside them. */
export async function generateGuestKeys(folder: string): Promise<GuestKeys> {
  const hostKeyFile = path.join(folder, 'host_key');
  const clientDropbear = path.join(folder, 'client_key.dropbear');
  const clientKeyFile = path.join(folder, 'client_key');
  await execa('dropbearkey', ['-t', 'ed25519', '-f', hostKeyFile]);
  await execa('dropbearkey', ['-t', 'ed25519', '-f', clientDropbear]);
  await execa('dropbearconvert', ['dropbear', 'openssh', clientDropbear, clientKeyFile]);
  const hostLine = await publicLine(hostKeyFile);
  const clientLine = await publicLine(clientDropbear);
  await writeFile(path.join(folder, 'host_key.pub'), `${hostLine}\n`);
  await writeFile(path.join(folder, 'client_key.pub'), `${clientLine}\n`);
  return guestKeys(folder, hostLine, clientLine);
}

/**
 * Keys of an already built image, from the files written next to it. Only read: runs side by side share the image,
 * and a rewrite let another run read a file half written.
 */
export async function readGuestKeys(folder: string): Promise<GuestKeys> {
  const hostLine = await readFile(path.join(folder, 'host_key.pub'), 'utf8');
  const clientLine = await readFile(path.join(folder, 'client_key.pub'), 'utf8');
  return guestKeys(folder, hostLine, clientLine);
}

function guestKeys(folder: string, hostLine: string, clientLine: string): GuestKeys {
  return {
    hostKeyFile: path.join(folder, 'host_key'),
    hostKeyBlob: publicKeyBlob(hostLine),
    clientKeyFile: path.join(folder, 'client_key'),
    clientPublicLine: clientLine.trim(),
  };
}
