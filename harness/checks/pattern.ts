// The memfd specs the harness hands to luo-agent: pattern kinds (images/guest/pattern.h), sizes, SESSION=TOKEN:KIND:SEED:SIZE.
// The pattern itself is generated and checked in the guest; its TypeScript mirror is a test oracle (test/support/pattern-oracle.ts).

import { BadInputError } from '../errors.ts';

export type PatternKind = 'prng' | 'walking' | 'addr';

export const patternKinds: readonly PatternKind[] = ['prng', 'walking', 'addr'];

const u64Mask = (1n << 64n) - 1n;

/** True for the three kind names luo-agent accepts. */
export function isPatternKind(value: unknown): value is PatternKind {
  return typeof value === 'string' && (patternKinds as readonly string[]).includes(value);
}

function checkSize(size: number): void {
  if (!Number.isSafeInteger(size) || size < 0 || size % 8 !== 0) {
    throw new BadInputError(`pattern size must be a non-negative multiple of 8 bytes, got ${size}`);
  }
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
