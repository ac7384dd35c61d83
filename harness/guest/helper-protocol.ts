// The parts of the guest helpers' output that both share (images/guest/helper.h): errno names, the error event,
// verdicts with their problems, pattern checks. The helper decides a verdict; here it is only checked for shape.

import type { PatternKind } from '../checks/pattern.ts';
import { FieldError, JsonFields, type HelperErrorEvent } from '../formats/json-lines.ts';

const errnoPattern = /^E[A-Z0-9]+$/;
const byteHexPattern = /^0x[0-9a-f]{2}$/;

/** Field kinds every helper prints, on top of the JSON-lines ones. */
export class HelperFields extends JsonFields {
  /** An errno name ("EBUSY", "EUNKNOWN") or null. */
  errno(key: string): string | null {
    const value = this.nullableString(key);
    return value === null || errnoPattern.test(value) ? value : this.wrong(key, 'an errno name like "EBUSY" or null');
  }

  /** One byte printed as "0x3a". */
  byte(key: string): number {
    const value = this.raw(key);
    return typeof value === 'string' && byteHexPattern.test(value) ? Number(value) : this.wrong(key, 'a byte as "0x3a"');
  }

  /** An array of strings, each non-empty. */
  texts(key: string): string[] {
    return this.strings(key, /./u, 'an array of non-empty strings');
  }
}

/** The "error" event, the same from every helper. */
export function decodeError(f: HelperFields): HelperErrorEvent {
  return { event: 'error', op: f.string('op'), errno: f.errno('errno'), message: f.string('message') };
}

/** A helper's verdict on one thing: ok exactly when it found no problems, each said in words. */
export interface Verdict {
  problems: string[];
  ok: boolean;
}

export function decodeVerdict(f: HelperFields): Verdict {
  const problems = f.texts('problems');
  const ok = f.boolean('ok');
  if (ok !== (problems.length === 0)) throw new FieldError(`"ok" is ${ok} with ${problems.length} problems`);
  return { problems, ok };
}

/** Where a pattern check first differed. */
export interface PatternMismatch {
  firstBadOffset: number;
  expected: number;
  found: number;
  /** addr only, and only when the found word is the address tag of another offset of the same buffer: that offset. */
  foundTagOf?: bigint;
}

/** A pattern compared byte for byte: how many bytes, how many differ, where the first one is. */
export interface PatternCheck {
  bytesChecked: number;
  badBytes: number;
  mismatch?: PatternMismatch;
}

/** The pattern check fields of an event about `kind`; a first bad offset must lie below `limit` (the bytes checked unless given). */
export function decodePatternCheck(f: HelperFields, kind: PatternKind, limit?: number): PatternCheck {
  const check: PatternCheck = { bytesChecked: f.count('bytes_checked'), badBytes: f.count('bad_bytes') };
  limit ??= check.bytesChecked;
  if (check.badBytes === 0) {
    if (f.has('first_bad_offset')) throw new FieldError('"bad_bytes" is 0 but "first_bad_offset" is present');
    return check;
  }
  const mismatch: PatternMismatch = { firstBadOffset: f.count('first_bad_offset'), expected: f.byte('expected'), found: f.byte('found') };
  if (mismatch.firstBadOffset >= limit) throw new FieldError(`"first_bad_offset" ${mismatch.firstBadOffset} is not below ${limit}`);
  if (mismatch.expected === mismatch.found) throw new FieldError('"expected" and "found" are equal at the first bad byte');
  if (f.has('found_tag_of')) {
    if (kind !== 'addr') throw new FieldError(`"found_tag_of" for a ${kind} pattern, which has no address tags`);
    mismatch.foundTagOf = f.u64('found_tag_of');
  }
  check.mismatch = mismatch;
  return check;
}
