// Typed, validating parser for the JSON lines printed by the guest helper luo-agent (images/guest/luo-agent.c).

import { patternKinds, type PatternKind } from '../checks/pattern.ts';
import { FieldError, JsonFields, jsonLinesFormat, parseJsonLine, parseJsonLines, pickEvents, pickOnlyEvent, type EventDecoders } from './json-lines.ts';

/** Seal names as luo-agent prints them (F_SEAL_*); a seal it does not know is printed as "0x40" and kept as such. */
export type SealName = 'seal' | 'shrink' | 'grow' | 'write' | 'future_write' | 'exec';

/** `luo-agent probe`: can this kernel preserve a memfd? Decides pass/fail versus skip. */
export interface LuoProbeEvent {
  event: 'probe';
  /** /dev/liveupdate exists. */
  devLiveupdate: boolean;
  /** Why open(/dev/liveupdate) failed: "ENOENT" (no LUO), "EBUSY" (another opener), "EIO" (bad incoming state). */
  openErrno: string | null;
  /** Why LIVEUPDATE_IOCTL_CREATE_SESSION failed, if it did. */
  sessionErrno: string | null;
  /** null when no session could be created to try it. */
  memfdPreserve: boolean | null;
  /** Why PRESERVE_FD of a memfd failed ("ENOENT": no memfd handler). */
  memfdErrno: string | null;
}

/** A memfd filled with its pattern and preserved under `token` (prepare, carry). */
export interface LuoPreservedEvent {
  event: 'preserved';
  session: string;
  token: bigint;
  kind: PatternKind;
  seed: bigint;
  size: number;
  /** F_GET_SEALS at preserve time; ["seal"] for a memfd created without MFD_ALLOW_SEALING. */
  seals: string[];
  /** File position left in the memfd (size / 2), expected back after kexec. */
  position: number;
  /** Time to create and fill (0 for carry, which rewrites before preserving). */
  fillMs: number;
}

/** prepare --close: the session fd was closed before kexec, which unpreserves it. */
export interface LuoClosedEvent {
  event: 'closed';
  session: string;
}

/** The detached holder keeps these session fds open until kexec; luo-agent has returned. */
export interface LuoReadyEvent {
  event: 'ready';
  pid: number;
  sessions: string[];
  /** Where the holder's stdout/stderr go. */
  log: string;
}

/** First line the holder writes to its log. */
export interface LuoHoldingEvent {
  event: 'holding';
  pid: number;
}

/** Where the first differing byte is (verified with !ok and badBytes > 0). */
export interface LuoMismatch {
  firstBadOffset: number;
  expected: number;
  found: number;
  /** addr kind only: found word XOR seed, the offset the found data belongs at. */
  foundLooksLikeOffset?: bigint;
}

/** One retrieved memfd checked after kexec: size, seals, position, every byte. */
export interface LuoVerifiedEvent {
  event: 'verified';
  session: string;
  token: bigint;
  kind: PatternKind;
  seed: bigint;
  /** Expected size (from the spec) and the size fstat found. */
  size: number;
  sizeFound: number;
  sizeOk: boolean;
  seals: string[];
  sealsExpected: string[];
  sealsOk: boolean;
  position: number;
  positionOk: boolean;
  bytesChecked: number;
  badBytes: number;
  mismatch?: LuoMismatch;
  verifyMs: number;
  ok: boolean;
}

/** LIVEUPDATE_SESSION_FINISH succeeded. */
export interface LuoFinishedEvent {
  event: 'finished';
  session: string;
}

/** `luo-agent retrieve NAME`: the kernel's answer, reported, not judged. */
export interface LuoRetrieveEvent {
  event: 'retrieve';
  session: string;
  ok: boolean;
  /** "ENOENT": no such incoming session; "EINVAL": already retrieved and still open. */
  errno: string | null;
}

/** A failed syscall or ioctl (op is its name, errno e.g. "EBUSY"), or bad usage (op "usage", errno null). */
export interface LuoErrorEvent {
  event: 'error';
  op: string;
  session: string | null;
  token: bigint | null;
  errno: string | null;
  message: string;
}

export type LuoAgentEvent =
  | LuoProbeEvent
  | LuoPreservedEvent
  | LuoClosedEvent
  | LuoReadyEvent
  | LuoHoldingEvent
  | LuoVerifiedEvent
  | LuoFinishedEvent
  | LuoRetrieveEvent
  | LuoErrorEvent;

