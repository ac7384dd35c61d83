// Belt and braces: after a scenario process ends, no QEMU it started may survive it.
import { readFile } from 'node:fs/promises';
import path from 'node:path';

/** Kill the QEMU recorded in an artifact folder if it is still running; returns whether one was found. */
export async function reapQemu(artifactDir: string): Promise<boolean> {
  const pid = Number((await readFile(path.join(artifactDir, 'qemu.pid'), 'utf8').catch(() => '')).trim());
  if (!Number.isInteger(pid) || pid <= 0) return false;
  // The pid may have been reused: only kill it if it is still a QEMU.
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  if (!cmdline.includes('qemu')) return false;
  process.kill(pid, 'SIGKILL');
  return true;
}
