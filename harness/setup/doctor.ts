// `make doctor`: what is present and missing, and which accelerator would be used and why.
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { chooseAccelerator, gatherKvmFacts, type Accelerator } from '../vm/accel.ts';
import { packageStatus } from './host-packages.ts';
import { qemuDeviceModels } from '../vm/qemu-devices.ts';
import { backportsInstallHint } from './backports-qemu.ts';
import { namesDebianQemu, resolveQemu } from './debian-qemu.ts';

/** Render the doctor report as text lines. */
export async function doctorReport(qemu: string, forcedAccel: Accelerator | undefined, cache: string): Promise<string> {
  const lines: string[] = ['host packages:'];
  for (const pkg of await packageStatus()) {
    lines.push(`  ${pkg.installed ? 'ok     ' : 'MISSING'} ${pkg.name.padEnd(16)} ${pkg.installed ? pkg.version ?? '' : `(${pkg.why})`}`);
  }
  const binary = namesDebianQemu(qemu) ? await resolveQemu(qemu, cache) : qemu;
  const version = await execa(binary, ['--version'], { reject: false });
  lines.push(`qemu: ${version.exitCode === 0 ? version.stdout.split('\n')[0] ?? '' : `NOT RUNNABLE (${qemu}); install qemu-system-x86 or set QEMU=`}`);
  if (version.exitCode === 0) {
    const igb = (await qemuDeviceModels(binary)).has('igb');
    lines.push(`  igb: ${igb ? 'yes (the igb checks run)' : `NO: the igb checks skip; ${backportsInstallHint}`}`);
  }
  const facts = await gatherKvmFacts();
  const choice = chooseAccelerator(facts, forcedAccel);
  lines.push(
    `kvm: /dev/kvm ${facts.devKvmExists ? 'exists' : 'absent'}, ${facts.devKvmReadWrite ? 'read-write' : 'not read-write'}, CPU ${facts.cpuHasVirtualisation ? 'has' : 'lacks'} vmx/svm`,
    `accelerator: ${choice.accel} (${choice.reason})`,
    `cache: ${cache}`,
  );
  for (const kind of ['kernel', 'guest']) {
    const entries = await readdir(path.join(cache, kind)).catch(() => [] as string[]);
    lines.push(`  ${kind}: ${entries.length ? entries.join(', ') : 'none cached'}`);
  }
  return lines.join('\n');
}
