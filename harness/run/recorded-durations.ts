// Wall time of each scenario in one recorded run (summary.json durationMs of run 20261205T155128Z, the whole suite:
// TCG, 2 cores, JOBS=2, QEMU 10.0.2, the igb only in the guests that ask for it; kselftest from 20261205T164617Z, with
// every VFIO program): the weights SHARD= balances with and JOBS= starts the longest first by. They live in the
// repository, not in local results, so every CI shard splits alike. Refresh them from a full run's summary.json when
// scenarios change much.
export const recordedDurationsMs: Readonly<Record<string, number>> = {
  boot: 3_000,
  kexec: 4_100,
  'luo-memfd': 6_900,
  'luo-chain': 11_600,
  'luo-negative': 10_900,
  'luo-mismatch': 5_200,
  'luo-uapi': 2_200,
  'vfio-edu': 18_400,
  'vfio-igb': 18_000,
  'pci-config': 6_200,
  kselftest: 55_000,
};
