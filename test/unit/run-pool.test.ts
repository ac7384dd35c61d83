import t from 'tap';
import { defaultJobs, runPool } from '../../harness/run/run-pool.ts';
import { longestFirst } from '../../harness/run/shard.ts';

/** Work that records how many run at once and finishes when told. */
function tracked() {
  let running = 0;
  let most = 0;
  const started: number[] = [];
  const finishers = new Map<number, () => void>();
  const work = async (item: number): Promise<number> => {
    started.push(item);
    running++;
    most = Math.max(most, running);
    await new Promise<void>((resolve) => finishers.set(item, resolve));
    running--;
    return item * 10;
  };
  return { work, started, finishers, most: () => most };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

t.test('at most JOBS at once, started in order, results in the items\' order', async (t) => {
  const { work, started, finishers, most } = tracked();
  const pending = runPool([1, 2, 3, 4, 5], 2, new AbortController().signal, work);
  await settle();
  t.same(started, [1, 2], 'two started');
  finishers.get(2)?.();
  await settle();
  t.same(started, [1, 2, 3], 'the next starts when one finishes');
  for (const item of [1, 3, 4, 5]) {
    finishers.get(item)?.();
    await settle();
  }
  t.same(await pending, [10, 20, 30, 40, 50]);
  t.equal(most(), 2, 'never more than two');
});

t.test('after a cancel nothing new starts and only what started is returned', async (t) => {
  const { work, started, finishers } = tracked();
  const cancel = new AbortController();
  const pending = runPool([1, 2, 3], 1, cancel.signal, work);
  await settle();
  cancel.abort();
  finishers.get(1)?.();
  t.same(await pending, [10]);
  t.same(started, [1]);
});

t.test('default JOBS: one per core, at most four, one with KEEP=1', async (t) => {
  t.equal(defaultJobs({ keep: false }, 2), 2);
  t.equal(defaultJobs({ keep: false }, 1), 1);
  t.equal(defaultJobs({ keep: false }, 64), 4);
  t.equal(defaultJobs({ keep: true }, 8), 1);
});

t.test('scenarios start longest first; an unrecorded one counts as the slowest', async (t) => {
  const durations = { boot: 5, 'vfio-edu': 20, kexec: 9 };
  t.same(longestFirst(['boot', 'kexec', 'new-one', 'vfio-edu'].map((name) => ({ name })), durations).map((entry) => entry.name), ['new-one', 'vfio-edu', 'kexec', 'boot']);
});
