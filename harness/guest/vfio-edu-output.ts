// Typed, validating parser for the JSON lines printed by the guest helper vfio-edu (images/guest/vfio-edu.c).

import { patternKinds, type PatternKind } from '../checks/pattern.ts';
import { decodeError, decodePatternCheck, decodeVerdict, HelperFields, type PatternCheck, type Verdict } from './helper-protocol.ts';
import { decodeBdf, liveUpdateDecoders, type LiveUpdateEvent } from './live-update-events.ts';
import { FieldError, jsonLinesFormat, parseJsonLine, parseJsonLines, type EventDecoders, type HelperErrorEvent } from '../formats/json-lines.ts';

/** Bytes of edu's DMA buffer the helper reads back: a byte written past a transfer shows up below this. */
const eduBufferSize = 4096;

/** After opening (dma, msi): the edu id register and the PCI command register as found and as set. */
export interface VfioEduDeviceEvent {
  event: 'device';
  bdf: string;
  /** Register 0x00, 0x010000ed for edu 1.0. */
  id: number;
  /** Register 0x04 returned the inverse of what was written. */
  alive: boolean;
  /** PCI command register before the helper set Memory Space and Bus Master. */
  commandBefore: number;
  command: number;
}

/** One RAM -> device -> RAM round trip of the `dma` subcommand, with vfio-edu's verdict; a mismatch at or past `size` is a write past the transfer. */
export interface VfioEduDmaEvent extends Verdict, PatternCheck {
  event: 'dma';
  bdf: string;
  iova: bigint;
  size: number;
  /** Offset inside edu's 4 KiB device buffer. */
  offset: number;
  kind: PatternKind;
  seed: bigint;
}

/** Totals of the `dma` subcommand; `skipped` counts (size, offset) pairs that do not fit the 4 KiB buffer. */
export interface VfioEduDmaSummaryEvent {
  event: 'dma-summary';
  bdf: string;
  transfers: number;
  skipped: number;
  bytesChecked: number;
  failures: number;
}

/** MSI capability as read from config space before the helper arms MSI. */
export interface VfioEduMsiStateEvent {
  event: 'msi-state';
  bdf: string;
  /** "before-arm" or "armed". */
  phase: string;
  /** "vfio": the config region, where VFIO virtualises MSI; "sysfs": the device as the kernel sees it. */
  source: 'vfio' | 'sysfs';
  enabled: boolean;
  control: number;
  address: bigint;
  data: number;
}

/** Result of the `msi` subcommand: one eventfd count per raise, events seen while quiet, vfio-edu's verdict. */
export interface VfioEduMsiEvent extends Verdict {
  event: 'msi';
  bdf: string;
  raised: number;
  received: number;
  perRaise: number[];
  spurious: number;
  /** The vector's Linux IRQ, as /proc/interrupts names it; null when it has no line there. */
  irq: number | null;
  /** The CPU the IRQ was routed to (--cpu); null when the kernel's own choice was kept. */
  cpu: number | null;
  /** Interrupts each CPU took during the run, by CPU (empty without an IRQ line). */
  perCpu: number[];
}

/** MSI trigger removed again (VFIO_IRQ_SET_DATA_NONE, count 0). */
export interface VfioEduMsiDisarmedEvent {
  event: 'msi-disarmed';
  bdf: string;
  /** MSI Enable as the kernel (sysfs) sees it afterwards. */
  enabled: boolean;
}

/** Config space as read through the VFIO config region (VFIO virtualises some fields, e.g. MSI). */
export interface VfioEduConfigEvent {
  event: 'config';
  bdf: string;
  size: number;
  bytes: Uint8Array;
}

export type { PreserveEvent as VfioEduPreserveEvent, ReadyEvent as VfioEduReadyEvent, StepEvent as VfioEduStepEvent, InflightEvent as VfioEduInflightEvent } from './live-update-events.ts';
export { liveUpdateSteps } from './live-update-events.ts';

export type VfioEduEvent =
  | VfioEduDeviceEvent
  | VfioEduDmaEvent
  | VfioEduDmaSummaryEvent
  | VfioEduMsiStateEvent
  | VfioEduMsiEvent
  | VfioEduMsiDisarmedEvent
  | VfioEduConfigEvent
  | LiveUpdateEvent
  | HelperErrorEvent;

export type VfioEduEventName = VfioEduEvent['event'];

