// SHARD=i/n: a deterministic, duration-balanced split of the selected scenarios. Every shard computes the same
// split from the same inputs (the selection and the durations recorded in the repository), so the shards of one
// CI matrix are disjoint and together run the whole selection. JOBS= starts scenarios in the same longest-first order.
import type { Shard } from '../config/options.ts';
import { recordedDurationsMs } from './recorded-durations.ts';

/**
 * The selection, longest recorded duration first (ties by name): the order that shards balance and JOBS= starts
 * scenarios in, so the longest does not start last and leave the other slots idle.
 */
export function longestFirst<T extends { readonly name: string }>(selected: readonly T[], durations: Readonly<Record<string, number>> = recordedDurationsMs): T[] {
  const weight = weightOf(durations);
  return [...selected].sort((a, b) => weight(b.name) - weight(a.name) || a.name.localeCompare(b.name));
}

/** A scenario without a recorded duration weighs as much as the slowest known one: better over- than under-balanced. */
function weightOf(durations: Readonly<Record<string, number>>): (name: string) => number {
  const known = Object.values(durations);
  const fallback = known.length > 0 ? Math.max(...known) : 1;
  return (name) => durations[name] ?? fallback;
}

/** The scenarios of shard `shard.index` of `shard.count`, in selection order. */
export function shardOf<T extends { readonly name: string }>(
  selected: readonly T[],
  shard: Shard,
  durations: Readonly<Record<string, number>> = recordedDurationsMs,
): T[] {
  const weight = weightOf(durations);
  // Longest first onto the least loaded shard (ties: lower shard, then name), the classic greedy balance.
  const order = longestFirst(selected, durations);
  const loads = Array.from({ length: shard.count }, () => 0);
  const assigned = new Map<string, number>();
  for (const scenario of order) {
    const target = loads.indexOf(Math.min(...loads));
    loads[target] = (loads[target] ?? 0) + weight(scenario.name);
    assigned.set(scenario.name, target + 1);
  }
  return selected.filter((scenario) => assigned.get(scenario.name) === shard.index);
}
