// The matrix of kernel pairs as data: its kernels with their compatible strings, and every pair with its outcome.
import type { UpdateVerdict } from '../checks/update-outcome.ts';
import type { Shard } from '../config/options.ts';

export interface MatrixKernel {
  /** As Debian names its source: 7.2. */
  readonly version: string;
  readonly release: string;
  readonly identity: string;
  /** The KHO ABI compatible strings its source declares, by macro. */
  readonly compatibles: Readonly<Record<string, string>>;
}

export interface MatrixPair extends UpdateVerdict {
  /** "7.2-to-7.3". */
  readonly name: string;
  readonly from: string;
  readonly to: string;
  readonly wallMs: number;
  /** The pair's run folder and report, relative to the matrix folder. */
  readonly runDir: string;
  readonly report: string;
}

/** A matrix folder's summary.json. */
export interface MatrixSummary {
  readonly kind: 'matrix';
  readonly runId: string;
  readonly finishedAt: string;
  readonly shard?: Shard;
  readonly expect?: string;
  readonly kernels: readonly MatrixKernel[];
  readonly scenarios: readonly string[];
  readonly pairs: readonly MatrixPair[];
}

/** Every ordered pair of the versions, same-version pairs included, in the versions' order. */
export function orderedPairs(versions: readonly string[]): [string, string][] {
  return versions.flatMap((from) => versions.map((to): [string, string] => [from, to]));
}

/** Part `shard.index` of `shard.count` of the pairs: every count-th pair, the same split on every machine. */
export function shardPairs<T>(pairs: readonly T[], shard: Shard | undefined): T[] {
  return shard ? pairs.filter((_, index) => index % shard.count === shard.index - 1) : [...pairs];
}

export function pairName([from, to]: readonly [string, string]): string {
  return `${from}-to-${to}`;
}
