// For a scenario that asks for the igb (needs: { igb: true }): whether its guest got one, and if not, the reason every
// igb check gives when it skips. Such a guest lacks it only when the QEMU does.
import type { ScenarioContext } from './context.ts';
import { shortQemu } from '../vm/qemu-devices.ts';

/** Why the igb checks cannot run (the QEMU lacks the device), or undefined when the guest has one. Only for scenarios that ask. */
export function igbMissing(context: Pick<ScenarioContext, 'guest' | 'qemuVersion'>): string | undefined {
  if (context.guest.igb) return undefined;
  return `${shortQemu(context.qemuVersion)} has no igb device (QEMU 8.0 and later have it; make setup installs 10.0 from bookworm-backports, or QEMU=10.0)`;
}
