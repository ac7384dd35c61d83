// Test oracles for the memfd/DMA pattern of images/guest/pattern.c, mirrored byte for byte in TypeScript
// (test/unit/pattern.test.ts checks that the two agree), and the inverse of the harness's spec formatting.
//
// A pattern is (kind, seed, size): a sequence of little-endian u64 words, word i at byte offset 8*i.
//   prng:    splitmix64 finaliser of (seed + (i+1) * 0x9E3779B97F4A7C15)
//   walking: 1 << ((i + seed) mod 64)
//   addr:    (8*i) XOR seed, so a misplaced word tells where it came from
// All arithmetic is mod 2^64. Sizes are bytes, a multiple of 8.

import { formatMemfdSpec, isPatternKind, type MemfdSpec, type PatternKind } from '../../harness/checks/pattern.ts';
import { BadInputError } from '../../harness/errors.ts';

const u64Mask = (1n << 64n) - 1n;
const goldenGamma = 0x9e3779b97f4a7c15n;

/** The splitmix64 output finaliser, mod 2^64. */
function splitmix64Mix(value: bigint): bigint {
  let z = value & u64Mask;
  z ^= z >> 30n;
  z = (z * 0xbf58476d1ce4e5b9n) & u64Mask;
  z ^= z >> 27n;
  z = (z * 0x94d049bb133111ebn) & u64Mask;
  z ^= z >> 31n;
  return z;
}

/** Word `index` of the pattern (a value below 2^64). */
export function patternWord(kind: PatternKind, seed: bigint, index: bigint): bigint {
  const s = seed & u64Mask;
  const i = index & u64Mask;
  switch (kind) {
    case 'prng':
      return splitmix64Mix(s + (i + 1n) * goldenGamma);
    case 'walking':
      return 1n << ((i + s) & 63n);
    case 'addr':
      return ((i * 8n) & u64Mask) ^ s;
  }
}

/** The pattern's first `size` bytes (a multiple of 8). */
export function fillPattern(kind: PatternKind, seed: bigint, size: number): Buffer {
  if (!Number.isSafeInteger(size) || size < 0 || size % 8 !== 0) throw new BadInputError(`pattern size must be a multiple of 8, got ${size}`);
  const buffer = Buffer.alloc(size);
  for (let offset = 0; offset < size; offset += 8) {
    buffer.writeBigUInt64LE(patternWord(kind, seed, BigInt(offset / 8)), offset);
  }
  return buffer;
}

/** What verifyPattern found: as luo-agent's "verified" line reports it. */
export interface PatternVerification {
  ok: boolean;
  bytesChecked: number;
  /** Number of bytes that differ from the pattern. */
  badBytes: number;
  /** The first differing byte, when !ok. */
  firstBadOffset?: number;
  expected?: number;
  found?: number;
  /** addr only, when !ok and the found word is the tag of an 8-aligned offset inside the buffer: that offset. */
  foundTagOf?: bigint;
}

/** Compare `buffer` (its length rounded down to 8) with the pattern, byte by byte. */
export function verifyPattern(kind: PatternKind, seed: bigint, buffer: Uint8Array): PatternVerification {
  const bytesChecked = buffer.length - (buffer.length % 8);
  const expectedBytes = fillPattern(kind, seed, bytesChecked);
  const result: PatternVerification = { ok: true, bytesChecked, badBytes: 0 };
  for (let offset = 0; offset < bytesChecked; offset++) {
    const expected = expectedBytes[offset];
    const found = buffer[offset];
    if (expected === found || expected === undefined || found === undefined) continue;
    if (result.ok) {
      result.ok = false;
      result.firstBadOffset = offset;
      result.expected = expected;
      result.found = found;
      if (kind === 'addr') {
        const wordOffset = offset - (offset % 8);
        const tagOf = Buffer.from(buffer.buffer, buffer.byteOffset + wordOffset, 8).readBigUInt64LE(0) ^ (seed & u64Mask);
        if (tagOf < BigInt(bytesChecked) && tagOf % 8n === 0n) result.foundTagOf = tagOf;
      }
    }
    result.badBytes++;
  }
  return result;
}

const sizeUnits: Record<string, number> = { k: 2 ** 10, m: 2 ** 20, g: 2 ** 30 };

/** A u64 in decimal or 0x-hex, whole string (luo-agent's TOKEN and SEED syntax). */
export function parseU64(text: string): bigint {
  if (!/^(0[xX][0-9a-fA-F]+|[0-9]+)$/.test(text)) {
    throw new BadInputError(`expected a decimal or 0x-hex number, got ${JSON.stringify(text)}`);
  }
  const value = BigInt(text);
  if (value > u64Mask) throw new BadInputError(`${JSON.stringify(text)} does not fit in 64 bits`);
  return value;
}

/** A byte count like luo-agent's SIZE: decimal or 0x-hex, optional K/M/G (powers of 1024), multiple of 8. */
export function parseSize(text: string): number {
  const unit = sizeUnits[text.slice(-1).toLowerCase()];
  const number = unit === undefined ? text : text.slice(0, -1);
  let value: bigint;
  try {
    value = parseU64(number) * BigInt(unit ?? 1);
  } catch {
    throw new BadInputError(`size must be a number with an optional K, M or G suffix, got ${JSON.stringify(text)}`);
  }
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new BadInputError(`size ${JSON.stringify(text)} is too large`);
  const size = Number(value);
  if (size % 8 !== 0) throw new BadInputError(`size must be a multiple of 8 bytes, got ${JSON.stringify(text)} (${size})`);
  return size;
}

/** Parse a spec as luo-agent does (inverse of formatMemfdSpec). */
export function parseMemfdSpec(spec: string): MemfdSpec {
  const equals = spec.indexOf('=');
  if (equals < 0) throw new BadInputError(`spec ${JSON.stringify(spec)} has no "=": want SESSION=TOKEN:KIND:SEED:SIZE`);
  const session = spec.slice(0, equals);
  const entries = spec
    .slice(equals + 1)
    .split(',')
    .map((entry) => {
      const fields = entry.split(':');
      const [token, kind, seed, size] = fields;
      if (fields.length !== 4 || token === undefined || kind === undefined || seed === undefined || size === undefined) {
        throw new BadInputError(`entry ${JSON.stringify(entry)} in ${JSON.stringify(spec)}: want TOKEN:KIND:SEED:SIZE`);
      }
      if (!isPatternKind(kind)) throw new BadInputError(`unknown pattern kind ${JSON.stringify(kind)} in ${JSON.stringify(spec)}`);
      return { token: parseU64(token), kind, seed: parseU64(seed), size: parseSize(size) };
    });
  // Formatting checks the session name and every value as luo-agent would.
  formatMemfdSpec(session, entries);
  return { session, entries };
}
