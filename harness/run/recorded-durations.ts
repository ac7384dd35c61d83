// Wall time of each scenario in one recorded run (summary.json durationMs of the suite of bench run
// 20261201T061701Z: TCG, 2 cores, JOBS=2, bundled harness, LZ4 kernel): the weights SHARD= balances with and JOBS=
// starts the longest first by. They live in the repository, not in local results, so every CI shard splits alike.
// Refresh them from a full run's summary.json when scenarios change much.
export const recordedDurationsMs: Readonly<Record<string, number>> = {
  boot: 3_000,
  kexec: 6_500,
  'luo-memfd': 9_300,
  'luo-chain': 11_700,
  'luo-negative': 12_900,
  'luo-mismatch': 5_700,
  'luo-uapi': 3_500,
  'vfio-edu': 17_700,
  'vfio-igb': 22_000,
  'pci-config': 5_300,
  kselftest: 8_100,
};
