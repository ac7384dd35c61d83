// Reading the JSON lines a guest helper prints: typed fields of one event, a whole stdout into events, every record
// of a saved file for the report, and picking events by name.

import { GuestError } from '../errors.ts';

/** A field that is missing or has the wrong shape; parseJsonLine turns it into a GuestError naming the line. */
export class FieldError extends Error {}

/** What every helper's events have in common: the "event" name. */
export interface NamedEvent {
  event: string;
}

/** A helper's failed syscall, failed check or bad usage (op "usage"): one shape for every helper (images/guest/helper.h). */
export interface HelperErrorEvent {
  event: 'error';
  op: string;
  /** "EBUSY"; "EUNKNOWN" for a number without a name; null for a failed check or bad usage. */
  errno: string | null;
  message: string;
}

/** "op: message (ERRNO)" for each error event, for failure messages. */
export function describeErrors(events: readonly NamedEvent[]): string[] {
  return events
    .filter((event): event is HelperErrorEvent => event.event === 'error')
    .map((error) => `${error.op}: ${error.message}${error.errno === null ? '' : ` (${error.errno})`}`);
}

const u64Pattern = /^(0x[0-9a-f]{1,16}|[0-9]{1,20})$/;

/** Reads typed fields out of one decoded JSON object; a helper's own field kinds go in a subclass. */
export class JsonFields {
  constructor(private readonly object: Record<string, unknown>) {}

  /** The value of `key`, or a FieldError if it is missing. */
  protected raw(key: string): unknown {
    if (!(key in this.object)) throw new FieldError(`missing field "${key}"`);
    return this.object[key];
  }

  /** Throws a FieldError saying `key` must be `wanted` and what it is instead. */
  protected wrong(key: string, wanted: string): never {
    throw new FieldError(`field "${key}" must be ${wanted}, got ${JSON.stringify(this.object[key])}`);
  }

  /** Whether `key` is present at all (for fields printed only in some cases). */
  has(key: string): boolean {
    return key in this.object;
  }

  /** A JSON string. */
  string(key: string): string {
    const value = this.raw(key);
    return typeof value === 'string' ? value : this.wrong(key, 'a string');
  }

  /** A JSON string or null. */
  nullableString(key: string): string | null {
    const value = this.raw(key);
    return value === null || typeof value === 'string' ? value : this.wrong(key, 'a string or null');
  }

  /** One of the strings in `allowed`. */
  oneOf<T extends string>(key: string, allowed: readonly T[]): T {
    const value = this.raw(key);
    return allowed.includes(value as T) ? (value as T) : this.wrong(key, `one of ${allowed.join(', ')}`);
  }

  /** An array of strings that each match `pattern`; `wanted` describes it in the error. */
  strings(key: string, pattern: RegExp, wanted: string): string[] {
    const value = this.raw(key);
    if (!Array.isArray(value) || !value.every((item) => typeof item === 'string' && pattern.test(item))) {
      return this.wrong(key, wanted);
    }
    return value as string[];
  }

  /** true or false. */
  boolean(key: string): boolean {
    const value = this.raw(key);
    return typeof value === 'boolean' ? value : this.wrong(key, 'true or false');
  }

  /** true, false or null. */
  nullableBoolean(key: string): boolean | null {
    return this.raw(key) === null ? null : this.boolean(key);
  }

  /** A non-negative integer JSON number (the helpers print numbers only below 2^53). */
  count(key: string): number {
    const value = this.raw(key);
    return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : this.wrong(key, 'a non-negative integer');
  }

  /** A non-negative integer or null. */
  nullableCount(key: string): number | null {
    return this.raw(key) === null ? null : this.count(key);
  }

  /** An array of non-negative integer JSON numbers. */
  counts(key: string): number[] {
    const value = this.raw(key);
    if (!Array.isArray(value) || !value.every((item) => typeof item === 'number' && Number.isSafeInteger(item) && item >= 0)) {
      return this.wrong(key, 'an array of non-negative integers');
    }
    return value as number[];
  }

  /** A 64-bit value printed as a string, decimal or "0x..." hex. */
  u64(key: string): bigint {
    const value = this.raw(key);
    if (typeof value !== 'string' || !u64Pattern.test(value)) return this.wrong(key, 'a u64 string ("42" or "0x2a")');
    const parsed = BigInt(value);
    return parsed < 1n << 64n ? parsed : this.wrong(key, 'below 2^64');
  }

  /** A u64 string or null. */
  nullableU64(key: string): bigint | null {
    return this.raw(key) === null ? null : this.u64(key);
  }
}

/** A decoder for every event name a helper prints, each returning that event's own type (so none can be forgotten). */
export type EventDecoders<F extends JsonFields, E extends NamedEvent> = {
  [N in E['event']]: (fields: F) => Extract<E, { event: N }>;
};

/** How one helper's output decodes: its name for error messages, and a decoded JSON object to its event (throws FieldError). */
export interface JsonLinesFormat<E> {
  helper: string;
  decode: (object: Record<string, unknown>) => E;
}

