// Turn a capability into a tap verdict: run the check, skip it with the reason, or fail it as broken.
import type { Test } from 'tap';
import type { Capability } from '../checks/capabilities.ts';

/** True when the check should run; otherwise records a SKIP (feature missing) or a failure (feature broken). */
export function gate(t: Test, capability: Capability, check: string): boolean {
  if (capability.state === 'present') return true;
  if (capability.state === 'missing') t.pass(`[capability] ${check}`, { skip: capability.reason });
  else t.fail(`[capability] ${check}: ${capability.reason}`);
  return false;
}
