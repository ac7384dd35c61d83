// Typed, validating parser for the JSON lines printed by the guest helper vfio-igb (images/guest/vfio-igb.c).
import { patternKinds, type PatternKind } from '../checks/pattern.ts';
import { decodeBdf, liveUpdateDecoders, type LiveUpdateEvent } from './live-update-events.ts';
import { decodeError, decodePatternCheck, decodeVerdict, HelperFields, type PatternCheck, type Verdict } from './helper-protocol.ts';
import { FieldError, jsonLinesFormat, parseJsonLines, type EventDecoders, type HelperErrorEvent } from '../formats/json-lines.ts';

/** The largest payload one loopback frame carries (a 1514-byte frame less its Ethernet header). */
const igbMaxPayload = 1500;

/** After opening: the IDs and the PCI command register as found and as set. */
export interface VfioIgbDeviceEvent {
  event: 'device';
  bdf: string;
  id: string;
  commandBefore: number;
  command: number;
}

/** The Function Level Reset before use: a marker written to RDBAL0 is gone afterwards. */
export interface VfioIgbResetEvent {
  event: 'reset';
  bdf: string;
  /** sysfs reset_method; null when the file is missing. */
  methods: string | null;
  before: number;
  after: number;
}

/** One frame sent from a TX buffer and received by loopback into an RX buffer, checked byte for byte by vfio-igb. */
export interface VfioIgbDmaEvent extends Verdict, PatternCheck {
  event: 'dma';
  bdf: string;
  iova: bigint;
  tx: bigint;
  rx: bigint;
  /** Payload bytes (the pattern). */
  size: number;
  frame: number;
  kind: PatternKind;
  seed: bigint;
  /** Length the RX descriptor reported. */
  length: number;
  status: number;
}

export interface VfioIgbDmaSummaryEvent {
  event: 'dma-summary';
  bdf: string;
  transfers: number;
  bytesChecked: number;
  failures: number;
  /** Guest time from restarting autonegotiation to link up. */
  linkMs: number;
}

/** The MSI-X capability and table as found, before anything is armed; ok when nothing is left armed. */
export interface VfioIgbMsixTableEvent extends Verdict {
  event: 'msix-table';
  bdf: string;
  tableSize: number;
  control: number;
  enabled: boolean;
  functionMask: boolean;
  addrLo: number[];
  addrHi: number[];
  data: number[];
  vectorControl: number[];
}

/** Every vector armed from scratch and raised in turn; the masked vector's fate; vfio-igb's verdict. */
export interface VfioIgbMsixEvent extends Verdict {
  event: 'msix';
  bdf: string;
  vectors: number;
  available: number;
  enabled: boolean;
  raisesPerVector: number;
  perVector: number[];
  misrouted: number;
  missing: number;
  duplicates: number;
  spurious: number;
  maskVector: number;
  whileMasked: number;
  /** What the device did with the cause raised while masked once unmasked: QEMU's igb delivers it. */
  onUnmask: 'delivered' | 'not-delivered';
  afterUnmask: number;
  afterReraise: number | null;
}

export interface VfioIgbMsixDisarmedEvent {
  event: 'msix-disarmed';
  bdf: string;
  enabled: boolean;
  functionMask: boolean;
  armedEntries: number;
}

export type VfioIgbEvent =
  | VfioIgbDeviceEvent
  | VfioIgbResetEvent
  | VfioIgbDmaEvent
  | VfioIgbDmaSummaryEvent
  | VfioIgbMsixTableEvent
  | VfioIgbMsixEvent
  | VfioIgbMsixDisarmedEvent
  | LiveUpdateEvent
  | HelperErrorEvent;

class Fields extends HelperFields {
  register(key: string): number {
    const value = this.raw(key);
    if (typeof value !== 'string' || !/^0x[0-9a-f]{1,8}$/.test(value)) return this.wrong(key, 'a hex string of at most 32 bits');
    return Number(value);
  }

  /** Parallel per-entry arrays must all have the table's size. */
  entries(key: string, size: number): number[] {
    const values = this.counts(key);
    if (values.length !== size) throw new FieldError(`"${key}" has ${values.length} entries for a table of ${size}`);
    return values;
  }
}


