// Whether this run's guests have an igb, and if not, the reason every igb check gives when it skips.
import type { ScenarioContext } from './context.ts';
import { shortQemu } from '../vm/qemu-devices.ts';

/** Why the igb checks cannot run (the QEMU lacks the device), or undefined when the guest has one. */
export function igbMissing(context: Pick<ScenarioContext, 'guest' | 'qemuVersion'>): string | undefined {
  if (context.guest.igb) return undefined;
  return `${shortQemu(context.qemuVersion)} has no igb device (QEMU 8.0 and later have it; make setup installs 10.0 from bookworm-backports, or QEMU=10.0)`;
}
