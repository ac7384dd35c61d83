// The memfd/DMA test pattern of images/guest/pattern.c, mirrored byte for byte (test/unit/pattern.test.ts checks it).
//
// A pattern is (kind, seed, size): a sequence of little-endian u64 words, word i at byte offset 8*i.
//   prng:    splitmix64 finaliser of (seed + (i+1) * 0x9E3779B97F4A7C15)
//   walking: 1 << ((i + seed) mod 64)
//   addr:    (8*i) XOR seed, so a misplaced word tells where it came from
// All arithmetic is mod 2^64. Sizes are bytes, a multiple of 8.

import { BadInputError } from '../errors.ts';

export type PatternKind = 'prng' | 'walking' | 'addr';

export const patternKinds: readonly PatternKind[] = ['prng', 'walking', 'addr'];

const u64Mask = (1n << 64n) - 1n;
const goldenGamma = 0x9e3779b97f4a7c15n;

/** True for the three kind names luo-agent accepts. */
export function isPatternKind(value: unknown): value is PatternKind {
  return typeof value === 'string' && (patternKinds as readonly string[]).includes(value);
}

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

function checkSize(size: number): void {
  if (!Number.isSafeInteger(size) || size < 0 || size % 8 !== 0) {
    throw new BadInputError(`pattern size must be a non-negative multiple of 8 bytes, got ${size}`);
  }
}

/** The pattern's first `size` bytes (a multiple of 8). */
export function fillPattern(kind: PatternKind, seed: bigint, size: number): Buffer {
  checkSize(size);
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
  /** addr only, when !ok: the found word XOR seed, i.e. the offset that word belongs at. */
  foundLooksLikeOffset?: bigint;
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
        const foundWord = Buffer.from(buffer.buffer, buffer.byteOffset + wordOffset, 8).readBigUInt64LE(0);
        result.foundLooksLikeOffset = foundWord ^ (seed & u64Mask);
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

/** The shortest exact spelling of a size for a spec: 268435456 -> "256M". */
export function formatSize(size: number): string {
  checkSize(size);
  for (const [suffix, unit] of [['G', 2 ** 30], ['M', 2 ** 20], ['K', 2 ** 10]] as const) {
    if (size >= unit && size % unit === 0) return `${size / unit}${suffix}`;
  }
  return String(size);
}

/** One memfd of a session: the TOKEN:KIND:SEED:SIZE of a luo-agent spec. */
export interface MemfdEntry {
  token: bigint;
  kind: PatternKind;
  seed: bigint;
  size: number;
}

/** A parsed SESSION=TOKEN:KIND:SEED:SIZE[,...] spec. */
export interface MemfdSpec {
  session: string;
  entries: MemfdEntry[];
}

/** LUO's session name limit: 64 bytes including the terminating NUL. */
const maxSessionNameBytes = 63;

function checkSessionName(session: string): void {
  const bytes = Buffer.byteLength(session);
  if (bytes === 0 || bytes > maxSessionNameBytes || /[=\0]/.test(session) || session.startsWith('--')) {
    throw new BadInputError(
      `session name must be 1..${maxSessionNameBytes} bytes without "=" or NUL and not start with "--", got ${JSON.stringify(session)}`,
    );
  }
}

/** The luo-agent command-line spec for one session, e.g. "alpha=1:prng:42:256M,2:addr:7:4K". */
export function formatMemfdSpec(session: string, entries: readonly MemfdEntry[]): string {
  checkSessionName(session);
  if (entries.length === 0) throw new BadInputError(`session ${JSON.stringify(session)} needs at least one memfd`);
  const parts = entries.map(({ token, kind, seed, size }) => {
    if (token < 0n || token > u64Mask) throw new BadInputError(`token ${token} does not fit in 64 bits`);
    if (seed < 0n || seed > u64Mask) throw new BadInputError(`seed ${seed} does not fit in 64 bits`);
    if (!isPatternKind(kind)) throw new BadInputError(`unknown pattern kind ${JSON.stringify(kind)}`);
    return `${token}:${kind}:${seed}:${formatSize(size)}`;
  });
  return `${session}=${parts.join(',')}`;
}

/** Parse a spec as luo-agent does (inverse of formatMemfdSpec). */
export function parseMemfdSpec(spec: string): MemfdSpec {
  const equals = spec.indexOf('=');
  if (equals < 0) throw new BadInputError(`spec ${JSON.stringify(spec)} has no "=": want SESSION=TOKEN:KIND:SEED:SIZE`);
  const session = spec.slice(0, equals);
  checkSessionName(session);
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
  return { session, entries };
}
