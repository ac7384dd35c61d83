// How many scenarios run at once (JOBS=), and the pool that runs them.
import { availableParallelism } from 'node:os';
import type { Options } from '../config/options.ts';

/**
 * Scenarios at once when JOBS is not given: one per core (each guest is `-smp 1`), at most 4 so a big runner does not
 * start nine 2 GiB guests, and one with KEEP=1 (a kept guest waits for the person at the terminal).
 */
export function defaultJobs(options: Pick<Options, 'keep'>, cores = availableParallelism()): number {
  return options.keep ? 1 : Math.max(1, Math.min(cores, 4));
}

/**
 * Run `work` over `items`, at most `jobs` at a time, starting them in order; results keep the items' order. After
 * `cancel` nothing new starts, and only what started is returned.
 */
export async function runPool<I, R>(items: readonly I[], jobs: number, cancel: AbortSignal, work: (item: I) => Promise<R>): Promise<R[]> {
  const results: (R | undefined)[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length && !cancel.aborted) {
      const index = next++;
      results[index] = await work(items[index] as I);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, jobs) }, worker));
  return results.filter((result): result is R => result !== undefined);
}
