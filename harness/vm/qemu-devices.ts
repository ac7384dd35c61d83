// Which device models a QEMU binary has: an older QEMU (Debian bookworm's 7.2) lacks igb, and the run says so.
import { execa } from 'execa';

/** The device model names `-device help` lists (`name "igb", bus PCI, desc "..."`). */
export function parseDeviceHelp(text: string): Set<string> {
  return new Set([...text.matchAll(/^name "([^"]+)"/gm)].map((match) => match[1] ?? ''));
}

/** The device models of a QEMU binary; none when it does not run (the version check reports that). */
export async function qemuDeviceModels(qemu: string): Promise<Set<string>> {
  const help = await execa(qemu, ['-nodefaults', '-machine', 'none', '-device', 'help'], { reject: false });
  return parseDeviceHelp(help.stdout);
}

/** "QEMU 10.0.2" from `qemu --version`'s first line. */
export function shortQemu(versionLine: string): string {
  return versionLine.replace(/^QEMU emulator version (\S+).*$/, 'QEMU $1') || 'this QEMU';
}
