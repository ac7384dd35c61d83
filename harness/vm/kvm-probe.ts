// The last word on KVM: boot the kernel under KVM for a moment and see it print its banner.
import { execa } from 'execa';
import type { AcceleratorChoice } from './accel.ts';

/** Banner the kernel prints first on the serial console. */
const banner = /Linux version /;

/** Boot `kernel` under KVM with no root (it panics and QEMU exits); KVM works if the banner appears in time. */
export async function kvmBootsKernel(qemu: string, kernel: string, deadlineMs = 20_000): Promise<{ ok: boolean; detail: string }> {
  const child = execa(
    qemu,
    ['-accel', 'kvm', '-machine', 'q35,kernel-irqchip=split', '-cpu', 'host', '-m', '256M', '-nodefaults', '-nographic', '-no-reboot',
      '-serial', 'stdio', '-kernel', kernel, '-append', 'console=ttyS0 panic=-1 rdinit=/nonexistent'],
    { reject: false, buffer: false, stdin: 'ignore', timeout: deadlineMs, cleanup: true, all: true },
  );
  let seen = '';
  for await (const line of child.iterable({ from: 'all' })) {
    seen += `${String(line)}\n`;
    if (banner.test(String(line))) {
      child.kill('SIGKILL');
      await child;
      return { ok: true, detail: 'a KVM test boot printed the kernel banner' };
    }
  }
  const result = await child;
  const why = result.timedOut ? `no kernel banner within ${deadlineMs / 1000} s` : `QEMU exited ${result.exitCode ?? result.signal}`;
  return { ok: false, detail: `${why}: ${seen.trim().split('\n').slice(-2).join(' | ') || 'no output'}` };
}

/** Keep KVM only if a test boot works; otherwise TCG with the reason. A forced choice is not second-guessed. */
export async function confirmAccelerator(choice: AcceleratorChoice, forced: boolean, qemu: string, kernel: string): Promise<AcceleratorChoice> {
  if (choice.accel !== 'kvm' || forced) return choice;
  const probe = await kvmBootsKernel(qemu, kernel);
  return probe.ok ? { accel: 'kvm', reason: `${choice.reason}; ${probe.detail}` } : { accel: 'tcg', reason: `TCG because a KVM test boot failed (${probe.detail})` };
}
