// What `make bench` judges: ratios to the floor measured in the same run (so a slower or faster machine moves both
// sides), each against its target, and each against the previous bench run so a slowdown shows.

/** The measurements of one bench run, in milliseconds unless named otherwise. */
export interface BenchSamples {
  /** The kernel's own luo_kexec_simple flow, QEMU start to exit. */
  readonly floorMs: readonly number[];
  /** The bench subject (the scenario whose manifest says so), by name. */
  readonly subject: string;
  /** `luo-harness run S=<subject>`, start to exit, as a developer pays for it. */
  readonly subjectMs: readonly number[];
  readonly bootToSshMs: readonly number[];
  readonly kexecToSshMs: readonly number[];
  /** The selected scenarios (all by default), start to exit. */
  readonly suiteMs: number;
  /** The scenarios the suite ran when S= chose them; empty for the whole default selection, the only one its target is about. */
  readonly suiteSelection: readonly string[];
  readonly qemuPeakRssMiB: number;
  readonly guestMemoryMiB: number;
}

export interface Ratio {
  readonly name: string;
  readonly what: string;
  readonly value: number;
  /** Undefined: reported, not judged. */
  readonly target: number | undefined;
  readonly previous?: number;
}

/**
 * Targets, set on the 2-core development machine under TCG where the floor (the LZ4 kernel) takes about 1.8 s: the
 * bench subject (the kexec scenario) within 1.6 times the kernel's own flow (which boots no userspace, no devices and
 * no SSH); the whole default suite, every scenario counted, within 22 floors (about 40 s there); one boot to SSH and
 * one kexec to SSH each within 0.7 of a floor (the floor itself boots twice); QEMU within 40% of the guest's RAM.
 */
export const targets = { subject: 1.6, suite: 22, bootToSsh: 0.7, kexecToSsh: 0.7, qemuPeakRss: 0.4 } as const;

/** A slowdown against the previous run worth saying: more than this fraction. */
export const slowdownShown = 0.1;

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 ? (sorted[middle] ?? Number.NaN) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

const round = (value: number) => Math.round(value * 100) / 100;

/** The ratios of one run, with the previous run's values beside them. */
export function ratiosOf(samples: BenchSamples, previous: readonly Ratio[] = []): Ratio[] {
  const floor = median(samples.floorMs);
  const ratios: Ratio[] = [
    { name: 'subjectVsFloor', what: `make scenario S=${samples.subject} / floor`, value: round(median(samples.subjectMs) / floor), target: targets.subject },
    { name: 'bootToSshVsFloor', what: 'boot to SSH / floor', value: round(median(samples.bootToSshMs) / floor), target: targets.bootToSsh },
    { name: 'kexecToSshVsFloor', what: 'kexec to SSH / floor', value: round(median(samples.kexecToSshMs) / floor), target: targets.kexecToSsh },
    { name: 'qemuPeakRssVsGuestRam', what: 'QEMU peak RSS / guest RAM', value: round(samples.qemuPeakRssMiB / samples.guestMemoryMiB), target: targets.qemuPeakRss },
  ];
  const all = samples.suiteSelection.length === 0;
  // Named by the selection, so a later run compares its suite only with a suite of the same scenarios.
  const name = all ? 'suiteVsFloor' : `suiteVsFloor:S=${samples.suiteSelection.join(',')}`;
  ratios.push({ name, what: all ? 'make scenario (all) / floor' : `make scenario S=${samples.suiteSelection.join(',')} / floor`, value: round(samples.suiteMs / floor), target: all ? targets.suite : undefined });
  return ratios.map((ratio) => {
    const before = previous.find((candidate) => candidate.name === ratio.name)?.value;
    return before === undefined ? ratio : { ...ratio, previous: before };
  });
}

export function missed(ratio: Ratio): boolean {
  return ratio.target !== undefined && !(ratio.value <= ratio.target);
}

export function slower(ratio: Ratio): boolean {
  return ratio.previous !== undefined && ratio.value > ratio.previous * (1 + slowdownShown);
}

/** One line per ratio: verdict, value, target, and the previous run's value. */
export function renderRatio(ratio: Ratio): string {
  const verdict = ratio.target === undefined ? 'info' : missed(ratio) ? 'OVER' : 'ok  ';
  const target = ratio.target === undefined ? 'not judged' : `target <= ${ratio.target}`;
  const previous = ratio.previous === undefined ? 'no previous run' : `previous ${ratio.previous}${slower(ratio) ? ', SLOWER' : ''}`;
  return `${verdict} ${ratio.what.padEnd(32)} ${ratio.value.toFixed(2).padStart(6)}  (${target}; ${previous})`;
}
