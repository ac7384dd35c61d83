// The events both VFIO helpers (vfio-edu, vfio-igb) print about a preserved device's live update: the same steps,
// in the order the VFIO live-update uAPI defines, decoded once.
import { FieldError, pickEvents, pickOnlyEvent, type EventDecoders, type NamedEvent } from '../formats/json-lines.ts';
import { GuestError } from '../errors.ts';
import { helperFailure, type HelperRun } from './guest-helper.ts';
import { HelperFields } from './helper-protocol.ts';

/** A device's BDF field, as the kernel spells it. */
export function decodeBdf(f: HelperFields): string {
  const bdf = f.string('bdf');
  if (!/^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/.test(bdf)) throw new FieldError(`field "bdf" must look like 0000:00:04.0, got ${JSON.stringify(bdf)}`);
  return bdf;
}

/** The capability probe: did LIVEUPDATE_SESSION_PRESERVE_FD accept the VFIO cdev fd? */
export interface PreserveEvent {
  event: 'preserve';
  bdf: string;
  session: string;
  token: bigint;
  supported: boolean;
  /** null when supported; "ENOENT" when the kernel has no VFIO file handler. */
  errno: string | null;
}

/** The detached process holding the session until kexec is up (SIGUSR1 starts the in-flight DMA). */
export interface ReadyEvent {
  event: 'ready';
  bdf: string;
  session: string;
  pid: number;
  /** Seed of the pattern the in-flight DMA carries. */
  inflightSeed: bigint;
}

/** The steps of a preserved device's live update, each with the kernel's answer. */
export const liveUpdateSteps = [
  'preserve-inflight-memfd',
  'preserve-with-msi-armed',
  'kexec',
  'device-fd-after-refused-kexec',
  'retrieve-session',
  'open-cdev-before-finish',
  'finish-before-retrieve',
  'retrieve-inflight-memfd',
  'retrieve-device',
  'finish-before-bind',
  'bind-iommufd',
  'finish',
] as const;

/** One uAPI step and its answer (errno null: it succeeded). */
export interface StepEvent {
  event: 'step';
  bdf: string;
  step: (typeof liveUpdateSteps)[number];
  errno: string | null;
}

/** What became of the DMA started just before `kexec -e`, read from the preserved memfd it wrote into. */
export interface InflightEvent {
  event: 'inflight';
  bdf: string;
  outcome: 'completed' | 'dropped' | 'garbled';
  size: number;
  badBytes: number;
  zeroBytes: number;
}

export type LiveUpdateEvent = PreserveEvent | ReadyEvent | StepEvent | InflightEvent;

/** Decoders of the live-update events, for a helper's own decoder table. */
export const liveUpdateDecoders: EventDecoders<HelperFields, LiveUpdateEvent> = {
  preserve: (f) => {
    const supported = f.boolean('supported');
    const errno = f.errno('errno');
    if (supported !== (errno === null)) throw new FieldError(`"supported" is ${supported} but "errno" is ${JSON.stringify(errno)}`);
    return {
      event: 'preserve',
      bdf: decodeBdf(f),
      session: f.string('session'),
      token: f.u64('token'),
      supported,
      errno,
    };
  },
  ready: (f) => ({ event: 'ready', bdf: decodeBdf(f), session: f.string('session'), pid: f.count('pid'), inflightSeed: f.u64('inflight_seed') }),
  step: (f) => ({ event: 'step', bdf: decodeBdf(f), step: f.oneOf('step', liveUpdateSteps), errno: f.errno('errno') }),
  inflight: (f) => {
    const size = f.count('size');
    const event: InflightEvent = {
      event: 'inflight',
      bdf: decodeBdf(f),
      outcome: f.oneOf('outcome', ['completed', 'dropped', 'garbled'] as const),
      size,
      badBytes: f.count('bad_bytes'),
      zeroBytes: f.count('zero_bytes'),
    };
    if (event.badBytes > size || event.zeroBytes > size) throw new FieldError(`"bad_bytes" or "zero_bytes" exceed "size" ${size}`);
    if ((event.outcome === 'completed') !== (event.badBytes === 0)) throw new FieldError(`outcome "${event.outcome}" contradicts ${event.badBytes} bad bytes`);
    return event;
  },
};

/** What a helper's `preserve` run said: the kernel's answer, the holder when it accepted, the steps. */
export function preserveOutcome(run: HelperRun<LiveUpdateEvent | NamedEvent>, helper: string): { preserve: PreserveEvent; holder?: ReadyEvent; steps: StepEvent[] } {
  const preserve = pickEvents(run.events, 'preserve')[0];
  if (!preserve) throw new GuestError(`no preserve event: ${helperFailure(run)}`);
  const holder = preserve.supported ? pickOnlyEvent(run.events, 'ready', helper) : undefined;
  return { preserve, holder, steps: pickEvents(run.events, 'step') };
}
