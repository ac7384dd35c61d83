// The SSH command a person types to reach a running guest, with its host key pinned in a known_hosts file.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { GuestSpec } from '../guest/guest-spec.ts';

/** Write `<artifactDir>/known_hosts` for the guest's port and return the command line. */
export async function sshCommand(spec: GuestSpec, port: number): Promise<string> {
  const knownHosts = path.join(spec.artifactDir, 'known_hosts');
  await writeFile(knownHosts, `[127.0.0.1]:${port} ssh-ed25519 ${spec.keys.hostKeyBase64}\n`);
  return `ssh -i ${spec.keys.clientKeyFile} -p ${port} -o UserKnownHostsFile=${knownHosts} root@127.0.0.1`;
}
