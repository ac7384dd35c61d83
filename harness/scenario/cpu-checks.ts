// Every CPU back after a kexec: the new kernel must stop none for good, and bring each one up again.
import type { Test } from 'tap';
import type { KexecReport } from '../guest/kexec-report.ts';

/** One check: the kernel a kexec went into has every CPU of the machine online, and said it brought them up. */
export function assertCpusOnline(t: Test, report: Pick<KexecReport, 'cpus' | 'to'>): void {
  const { online, count, broughtUp, machine } = report.cpus;
  t.ok(
    count === machine && broughtUp === machine,
    `[cpus-online@gen${report.to.index}] generation ${report.to.index}: all ${machine} CPUs online (online ${online}: ${count}; the kernel brought up ${broughtUp ?? 'an unsaid number of'})`,
  );
}
