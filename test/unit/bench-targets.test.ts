import t from 'tap';
import { median, missed, ratiosOf, renderRatio, slower, type BenchSamples } from '../../harness/bench/bench-targets.ts';

// The samples of a real `make bench PAIRS=2 S=boot` on the 2-core machine under TCG (bench 20261201T053958Z).
const recorded: BenchSamples = {
  subject: 'kexec',
  floorMs: [4765, 4049],
  subjectMs: [9205, 8716],
  bootToSshMs: [3292, 3313],
  kexecToSshMs: [3162, 2632],
  suiteMs: 5649,
  suiteSelection: ['boot'],
  qemuPeakRssMiB: 329,
  guestMemoryMiB: 2048,
};

t.test('median of odd and even counts', async (t) => {
  t.equal(median([5, 1, 3]), 3);
  t.equal(median([4765, 4049]), 4407);
  t.ok(Number.isNaN(median([])));
});

t.test('ratios to the floor of the same run, and which targets they miss', async (t) => {
  const ratios = ratiosOf(recorded);
  t.same(
    ratios.map((ratio) => [ratio.name, ratio.value, ratio.target]),
    [
      ['subjectVsFloor', 2.03, 1.6],
      ['bootToSshVsFloor', 0.75, 0.7],
      ['kexecToSshVsFloor', 0.66, 0.7],
      ['qemuPeakRssVsGuestRam', 0.16, 0.4],
      ['suiteVsFloor:S=boot', 1.28, undefined],
    ],
  );
  t.same(ratios.filter(missed).map((ratio) => ratio.name), ['subjectVsFloor', 'bootToSshVsFloor'], 'the kexec scenario is over 1.6 floors, boot to SSH over 0.7');
  t.equal(ratiosOf({ ...recorded, suiteSelection: [] }).find((ratio) => ratio.name === 'suiteVsFloor')?.target, 22, 'the suite target is about the whole default suite only');
  const afterSelection = ratiosOf({ ...recorded, suiteSelection: [] }, ratiosOf(recorded));
  t.equal(afterSelection.find((ratio) => ratio.name === 'suiteVsFloor')?.previous, undefined, 'a whole suite is not compared with a suite of one scenario');
});

t.test('the previous run beside each ratio; more than 10% up is SLOWER', async (t) => {
  const previous = ratiosOf({ ...recorded, subjectMs: [7000, 7000], kexecToSshMs: [2700, 2800] });
  const ratios = ratiosOf(recorded, previous);
  t.equal(ratios[0]?.previous, 1.59);
  t.ok(slower(ratios[0]!), '2.03 against 1.59');
  t.notOk(slower(ratios[2]!), '0.66 against 0.62 is noise');
  t.equal(renderRatio(ratios[0]!), 'OVER make scenario S=kexec / floor      2.03  (target <= 1.6; previous 1.59, SLOWER)');
  t.equal(renderRatio(ratios[3]!), 'ok   QEMU peak RSS / guest RAM          0.16  (target <= 0.4; previous 0.16)');
  t.equal(renderRatio(ratiosOf(recorded)[4]!), 'info make scenario S=boot / floor       1.28  (not judged; no previous run)');
});
