// Wall time of each scenario in one recorded run (summary.json durationMs of run 20261201T031055Z, TCG, 2 cores): the weights
// SHARD= balances with. They live in the repository, not in local results, so every CI shard splits alike.
// Refresh them from a full run's summary.json when scenarios change much.
export const recordedDurationsMs: Readonly<Record<string, number>> = {
  boot: 7_900,
  kexec: 23_400,
  'luo-memfd': 20_700,
  'luo-chain': 21_000,
  'luo-negative': 43_000,
  'vfio-edu': 32_200,
  'pci-config': 7_400,
  // Added from later runs (20261201T041117Z, and luo-mismatch's first runs), same machine.
  'luo-mismatch': 10_000,
  kselftest: 12_300,
};
