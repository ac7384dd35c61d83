// Wall time of each scenario in one recorded run (summary.json durationMs of the suite of bench run
// 20261201T054449Z: TCG, 2 cores, JOBS=2, bundled harness): the weights SHARD= balances with and JOBS= starts the
// longest first by. They live in the repository, not in local results, so every CI shard splits alike.
// Refresh them from a full run's summary.json when scenarios change much.
export const recordedDurationsMs: Readonly<Record<string, number>> = {
  boot: 3_900,
  kexec: 6_900,
  'luo-memfd': 10_600,
  'luo-chain': 12_900,
  'luo-negative': 14_100,
  'luo-mismatch': 8_200,
  'vfio-edu': 17_900,
  'pci-config': 6_600,
  kselftest: 9_600,
};