export type LuoAgentEventName = LuoAgentEvent['event'];

const errnoPattern = /^(E[A-Z0-9]+|[0-9]+)$/;
const sealPattern = /^(seal|shrink|grow|write|future_write|exec|0x[0-9a-f]+)$/;
const byteHexPattern = /^0x[0-9a-f]{2}$/;

/** luo-agent's own field kinds on top of the JSON-lines ones. */
class Fields extends JsonFields {
  /** One byte printed as "0x3a". */
  byte(key: string): number {
    const value = this.raw(key);
    return typeof value === 'string' && byteHexPattern.test(value) ? Number(value) : this.wrong(key, 'a byte as "0x3a"');
  }

  /** A session name, 1..63 bytes. */
  session(key: string): string {
    const value = this.string(key);
    const bytes = Buffer.byteLength(value);
    return bytes >= 1 && bytes <= 63 ? value : this.wrong(key, 'a session name of 1..63 bytes');
  }

  /** An errno name ("EBUSY", or a number for one luo-agent does not know) or null. */
  errno(key: string): string | null {
    const value = this.nullableString(key);
    return value === null || errnoPattern.test(value) ? value : this.wrong(key, 'an errno name like "EBUSY" or null');
  }

  /** An array of seal names as in SealName, or "0x40" for an unknown one. */
  seals(key: string): string[] {
    return this.strings(key, sealPattern, 'an array of seal names');
  }
}

function parseProbe(f: Fields): LuoProbeEvent {
  const event: LuoProbeEvent = {
    event: 'probe',
    devLiveupdate: f.boolean('dev_liveupdate'),
    openErrno: f.errno('open_errno'),
    sessionErrno: f.errno('session_errno'),
    memfdPreserve: f.nullableBoolean('memfd_preserve'),
    memfdErrno: f.errno('memfd_errno'),
  };
  const sessionCreated = event.openErrno === null && event.sessionErrno === null;
  if (sessionCreated !== (event.memfdPreserve !== null)) {
    throw new FieldError(`"memfd_preserve" is ${event.memfdPreserve} but open/session errno are ${event.openErrno}/${event.sessionErrno}`);
  }
  if (event.memfdPreserve !== null && event.memfdPreserve !== (event.memfdErrno === null)) {
    throw new FieldError(`"memfd_preserve" is ${event.memfdPreserve} but "memfd_errno" is ${JSON.stringify(event.memfdErrno)}`);
  }
  return event;
}

function parseVerified(f: Fields): LuoVerifiedEvent {
  const event: LuoVerifiedEvent = {
    event: 'verified',
    session: f.session('session'),
    token: f.u64('token'),
    kind: f.oneOf('kind', patternKinds),
    seed: f.u64('seed'),
    size: f.count('size'),
    sizeFound: f.count('size_found'),
    sizeOk: f.boolean('size_ok'),
    seals: f.seals('seals'),
    sealsExpected: f.seals('seals_expected'),
    sealsOk: f.boolean('seals_ok'),
    position: f.count('position'),
    positionOk: f.boolean('position_ok'),
    bytesChecked: f.count('bytes_checked'),
    badBytes: f.count('bad_bytes'),
    verifyMs: f.count('verify_ms'),
    ok: f.boolean('ok'),
  };
  if (event.sizeOk !== (event.size === event.sizeFound)) {
    throw new FieldError(`"size_ok" is ${event.sizeOk} for size ${event.size} and size_found ${event.sizeFound}`);
  }
  if (event.sealsOk !== (event.seals.join(',') === event.sealsExpected.join(','))) {
    throw new FieldError(`"seals_ok" is ${event.sealsOk} for seals [${event.seals.join(',')}] and seals_expected [${event.sealsExpected.join(',')}]`);
  }
  if (event.bytesChecked > Math.min(event.size, event.sizeFound)) {
    throw new FieldError(`"bytes_checked" ${event.bytesChecked} exceeds the size`);
  }
  if (event.badBytes > event.bytesChecked) throw new FieldError(`"bad_bytes" ${event.badBytes} exceeds "bytes_checked"`);
  const allGood = event.sizeOk && event.sealsOk && event.positionOk && event.badBytes === 0;
  if (event.ok !== allGood) throw new FieldError(`"ok" is ${event.ok} but the individual checks say ${allGood}`);
  if (event.badBytes > 0) {
    const mismatch: LuoMismatch = {
      firstBadOffset: f.count('first_bad_offset'),
      expected: f.byte('expected'),
      found: f.byte('found'),
    };
    if (mismatch.firstBadOffset >= event.bytesChecked) throw new FieldError(`"first_bad_offset" is outside the bytes checked`);
    if (mismatch.expected === mismatch.found) throw new FieldError(`"expected" and "found" are equal at the first bad byte`);
    if (event.kind === 'addr') mismatch.foundLooksLikeOffset = f.u64('found_looks_like_offset');
    event.mismatch = mismatch;
  } else if (f.has('first_bad_offset')) {
    throw new FieldError('"bad_bytes" is 0 but "first_bad_offset" is present');
  }
  return event;
}

