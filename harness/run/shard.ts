// SHARD=i/n: a deterministic, duration-balanced split of the selected scenarios. Every shard computes the same
// split from the same inputs (the selection and the durations recorded in the repository), so the shards of one
// CI matrix are disjoint and together run the whole selection.
import type { Shard } from '../config/options.ts';
import { recordedDurationsMs } from './recorded-durations.ts';

/** The scenarios of shard `shard.index` of `shard.count`, in selection order. */
export function shardOf<T extends { readonly name: string }>(
  selected: readonly T[],
  shard: Shard,
  durations: Readonly<Record<string, number>> = recordedDurationsMs,
): T[] {
  const known = Object.values(durations);
  // A scenario without a recorded duration weighs as much as the slowest known one: better over- than under-balanced.
  const fallback = known.length > 0 ? Math.max(...known) : 1;
  const weight = (name: string) => durations[name] ?? fallback;
  // Longest first onto the least loaded shard (ties: lower shard, then name), the classic greedy balance.
  const order = [...selected].sort((a, b) => weight(b.name) - weight(a.name) || a.name.localeCompare(b.name));
  const loads = Array.from({ length: shard.count }, () => 0);
  const assigned = new Map<string, number>();
  for (const scenario of order) {
    const target = loads.indexOf(Math.min(...loads));
    loads[target] = (loads[target] ?? 0) + weight(scenario.name);
    assigned.set(scenario.name, target + 1);
  }
  return selected.filter((scenario) => assigned.get(scenario.name) === shard.index);
}
