// What the kernel under test can do, and whether a missing ability is "lacks the feature" (skip) or "broken" (fail).
import type { LuoProbeEvent } from '../guest/luo-agent-output.ts';

export type Capability =
  | { readonly state: 'present' }
  | { readonly state: 'missing'; readonly reason: string }
  | { readonly state: 'broken'; readonly reason: string };

export interface LiveUpdateCapabilities {
  readonly liveupdate: Capability;
  readonly memfd: Capability;
}

const enabled = (options: Readonly<Record<string, string>> | null, name: string) => options?.[name] === 'y' || options?.[name] === 'm';

/** Decide from the in-guest probe and (when known) the kernel config. */
export function liveUpdateCapabilities(probe: LuoProbeEvent, options: Readonly<Record<string, string>> | null): LiveUpdateCapabilities {
  let liveupdate: Capability = { state: 'present' };
  if (!probe.devLiveupdate) {
    liveupdate = options && !enabled(options, 'LIVEUPDATE')
      ? { state: 'missing', reason: 'kernel lacks LIVEUPDATE' }
      : options && !enabled(options, 'KEXEC_HANDOVER')
        ? { state: 'missing', reason: 'kernel lacks KEXEC_HANDOVER' }
        : { state: 'broken', reason: 'LIVEUPDATE is configured but /dev/liveupdate is absent (liveupdate=on and kho=on were given)' };
  } else if (probe.openErrno) {
    liveupdate = { state: 'broken', reason: `open(/dev/liveupdate) failed with ${probe.openErrno}` };
  } else if (probe.sessionErrno) {
    liveupdate = { state: 'broken', reason: `LIVEUPDATE_IOCTL_CREATE_SESSION failed with ${probe.sessionErrno}` };
  }
  let memfd: Capability = { state: 'present' };
  if (liveupdate.state !== 'present') {
    memfd = { state: 'missing', reason: `no usable LUO: ${liveupdate.reason}` };
  } else if (probe.memfdPreserve !== true) {
    memfd = options && !enabled(options, 'LIVEUPDATE_MEMFD')
      ? { state: 'missing', reason: 'kernel lacks LIVEUPDATE_MEMFD' }
      : { state: 'broken', reason: `memfd preservation refused with ${probe.memfdErrno ?? 'no errno'} although LIVEUPDATE_MEMFD is configured` };
  }
  return { liveupdate, memfd };
}
