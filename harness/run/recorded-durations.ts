// Wall time of each scenario in one recorded run (summary.json durationMs, TCG on the 2-core machine): the weights
// SHARD= balances with. They live in the repository, not in local results, so every CI shard splits alike.
// Refresh them from a full run's summary.json when scenarios change much.
export const recordedDurationsMs: Readonly<Record<string, number>> = {
  boot: 12_000,
  kexec: 15_000,
  'luo-memfd': 20_000,
  'luo-chain': 30_000,
  'luo-negative': 30_000,
  'vfio-edu': 25_000,
  'pci-config': 15_000,
};