/** How each event luo-agent prints is decoded; "json_truncated" is its note that it had to drop a line. */
const decoders: EventDecoders<Fields, LuoAgentEvent> & { json_truncated: () => never } = {
  probe: parseProbe,
  preserved: (f) => ({
    event: 'preserved',
    session: f.session('session'),
    token: f.u64('token'),
    kind: f.oneOf('kind', patternKinds),
    seed: f.u64('seed'),
    size: f.count('size'),
    seals: f.seals('seals'),
    position: f.count('position'),
    fillMs: f.count('fill_ms'),
  }),
  closed: (f) => ({ event: 'closed', session: f.session('session') }),
  finished: (f) => ({ event: 'finished', session: f.session('session') }),
  ready: (f) => ({
    event: 'ready',
    pid: f.count('pid'),
    sessions: f.strings('sessions', /^.{1,63}$/su, 'an array of session names'),
    log: f.string('log'),
  }),
  holding: (f) => ({ event: 'holding', pid: f.count('pid') }),
  verified: parseVerified,
  retrieve: (f) => {
    const ok = f.boolean('ok');
    const errno = f.errno('errno');
    if (ok !== (errno === null)) throw new FieldError(`"ok" is ${ok} but "errno" is ${JSON.stringify(errno)}`);
    return { event: 'retrieve', session: f.session('session'), ok, errno };
  },
  error: (f) => ({
    event: 'error',
    op: f.string('op'),
    session: f.nullableString('session'),
    token: f.nullableU64('token'),
    errno: f.errno('errno'),
    message: f.string('message'),
  }),
  json_truncated: () => {
    throw new FieldError('luo-agent had to drop a line longer than its JSON buffer');
  },
};

/** How to read luo-agent's JSON lines. */
const format = jsonLinesFormat<Fields, LuoAgentEvent>('luo-agent', Fields, decoders);

/** Parse one line of luo-agent output; `lineNumber` (1-based) only improves the error message. */
export function parseLuoAgentLine(line: string, lineNumber?: number): LuoAgentEvent {
  return parseJsonLine(line, format, lineNumber);
}

/** Parse the whole stdout of one luo-agent run (blank lines ignored, a trailing newline is fine). */
export function parseLuoAgentLines(stdout: string): LuoAgentEvent[] {
  return parseJsonLines(stdout, format);
}

/** The events of one kind, typed. */
export function luoEventsNamed<N extends LuoAgentEventName>(
  events: readonly LuoAgentEvent[],
  name: N,
): Extract<LuoAgentEvent, { event: N }>[] {
  return pickEvents(events, name);
}

/** "op (session, token): errno message" for each error event, for failure messages. */
export function describeLuoErrors(events: readonly LuoAgentEvent[]): string[] {
  return luoEventsNamed(events, 'error').map((error) => {
    const where = [error.session, error.token === null ? null : `token ${error.token}`].filter((part) => part !== null);
    return `${error.op}${where.length ? ` (${where.join(', ')})` : ''}: ${error.errno ?? ''} ${error.message}`.replace(/\s+/g, ' ');
  });
}

/** Exactly one event of a kind, or a GuestError saying how many there were and which errors came with them. */
export function onlyLuoEventNamed<N extends LuoAgentEventName>(
  events: readonly LuoAgentEvent[],
  name: N,
): Extract<LuoAgentEvent, { event: N }> {
  return pickOnlyEvent(events, name, 'luo-agent', describeLuoErrors);
}