/** The format of `helper`'s output: fields read with `fieldsClass`, the "event" name picks the decoder, no decoder is an unknown event. */
export function jsonLinesFormat<F extends JsonFields, E>(
  helper: string,
  fieldsClass: new (object: Record<string, unknown>) => F,
  decoders: Readonly<Record<string, (fields: F) => E>>,
): JsonLinesFormat<E> {
  const decode = (object: Record<string, unknown>): E => {
    const fields = new fieldsClass(object);
    const name = fields.string('event');
    // json.h's note that a line did not fit its buffer: the line's content is lost.
    if (name === 'json_truncated') throw new FieldError(`${helper} had to drop a line longer than its JSON buffer`);
    const decoder = Object.hasOwn(decoders, name) ? decoders[name] : undefined;
    if (decoder === undefined) throw new FieldError(`unknown event ${JSON.stringify(name)}`);
    return decoder(fields);
  };
  return { helper, decode };
}

/** Shorten a line for an error message. */
function excerpt(line: string): string {
  return line.length > 200 ? `${line.slice(0, 200)}... (${line.length} characters)` : line;
}

/** One line as a JSON object, or why it is not one ("not JSON (...)", "not a JSON object"). */
function jsonObject(line: string): { object: Record<string, unknown> } | { why: string } {
  let decoded: unknown;
  try {
    decoded = JSON.parse(line);
  } catch (error) {
    return { why: `not JSON (${(error as Error).message})` };
  }
  if (typeof decoded !== 'object' || decoded === null || Array.isArray(decoded)) return { why: 'not a JSON object' };
  return { object: decoded as Record<string, unknown> };
}

/** Decode one line of output in `format`; bad JSON or a FieldError becomes a GuestError naming the line (1-based `lineNumber`). */
export function parseJsonLine<E>(line: string, format: JsonLinesFormat<E>, lineNumber?: number): E {
  const where = lineNumber === undefined ? `${format.helper} output line` : `${format.helper} output line ${lineNumber}`;
  const decoded = jsonObject(line);
  if ('why' in decoded) throw new GuestError(`${where} is ${decoded.why}: ${excerpt(line)}`);
  try {
    return format.decode(decoded.object);
  } catch (error) {
    if (error instanceof FieldError) throw new GuestError(`${where} is malformed: ${error.message}: ${excerpt(line)}`);
    throw error;
  }
}

/** Decode every line of one helper run's stdout in `format` (blank lines ignored, a trailing newline is fine), numbering lines in errors. */
export function parseJsonLines<E>(stdout: string, format: JsonLinesFormat<E>): E[] {
  const events: E[] = [];
  stdout.split('\n').forEach((line, index) => {
    const trimmed = line.trim();
    if (trimmed) events.push(parseJsonLine(trimmed, format, index + 1));
  });
  return events;
}

/** A line of a JSON-lines file that is no record: its 1-based number, an excerpt of it, and why. */
export interface UnreadableJsonLine {
  readonly line: number;
  readonly text: string;
  readonly why: string;
}

/**
 * Every record of a helper's JSON-lines file, whichever helper wrote it (for the report, which shows them all): each
 * non-empty line must be a JSON object with a string "event"; the lines that are not are returned, not dropped.
 */
export function readEventRecords(content: string): { records: (NamedEvent & Record<string, unknown>)[]; unreadable: UnreadableJsonLine[] } {
  return readJsonLines(content, (object) => {
    if (typeof object.event !== 'string') throw new FieldError('no string "event" field');
    return object as NamedEvent & Record<string, unknown>;
  });
}

/**
 * Every non-empty line as a JSON object decoded by `decode` (which throws a FieldError saying what is wrong); the lines
 * that are not JSON objects, or that `decode` refuses, are kept as unreadable with their number and why.
 */
export function readJsonLines<T>(content: string, decode: (object: Record<string, unknown>) => T): { records: T[]; unreadable: UnreadableJsonLine[] } {
  const records: T[] = [];
  const unreadable: UnreadableJsonLine[] = [];
  content.split('\n').forEach((line, index) => {
    const trimmed = line.trim();
    if (!trimmed) return;
    const decoded = jsonObject(trimmed);
    try {
      if ('why' in decoded) throw new FieldError(decoded.why);
      records.push(decode(decoded.object));
    } catch (error) {
      if (!(error instanceof FieldError)) throw error;
      unreadable.push({ line: index + 1, text: excerpt(trimmed), why: error.message });
    }
  });
  return { records, unreadable };
}

/** The events of one kind, typed. */
export function pickEvents<E extends NamedEvent, N extends E['event']>(events: readonly E[], name: N): Extract<E, { event: N }>[] {
  return events.filter((event): event is Extract<E, { event: N }> => event.event === name);
}

/** Exactly one event of a kind, or a GuestError saying how many `helper` printed and which errors came with them. */
export function pickOnlyEvent<E extends NamedEvent, N extends E['event']>(events: readonly E[], name: N, helper: string): Extract<E, { event: N }> {
  const found = pickEvents(events, name);
  const [first] = found;
  if (found.length !== 1 || !first) {
    const errors = describeErrors(events);
    throw new GuestError(`expected one ${helper} "${name}" event, got ${found.length}${errors.length ? ` (errors: ${errors.join('; ')})` : ''}`);
  }
  return first;
}
