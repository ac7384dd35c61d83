import t from 'tap';
import { buildProgress } from '../../images/kernel/build.ts';

t.test('done/total with the time left at the pace so far', async (t) => {
  t.equal(buildProgress(450, 1800, 60_000), '450/1800 steps (25%), about 3 min 0 s left');
  t.equal(buildProgress(1700, 1800, 170_000), '1700/1800 steps (94%), about 10 s left');
});

t.test('no estimate without a total, before the first step, or past the recorded total', async (t) => {
  t.equal(buildProgress(120, undefined, 30_000), '120 steps');
  t.equal(buildProgress(0, 1800, 5_000), '0 steps');
  t.equal(buildProgress(1900, 1800, 400_000), '1900 steps (more than the 1800 last time)');
});
