// Typed, validating parser for the JSON lines printed by the guest helper luo-agent (images/guest/luo-agent.c).

import { patternKinds, type PatternKind } from '../checks/pattern.ts';
import { decodeError, decodePatternCheck, decodeVerdict, HelperFields, type PatternCheck, type Verdict } from './helper-protocol.ts';
import { FieldError, jsonLinesFormat, parseJsonLine, parseJsonLines, type EventDecoders, type HelperErrorEvent } from '../formats/json-lines.ts';

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

/** One retrieved memfd checked after kexec: size, seals, position, every byte; luo-agent's verdict and its problems. */
export interface LuoVerifiedEvent extends Verdict, PatternCheck {
  event: 'verified';
  session: string;
  token: bigint;
  kind: PatternKind;
  seed: bigint;
  /** Expected size (from the spec) and the size fstat found. */
  size: number;
  sizeFound: number;
  seals: string[];
  sealsExpected: string[];
  position: number;
  verifyMs: number;
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

/** `luo-agent uapi`: one misuse of the uAPI, the errno kernel/liveupdate documents for it and what the kernel answered. */
export interface LuoUapiEvent extends Verdict {
  event: 'uapi';
  case: string;
  /** null: the call must succeed. */
  expected: string | null;
  errno: string | null;
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
  | LuoUapiEvent
  | HelperErrorEvent;

export type LuoAgentEventName = LuoAgentEvent['event'];

const sealPattern = /^(seal|shrink|grow|write|future_write|exec|0x[0-9a-f]+)$/;

/** luo-agent's own field kinds on top of the shared ones. */
class Fields extends HelperFields {
  /** A session name, 1..63 bytes. */
  session(key: string): string {
    const value = this.string(key);
    const bytes = Buffer.byteLength(value);
    return bytes >= 1 && bytes <= 63 ? value : this.wrong(key, 'a session name of 1..63 bytes');
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
  const kind = f.oneOf('kind', patternKinds);
  const size = f.count('size');
  const sizeFound = f.count('size_found');
  const check = decodePatternCheck(f, kind);
  if (check.bytesChecked > Math.min(size, sizeFound)) throw new FieldError(`"bytes_checked" ${check.bytesChecked} exceeds the size`);
  if (check.badBytes > check.bytesChecked) throw new FieldError(`"bad_bytes" ${check.badBytes} exceeds "bytes_checked"`);
  return {
    event: 'verified',
    session: f.session('session'),
    token: f.u64('token'),
    kind,
    seed: f.u64('seed'),
    size,
    sizeFound,
    seals: f.seals('seals'),
    sealsExpected: f.seals('seals_expected'),
    position: f.count('position'),
    ...check,
    verifyMs: f.count('verify_ms'),
    ...decodeVerdict(f),
  };
}

/** How each event luo-agent prints is decoded. */
const decoders: EventDecoders<Fields, LuoAgentEvent> = {
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
  uapi: (f) => ({
    event: 'uapi',
    case: f.string('case'),
    expected: f.errno('expected'),
    errno: f.errno('errno'),
    ...decodeVerdict(f),
  }),
  error: decodeError,
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