/** vfio-edu's own field kinds on top of the shared ones. */
class Fields extends HelperFields {
  /** A register up to 32 bits wide, printed as a "0x..." string. */
  register(key: string): number {
    const value = this.raw(key);
    if (typeof value !== 'string' || !/^0x[0-9a-f]{1,8}$/.test(value)) return this.wrong(key, 'a hex string of at most 32 bits');
    return Number(value);
  }
}


function decodeHex(hex: string, size: number): Uint8Array {
  if (hex.length !== size * 2 || !/^[0-9a-f]*$/.test(hex)) {
    throw new FieldError(`field "hex" must be ${size * 2} lowercase hex digits (size ${size}), got ${hex.length} characters`);
  }
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}

function parseDma(f: Fields): VfioEduDmaEvent {
  const kind = f.oneOf('kind', patternKinds);
  const event: VfioEduDmaEvent = {
    event: 'dma',
    bdf: decodeBdf(f),
    iova: f.u64('iova'),
    size: f.count('size'),
    offset: f.count('offset'),
    kind,
    seed: f.u64('seed'),
    ...decodePatternCheck(f, kind, eduBufferSize),
    ...decodeVerdict(f),
  };
  if (event.offset + event.size > 4095) throw new FieldError(`offset ${event.offset} + size ${event.size} exceeds edu's usable 4095 bytes`);
  if (event.bytesChecked !== event.size) throw new FieldError(`"bytes_checked" ${event.bytesChecked} is not the size ${event.size}`);
  return event;
}

function parseMsi(f: Fields): VfioEduMsiEvent {
  const event: VfioEduMsiEvent = {
    event: 'msi',
    bdf: decodeBdf(f),
    raised: f.count('raised'),
    received: f.count('received'),
    perRaise: f.counts('per_raise'),
    spurious: f.count('spurious'),
    irq: f.nullableCount('irq'),
    cpu: f.nullableCount('cpu'),
    perCpu: f.counts('per_cpu'),
    ...decodeVerdict(f),
  };
  if (event.cpu !== null && event.irq !== null && event.cpu >= event.perCpu.length) throw new FieldError(`"cpu" ${event.cpu} is past the ${event.perCpu.length} CPUs counted`);
  if (event.perRaise.length !== event.raised) {
    throw new FieldError(`"per_raise" has ${event.perRaise.length} entries for ${event.raised} raises`);
  }
  const sum = event.perRaise.reduce((total, count) => total + count, 0);
  if (sum !== event.received) throw new FieldError(`"per_raise" sums to ${sum} but "received" is ${event.received}`);
  return event;
}

/** How each event vfio-edu prints is decoded. */
const decoders: EventDecoders<Fields, VfioEduEvent> = {
  device: (f) => ({
    event: 'device',
    bdf: decodeBdf(f),
    id: f.register('id'),
    alive: f.boolean('alive'),
    commandBefore: f.register('command_before'),
    command: f.register('command'),
  }),
  dma: parseDma,
  'dma-summary': (f) => ({
    event: 'dma-summary',
    bdf: decodeBdf(f),
    transfers: f.count('transfers'),
    skipped: f.count('skipped'),
    bytesChecked: f.count('bytes_checked'),
    failures: f.count('failures'),
  }),
  'msi-state': (f) => ({
    event: 'msi-state',
    bdf: decodeBdf(f),
    phase: f.string('phase'),
    source: f.oneOf('source', ['vfio', 'sysfs'] as const),
    enabled: f.boolean('enabled'),
    control: f.register('control'),
    address: f.u64('address'),
    data: f.register('data'),
  }),
  msi: parseMsi,
  'msi-disarmed': (f) => ({ event: 'msi-disarmed', bdf: decodeBdf(f), enabled: f.boolean('enabled') }),
  config: (f) => {
    const size = f.count('size');
    if (size !== 256 && size !== 4096) throw new FieldError(`field "size" must be 256 or 4096, got ${size}`);
    return { event: 'config', bdf: decodeBdf(f), size, bytes: decodeHex(f.string('hex'), size) };
  },
  ...liveUpdateDecoders,
  error: decodeError,
};

/** How to read vfio-edu's JSON lines. */
const format = jsonLinesFormat<Fields, VfioEduEvent>('vfio-edu', Fields, decoders);

/** Parse one line of vfio-edu output; `lineNumber` (1-based) only improves the error message. */
export function parseVfioEduLine(line: string, lineNumber?: number): VfioEduEvent {
  return parseJsonLine(line, format, lineNumber);
}

/** Parse the whole stdout of one vfio-edu run (blank lines ignored, a trailing newline is fine). */
export function parseVfioEduOutput(text: string): VfioEduEvent[] {
  return parseJsonLines(text, format);
}