function parseDma(f: Fields): VfioIgbDmaEvent {
  const kind = f.oneOf('kind', patternKinds);
  const event: VfioIgbDmaEvent = {
    event: 'dma',
    bdf: decodeBdf(f),
    iova: f.u64('iova'),
    tx: f.u64('tx'),
    rx: f.u64('rx'),
    size: f.count('size'),
    frame: f.count('frame'),
    kind,
    seed: f.u64('seed'),
    length: f.count('length'),
    status: f.register('status'),
    ...decodePatternCheck(f, kind, igbMaxPayload),
    ...decodeVerdict(f),
  };
  if (event.size > igbMaxPayload) throw new FieldError(`"size" ${event.size} is more than a frame carries (${igbMaxPayload})`);
  if (event.bytesChecked !== event.size) throw new FieldError(`"bytes_checked" ${event.bytesChecked} is not the size ${event.size}`);
  return event;
}

function parseMsixTable(f: Fields): VfioIgbMsixTableEvent {
  const tableSize = f.count('table_size');
  return {
    event: 'msix-table',
    bdf: decodeBdf(f),
    tableSize,
    control: f.register('control'),
    enabled: f.boolean('enabled'),
    functionMask: f.boolean('function_mask'),
    addrLo: f.entries('addr_lo', tableSize),
    addrHi: f.entries('addr_hi', tableSize),
    data: f.entries('data', tableSize),
    vectorControl: f.entries('vector_control', tableSize),
    ...decodeVerdict(f),
  };
}

function parseMsix(f: Fields): VfioIgbMsixEvent {
  const event: VfioIgbMsixEvent = {
    event: 'msix',
    bdf: decodeBdf(f),
    vectors: f.count('vectors'),
    available: f.count('available'),
    enabled: f.boolean('enabled'),
    raisesPerVector: f.count('raises_per_vector'),
    perVector: f.counts('per_vector'),
    misrouted: f.count('misrouted'),
    missing: f.count('missing'),
    duplicates: f.count('duplicates'),
    spurious: f.count('spurious'),
    maskVector: f.count('mask_vector'),
    whileMasked: f.count('while_masked'),
    onUnmask: f.oneOf('on_unmask', ['delivered', 'not-delivered'] as const),
    afterUnmask: f.count('after_unmask'),
    afterReraise: f.nullableCount('after_reraise'),
    ...decodeVerdict(f),
  };
  if (event.perVector.length !== event.vectors) throw new FieldError(`"per_vector" has ${event.perVector.length} entries for ${event.vectors} vectors`);
  if (event.vectors > event.available) throw new FieldError(`${event.vectors} vectors armed of ${event.available} available`);
  if (event.maskVector >= event.vectors) throw new FieldError(`"mask_vector" ${event.maskVector} is not one of the ${event.vectors} vectors`);
  return event;
}

const decoders: EventDecoders<Fields, VfioIgbEvent> = {
  device: (f) => ({ event: 'device', bdf: decodeBdf(f), id: f.string('id'), commandBefore: f.register('command_before'), command: f.register('command') }),
  reset: (f) => ({ event: 'reset', bdf: decodeBdf(f), methods: f.nullableString('methods'), before: f.register('before'), after: f.register('after') }),
  dma: parseDma,
  'dma-summary': (f) => ({
    event: 'dma-summary',
    bdf: decodeBdf(f),
    transfers: f.count('transfers'),
    bytesChecked: f.count('bytes_checked'),
    failures: f.count('failures'),
    linkMs: f.count('link_ms'),
  }),
  'msix-table': parseMsixTable,
  msix: parseMsix,
  'msix-disarmed': (f) => ({
    event: 'msix-disarmed',
    bdf: decodeBdf(f),
    enabled: f.boolean('enabled'),
    functionMask: f.boolean('function_mask'),
    armedEntries: f.count('armed_entries'),
  }),
  ...liveUpdateDecoders,
  error: decodeError,
};

const format = jsonLinesFormat<Fields, VfioIgbEvent>('vfio-igb', Fields, decoders);

export function parseVfioIgbOutput(text: string): VfioIgbEvent[] {
  return parseJsonLines(text, format);
}
