import t from 'tap';
import { shardOf } from '../../harness/run/shard.ts';
import { recordedDurationsMs } from '../../harness/run/recorded-durations.ts';

const names = ['boot', 'kexec', 'luo-memfd', 'luo-chain', 'luo-negative', 'vfio-edu', 'pci-config'];
const selection = names.map((name) => ({ name }));

t.test('the shards of a split are disjoint and together the whole selection, for every n', async (t) => {
  for (let count = 1; count <= names.length + 2; count++) {
    const parts = Array.from({ length: count }, (_, index) => shardOf(selection, { index: index + 1, count }).map((entry) => entry.name));
    const all = parts.flat();
    t.equal(all.length, names.length, `n=${count}: no scenario twice`);
    t.same([...all].sort(), [...names].sort(), `n=${count}: every scenario once`);
  }
});

t.test('deterministic and in selection order', async (t) => {
  const first = shardOf(selection, { index: 1, count: 2 });
  t.same(shardOf([...selection], { index: 1, count: 2 }), first);
  t.same(first.map((entry) => entry.name), names.filter((name) => first.some((entry) => entry.name === name)));
});

t.test('balanced by duration: the heavy scenario alone against the light ones', async (t) => {
  const durations = { a: 100, b: 10, c: 10, d: 10 };
  const picked = ['a', 'b', 'c', 'd'].map((name) => ({ name }));
  t.same(shardOf(picked, { index: 1, count: 2 }, durations).map((entry) => entry.name), ['a']);
  t.same(shardOf(picked, { index: 2, count: 2 }, durations).map((entry) => entry.name), ['b', 'c', 'd']);
  const loads = [1, 2].map((index) => shardOf(selection, { index, count: 2 }).reduce((sum, entry) => sum + (recordedDurationsMs[entry.name] ?? 0), 0));
  const total = (loads[0] ?? 0) + (loads[1] ?? 0);
  t.ok(Math.abs((loads[0] ?? 0) - (loads[1] ?? 0)) <= Math.max(...Object.values(recordedDurationsMs)), `recorded durations split evenly (${loads.join(' / ')} of ${total} ms)`);
});

t.test('an unrecorded scenario weighs as much as the slowest recorded one', async (t) => {
  const durations = { a: 50, b: 10 };
  const picked = [{ name: 'a' }, { name: 'b' }, { name: 'new' }];
  const one = shardOf(picked, { index: 1, count: 2 }, durations).map((entry) => entry.name);
  const two = shardOf(picked, { index: 2, count: 2 }, durations).map((entry) => entry.name);
  t.same([one, two], [['a', 'b'], ['new']], 'new (50) ties with a, so b joins a');
});
